/**
 * The specimen: the crystal oriented with the zone axis [uvw] along the beam (z), cut into an
 * orthogonal cell whose edges are lattice vectors (X ⊥ beam, Y ⊥ beam and X, and the beam
 * period C = |u a + v b + w c|), tiled laterally to the extent and along the beam to the
 * thickness. The orthogonal cell is found by searching lattice vectors n·(a, b, c) with
 * |nᵢ| ≤ 8 perpendicular to the beam; if none exist (low-symmetry cells along a high-index
 * direction) the zone is refused with an UnsupportedError rather than simulated with broken
 * periodicity.
 */
import { UnsupportedError, ValidationError } from '../../core/errors.js';
import { atomicNumber } from '../../crystal/scattering/index.js';
import type { AtomArrays } from './potential.js';

/** What the specimen needs from a crystal (src/crystal/structure.ts `Crystal` satisfies it). */
export interface CrystalLike {
  name?: string;
  lattice: { readonly direct: readonly (readonly number[])[] };
  atoms: readonly {
    element: string;
    x: number;
    y: number;
    z: number;
    occupancy: number;
    uIso: number;
  }[];
}

/** Atoms with their isotropic mean-square displacement U [Å²] (for frozen phonons). */
export interface SpecimenAtoms extends AtomArrays {
  uIso: Float64Array;
}

export interface OrientedCell {
  /** Orthogonal cell edges [Å]: X, Y lateral, C along the beam. */
  a: number;
  b: number;
  c: number;
  /** Atoms in [0,a)×[0,b)×[0,c), Cartesian Å in the beam frame. */
  atoms: SpecimenAtoms;
  /** The lattice vectors (integer coefficients of a, b, c) chosen as X, Y and the beam. */
  vectors: [number[], number[], number[]];
}

type V3 = [number, number, number];
const dot = (p: V3, q: V3): number => p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
const cross = (p: V3, q: V3): V3 => [
  p[1] * q[2] - p[2] * q[1],
  p[2] * q[0] - p[0] * q[2],
  p[0] * q[1] - p[1] * q[0],
];
const norm = (p: V3): number => Math.sqrt(dot(p, p));
function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

function combine(d: readonly (readonly number[])[], n: readonly number[]): V3 {
  const out: V3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) out[k] = out[k]! + n[i]! * d[i]![k]!;
  return out;
}

function inverse3(m: readonly (readonly number[])[]): number[][] {
  const [a, b, c] = [m[0]!, m[1]!, m[2]!];
  const A: V3 = [a[0]!, a[1]!, a[2]!];
  const B: V3 = [b[0]!, b[1]!, b[2]!];
  const C: V3 = [c[0]!, c[1]!, c[2]!];
  const det = dot(A, cross(B, C));
  const r0 = cross(B, C);
  const r1 = cross(C, A);
  const r2 = cross(A, B);
  // rows of m are basis vectors; inverse columns are the reciprocal vectors
  return [0, 1, 2].map((k) => [r0[k]! / det, r1[k]! / det, r2[k]! / det]);
}

const SEARCH = 8;

/** Orient `crystal` with [uvw] along the beam and cut the orthogonal cell. */
export function orientCell(
  crystal: CrystalLike,
  zone: readonly [number, number, number],
): OrientedCell {
  if (!zone.every((v) => Number.isInteger(v)) || zone.every((v) => v === 0)) {
    throw new ValidationError(
      `zone axis must be integers, not all zero, got [${zone.join(',')}]`,
      'zone',
    );
  }
  const g = gcd(gcd(zone[0], zone[1]), zone[2]);
  const uvw = zone.map((v) => v / g);
  const D = crystal.lattice.direct;
  const beam = combine(D, uvw);
  const cLen = norm(beam);
  const zh: V3 = [beam[0] / cLen, beam[1] / cLen, beam[2] / cLen];
  const perp: { v: V3; n: number[]; len: number }[] = [];
  for (let i = -SEARCH; i <= SEARCH; i++) {
    for (let j = -SEARCH; j <= SEARCH; j++) {
      for (let k = -SEARCH; k <= SEARCH; k++) {
        if (i === 0 && j === 0 && k === 0) continue;
        const v = combine(D, [i, j, k]);
        const len = norm(v);
        if (Math.abs(dot(v, zh)) < 1e-6 * Math.max(1, len)) perp.push({ v, n: [i, j, k], len });
      }
    }
  }
  // Deterministic order: shortest first, then the one closest to +a, then +b.
  const a0 = combine(D, [1, 0, 0]);
  const b0 = combine(D, [0, 1, 0]);
  perp.sort(
    (p, q) =>
      p.len - q.len ||
      dot(q.v, a0) / q.len - dot(p.v, a0) / p.len ||
      dot(q.v, b0) / q.len - dot(p.v, b0) / p.len,
  );
  const X = perp[0];
  if (!X) throw unsupported(zone);
  const xh: V3 = [X.v[0] / X.len, X.v[1] / X.len, X.v[2] / X.len];
  const yh = cross(zh, xh);
  const Y = perp.find((p) => Math.abs(dot(p.v, xh)) < 1e-6 * p.len && dot(p.v, yh) > 0);
  if (!Y) throw unsupported(zone);
  // Fill the box with atoms from enough lattice translations.
  const inv = inverse3(D);
  const corners: V3[] = [];
  for (const s of [0, 1]) {
    for (const t of [0, 1]) {
      for (const u of [0, 1]) {
        corners.push([0, 1, 2].map((k) => s * X.v[k]! + t * Y.v[k]! + u * beam[k]!) as V3);
      }
    }
  }
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const p of corners) {
    for (let k = 0; k < 3; k++) {
      const f = p[0] * inv[0]![k]! + p[1] * inv[1]![k]! + p[2] * inv[2]![k]!;
      lo[k] = Math.min(lo[k]!, Math.floor(f) - 1);
      hi[k] = Math.max(hi[k]!, Math.ceil(f) + 1);
    }
  }
  const aLen = X.len;
  const bLen = Y.len;
  const eps = 1e-6;
  const num: number[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const zs: number[] = [];
  const occ: number[] = [];
  const us: number[] = [];
  const zOf = crystal.atoms.map((s) => atomicNumber(s.element));
  for (let i = lo[0]!; i <= hi[0]!; i++) {
    for (let j = lo[1]!; j <= hi[1]!; j++) {
      for (let k = lo[2]!; k <= hi[2]!; k++) {
        crystal.atoms.forEach((s, ai) => {
          const p = combine(D, [s.x + i, s.y + j, s.z + k]);
          let px = dot(p, xh);
          let py = dot(p, yh);
          let pz = dot(p, zh);
          if (px < -eps || px >= aLen - eps || py < -eps || py >= bLen - eps) return;
          if (pz < -eps || pz >= cLen - eps) return;
          px = Math.max(0, px);
          py = Math.max(0, py);
          pz = Math.max(0, pz);
          num.push(zOf[ai]!);
          xs.push(px);
          ys.push(py);
          zs.push(pz);
          occ.push(s.occupancy);
          us.push(s.uIso);
        });
      }
    }
  }
  const cellVolume = Math.abs(dot(combine(D, [1, 0, 0]), cross(b0, combine(D, [0, 0, 1]))));
  const ratio = (aLen * bLen * cLen) / cellVolume;
  const expected = Math.round(ratio) * crystal.atoms.length;
  if (Math.abs(ratio - Math.round(ratio)) > 1e-6 || num.length !== expected) {
    throw new UnsupportedError(
      `orienting along [${zone.join(',')}] gave ${num.length} atoms in the orthogonal cell, expected ${expected}`,
    );
  }
  return {
    a: aLen,
    b: bLen,
    c: cLen,
    atoms: {
      numbers: Int32Array.from(num),
      x: Float64Array.from(xs),
      y: Float64Array.from(ys),
      z: Float64Array.from(zs),
      occupancy: Float64Array.from(occ),
      uIso: Float64Array.from(us),
    },
    vectors: [X.n, Y.n, uvw],
  };
}

function unsupported(zone: readonly number[]): UnsupportedError {
  return new UnsupportedError(
    `no orthogonal cell with lattice-vector edges (|n| ≤ ${SEARCH}) exists along [${zone.join(',')}]`,
  );
}

/**
 * Tile `atoms` (in a box a×b×c) nx×ny times laterally and nz times along the beam.
 */
export function tileAtoms(
  atoms: SpecimenAtoms,
  box: readonly [number, number, number],
  reps: readonly [number, number, number],
): SpecimenAtoms {
  const n0 = atoms.numbers.length;
  const total = n0 * reps[0] * reps[1] * reps[2];
  const out: SpecimenAtoms = {
    numbers: new Int32Array(total),
    x: new Float64Array(total),
    y: new Float64Array(total),
    z: new Float64Array(total),
    occupancy: new Float64Array(total),
    uIso: new Float64Array(total),
  };
  let o = 0;
  for (let k = 0; k < reps[2]; k++) {
    for (let j = 0; j < reps[1]; j++) {
      for (let i = 0; i < reps[0]; i++) {
        for (let a = 0; a < n0; a++) {
          out.numbers[o] = atoms.numbers[a]!;
          out.x[o] = atoms.x[a]! + i * box[0];
          out.y[o] = atoms.y[a]! + j * box[1];
          out.z[o] = atoms.z[a]! + k * box[2];
          out.occupancy[o] = atoms.occupancy[a]!;
          out.uIso[o] = atoms.uIso[a]!;
          o++;
        }
      }
    }
  }
  return out;
}
