/**
 * Kinematic reflection table: every hkl with |g| ≤ gMax, its structure factor
 * F(g) = Σ occ · f_e(s) · exp(−B s²) · exp(2πi h·x) over the full-cell atoms (s = |g|/2,
 * B = 8π²U), and its family of Laue-equivalent reflections (multiplicity). Built once per
 * crystal and reused for every orientation, lattice scale and profile (pure data, no I/O).
 */
import { ValidationError } from '../../core/errors.js';
import type { Parametrization } from '../../crystal/scattering/index.js';
import { assertParametrization, scatteringFunction } from '../../crystal/scattering/index.js';
import type { CrystalSymmetry, KinematicCrystal } from './crystal.js';
import { checkCrystal, crystalSymmetry } from './crystal.js';

export interface ReflectionOptions {
  /** Largest |g| = 1/d [Å⁻¹] (default 1.5). */
  gMax?: number;
  /** Scattering-factor parametrization (default lobato). */
  params?: Parametrization;
  /** Apply exp(−B s²) from each atom's U_iso (default true). */
  debyeWaller?: boolean;
}

/**
 * Reflections in typed arrays (index i for reflection i, sorted by |g|, (000) excluded).
 * Families group Laue-equivalent reflections; `family[i]` is the family of reflection i.
 */
export interface ReflectionTable {
  readonly crystalName: string;
  readonly params: Parametrization;
  readonly debyeWaller: boolean;
  readonly gMax: number;
  readonly count: number;
  /** h, k, l of reflection i at [3i, 3i+1, 3i+2]. */
  readonly hkl: Int32Array;
  /** Reciprocal basis rows a*, b*, c* (Cartesian Å⁻¹), 9 numbers row-major. */
  readonly reciprocal: Float64Array;
  /** Cartesian g (crystal frame, Å⁻¹) of reflection i at [3i..3i+2]. */
  readonly g: Float64Array;
  readonly gLength: Float64Array;
  /** |F|² [Å²] of reflection i. */
  readonly f2: Float64Array;
  readonly family: Int32Array;
  readonly families: FamilyTable;
  /** Per (family, species) complex phase sums Σ occ exp(2πi h·x), for re-evaluating F at other s. */
  readonly phaseRe: Float64Array;
  readonly phaseIm: Float64Array;
  readonly species: readonly Species[];
}

export interface FamilyTable {
  readonly count: number;
  /** A representative h, k, l per family (the lexicographically largest member). */
  readonly hkl: Int32Array;
  readonly gLength: Float64Array;
  readonly multiplicity: Int32Array;
  /** |F|² [Å²] (equal for every member). */
  readonly f2: Float64Array;
}

/** Atoms sharing element and U_iso: one scattering factor and Debye–Waller term. */
export interface Species {
  readonly element: string;
  readonly b: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly occupancy: Float64Array;
}

function groupSpecies(crystal: KinematicCrystal, debyeWaller: boolean): Species[] {
  const groups = new Map<string, { element: string; b: number; atoms: number[][] }>();
  for (const a of crystal.atoms) {
    const b = debyeWaller ? 8 * Math.PI * Math.PI * a.uIso : 0;
    const key = `${a.element}|${b}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { element: a.element, b, atoms: [] }));
    g.atoms.push([a.x, a.y, a.z, a.occupancy]);
  }
  return [...groups.values()].map((g) => ({
    element: g.element,
    b: g.b,
    x: Float64Array.from(g.atoms, (v) => v[0]!),
    y: Float64Array.from(g.atoms, (v) => v[1]!),
    z: Float64Array.from(g.atoms, (v) => v[2]!),
    occupancy: Float64Array.from(g.atoms, (v) => v[3]!),
  }));
}

/** Structure factor F(hkl) [Å] as [re, im] (a direct evaluation, for checks and single hkl). */
export function structureFactor(
  crystal: KinematicCrystal,
  hkl: readonly [number, number, number],
  opts: Pick<ReflectionOptions, 'params' | 'debyeWaller'> & {
    /** Override f(element, s) (e.g. neutron scattering lengths, for cross-checks). */
    scatteringFactor?: (element: string, s: number) => number;
  } = {},
): [number, number] {
  checkCrystal(crystal);
  const params = assertParametrization(opts.params ?? 'lobato');
  const [h, k, l] = hkl;
  const r = crystal.lattice.reciprocal;
  let g2 = 0;
  for (let j = 0; j < 3; j++) {
    const gj = h * r[0]![j]! + k * r[1]![j]! + l * r[2]![j]!;
    g2 += gj * gj;
  }
  const s2 = g2 / 4;
  let re = 0;
  let im = 0;
  for (const a of crystal.atoms) {
    const f = opts.scatteringFactor
      ? opts.scatteringFactor(a.element, Math.sqrt(s2))
      : scatteringFunction(params, a.element)(s2);
    const dw = opts.debyeWaller === false ? 1 : Math.exp(-8 * Math.PI * Math.PI * a.uIso * s2);
    const ph = 2 * Math.PI * (h * a.x + k * a.y + l * a.z);
    re += a.occupancy * f * dw * Math.cos(ph);
    im += a.occupancy * f * dw * Math.sin(ph);
  }
  return [re, im];
}

/** Build the reflection table of a crystal (see `ReflectionTable`). */
export function prepareReflections(
  crystal: KinematicCrystal,
  opts: ReflectionOptions = {},
  symmetry: CrystalSymmetry = crystalSymmetry(crystal),
): ReflectionTable {
  checkCrystal(crystal);
  const gMax = opts.gMax ?? 1.5;
  if (!(Number.isFinite(gMax) && gMax > 0 && gMax <= 20)) {
    throw new ValidationError(`gMax must be in (0, 20] Å⁻¹, got ${gMax}`, 'gMax');
  }
  const params = assertParametrization(opts.params ?? 'lobato');
  const debyeWaller = opts.debyeWaller ?? true;
  const R = crystal.lattice.reciprocal;
  const D = crystal.lattice.direct;
  // |h| = |g · a| ≤ gMax |a|.
  const lim = D.map((row) => Math.floor(gMax * Math.hypot(row[0]!, row[1]!, row[2]!) + 1e-9));
  const [H, K, L] = lim as [number, number, number];
  const nCand = (2 * H + 1) * (2 * K + 1) * (2 * L + 1);
  if (nCand > 5e7) {
    throw new ValidationError(
      `gMax ${gMax} Å⁻¹ with this cell needs ${nCand} hkl candidates (> 5e7); lower gMax`,
      'gMax',
    );
  }
  const list: { h: number; k: number; l: number; g: number }[] = [];
  for (let h = -H; h <= H; h++) {
    for (let k = -K; k <= K; k++) {
      for (let l = -L; l <= L; l++) {
        if (h === 0 && k === 0 && l === 0) continue;
        const gx = h * R[0]![0]! + k * R[1]![0]! + l * R[2]![0]!;
        const gy = h * R[0]![1]! + k * R[1]![1]! + l * R[2]![1]!;
        const gz = h * R[0]![2]! + k * R[1]![2]! + l * R[2]![2]!;
        const g = Math.sqrt(gx * gx + gy * gy + gz * gz);
        if (g <= gMax * (1 + 1e-12)) list.push({ h, k, l, g });
      }
    }
  }
  list.sort((a, b) => a.g - b.g || b.h - a.h || b.k - a.k || b.l - a.l);
  const n = list.length;
  const key = (h: number, k: number, l: number): number =>
    ((h + H) * (2 * K + 1) + (k + K)) * (2 * L + 1) + (l + L);
  // Families: orbit of each hkl under the Laue operations; representative = lexicographic max.
  const familyOf = new Map<number, number>();
  const famHkl: number[] = [];
  const famMult: number[] = [];
  const family = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const { h, k, l } = list[i]!;
    const kk = key(h, k, l);
    let f = familyOf.get(kk);
    if (f === undefined) {
      f = famMult.length;
      let best = [h, k, l];
      let members = 0;
      for (const w of symmetry.hklOperations) {
        const h2 = w[0]! * h + w[1]! * k + w[2]! * l;
        const k2 = w[3]! * h + w[4]! * k + w[5]! * l;
        const l2 = w[6]! * h + w[7]! * k + w[8]! * l;
        if (Math.abs(h2) > H || Math.abs(k2) > K || Math.abs(l2) > L) continue;
        const k2key = key(h2, k2, l2);
        if (!familyOf.has(k2key)) {
          familyOf.set(k2key, f);
          members++;
        }
        if (
          h2 > best[0]! ||
          (h2 === best[0] && (k2 > best[1]! || (k2 === best[1] && l2 > best[2]!)))
        ) {
          best = [h2, k2, l2];
        }
      }
      famHkl.push(...best);
      famMult.push(members);
    }
    family[i] = f;
  }
  const nf = famMult.length;
  const species = groupSpecies(crystal, debyeWaller);
  const ns = species.length;
  const phaseRe = new Float64Array(nf * ns);
  const phaseIm = new Float64Array(nf * ns);
  const famG = new Float64Array(nf);
  for (let f = 0; f < nf; f++) {
    const h = famHkl[3 * f]!;
    const k = famHkl[3 * f + 1]!;
    const l = famHkl[3 * f + 2]!;
    const gx = h * R[0]![0]! + k * R[1]![0]! + l * R[2]![0]!;
    const gy = h * R[0]![1]! + k * R[1]![1]! + l * R[2]![1]!;
    const gz = h * R[0]![2]! + k * R[1]![2]! + l * R[2]![2]!;
    famG[f] = Math.sqrt(gx * gx + gy * gy + gz * gz);
    for (let s = 0; s < ns; s++) {
      const sp = species[s]!;
      let re = 0;
      let im = 0;
      for (let a = 0; a < sp.x.length; a++) {
        const ph = 2 * Math.PI * (h * sp.x[a]! + k * sp.y[a]! + l * sp.z[a]!);
        re += sp.occupancy[a]! * Math.cos(ph);
        im += sp.occupancy[a]! * Math.sin(ph);
      }
      phaseRe[f * ns + s] = re;
      phaseIm[f * ns + s] = im;
    }
  }
  const table: Omit<ReflectionTable, 'f2' | 'families'> & { f2: Float64Array } = {
    crystalName: crystal.name ?? '',
    params,
    debyeWaller,
    gMax,
    count: n,
    hkl: Int32Array.from(list.flatMap((r) => [r.h, r.k, r.l])),
    reciprocal: Float64Array.from(R.flatMap((row) => [row[0]!, row[1]!, row[2]!])),
    g: new Float64Array(3 * n),
    gLength: Float64Array.from(list, (r) => r.g),
    f2: new Float64Array(n),
    family,
    phaseRe,
    phaseIm,
    species,
  };
  for (let i = 0; i < n; i++) {
    const { h, k, l } = list[i]!;
    for (let j = 0; j < 3; j++) table.g[3 * i + j] = h * R[0]![j]! + k * R[1]![j]! + l * R[2]![j]!;
  }
  const famF2 = familyF2(table, famG, params);
  for (let i = 0; i < n; i++) table.f2[i] = famF2[family[i]!]!;
  return {
    ...table,
    families: {
      count: nf,
      hkl: Int32Array.from(famHkl),
      gLength: famG,
      multiplicity: Int32Array.from(famMult),
      f2: famF2,
    },
  };
}

/**
 * |F|² per family at the given |g| per family (Å⁻¹), from the stored phase sums: used for the
 * table itself and to re-evaluate f_e(s) and exp(−B s²) when the lattice is scaled.
 */
export function familyF2(
  table: Pick<ReflectionTable, 'phaseRe' | 'phaseIm' | 'species'>,
  gLength: Float64Array,
  params: Parametrization,
  out: Float64Array = new Float64Array(gLength.length),
): Float64Array {
  const ns = table.species.length;
  const fns = table.species.map((sp) => scatteringFunction(params, sp.element));
  for (let f = 0; f < gLength.length; f++) {
    const s2 = (gLength[f]! * gLength[f]!) / 4;
    let re = 0;
    let im = 0;
    for (let s = 0; s < ns; s++) {
      const amp = fns[s]!(s2) * Math.exp(-table.species[s]!.b * s2);
      re += amp * table.phaseRe[f * ns + s]!;
      im += amp * table.phaseIm[f * ns + s]!;
    }
    out[f] = re * re + im * im;
  }
  return out;
}
