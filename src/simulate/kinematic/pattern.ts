/**
 * 2D kinematic spot patterns: for an orientation U (crystal → lab, optic axis z), every
 * reflection's excitation error from the Ewald sphere of k = 1/λ, a shape function of it, and
 * optionally the average over a precession circle. Spots are at the projection (kx, ky) of g
 * on the detector plane [Å⁻¹]. Pure function of plain data: safe in worker threads.
 */
import { ValidationError } from '../../core/errors.js';
import { electronWavelength } from '../../crystal/wavelength.js';
import type { Mat3 } from '../orientation/mat3.js';
import type { ReflectionTable } from './reflections.js';
import { familyF2 } from './reflections.js';

export type ExcitationShape = 'lorentzian' | 'gaussian' | 'sinc2';
export const EXCITATION_SHAPES: readonly ExcitationShape[] = ['lorentzian', 'gaussian', 'sinc2'];

export interface PatternOptions {
  /** Accelerating voltage [kV] (sets λ and the Ewald sphere). */
  kv: number;
  /** Shape function of the excitation error (default lorentzian). */
  shape?: ExcitationShape;
  /**
   * Width of the relrod [Å⁻¹] (default 0.01): Lorentzian HWHM, Gaussian σ, or for sinc² the
   * first zero 1/t (t = specimen thickness, Å). diffsims' `lorentzian` with
   * `max_excitation_error` m is 1/(1 + (π s/m)²), i.e. relrod = m/π here.
   */
  relrod?: number;
  /** Reflections with |s| above this [Å⁻¹] are dropped (default 3 × relrod). */
  maxExcitationError?: number;
  /** Precession semi-angle [degrees] (default 0: no precession). */
  precessionDeg?: number;
  /** Beam azimuths averaged over the precession circle (default 36). */
  precessionSteps?: number;
  /** Keep spots with |(kx, ky)| ≤ this [Å⁻¹] (default: the table's gMax). */
  maxRadius?: number;
  /** Scale factors of a, b, c (one number: isotropic); g is divided by them, f_e re-evaluated. */
  latticeScale?: number | readonly [number, number, number];
  /** Drop reflections with |F|² below this fraction of the strongest (default 1e-10: absences). */
  minRelativeF2?: number;
}

export interface SpotList {
  count: number;
  /** h, k, l of spot i at [3i..3i+2]. */
  hkl: Int32Array;
  /** Detector-plane coordinates [Å⁻¹]. */
  kx: Float64Array;
  ky: Float64Array;
  /** |F|² × shape factor (precession: averaged over the circle). */
  intensity: Float64Array;
  /** Excitation error s [Å⁻¹] for the untilted beam (s > 0: g inside the Ewald sphere). */
  excitationError: Float64Array;
}

function shapeFactor(shape: ExcitationShape, s: number, w: number): number {
  switch (shape) {
    case 'lorentzian': {
      const t = s / w;
      return 1 / (1 + t * t);
    }
    case 'gaussian': {
      const t = s / w;
      return Math.exp(-0.5 * t * t);
    }
    case 'sinc2': {
      const x = (Math.PI * s) / w;
      if (Math.abs(x) < 1e-8) return 1;
      const v = Math.sin(x) / x;
      return v * v;
    }
    default:
      throw new ValidationError(
        `unknown excitation-error shape ${JSON.stringify(shape)}; expected ${EXCITATION_SHAPES.join(', ')}`,
        'shape',
      );
  }
}

function checkOptions(o: PatternOptions): void {
  if (!(Number.isFinite(o.kv) && o.kv > 0))
    throw new ValidationError(`kv must be > 0, got ${o.kv}`, 'kv');
  const r = o.relrod ?? 0.01;
  if (!(r > 0 && Number.isFinite(r)))
    throw new ValidationError(`relrod must be > 0 Å⁻¹, got ${r}`, 'relrod');
  const p = o.precessionDeg ?? 0;
  if (!(p >= 0 && p < 10))
    throw new ValidationError(
      `precession angle must be in [0, 10) degrees, got ${p}`,
      'precessionDeg',
    );
  const n = o.precessionSteps ?? 36;
  if (!Number.isSafeInteger(n) || n < 1 || n > 10000) {
    throw new ValidationError(
      `precession steps must be an integer in 1…10000, got ${n}`,
      'precessionSteps',
    );
  }
  shapeFactor(o.shape ?? 'lorentzian', 0, 1);
}

/** The spot list of one orientation (see module doc). */
export function simulateSpots(
  table: ReflectionTable,
  orientation: Mat3,
  opts: PatternOptions,
): SpotList {
  checkOptions(opts);
  const shape = opts.shape ?? 'lorentzian';
  const w = opts.relrod ?? 0.01;
  const sMax = opts.maxExcitationError ?? 3 * w;
  const kk = 1 / electronWavelength(opts.kv);
  const prec = ((opts.precessionDeg ?? 0) * Math.PI) / 180;
  const nPsi = prec > 0 ? (opts.precessionSteps ?? 36) : 1;
  const rMax = opts.maxRadius ?? table.gMax;
  const ls = opts.latticeScale ?? 1;
  const [sa, sb, sc] = typeof ls === 'number' ? [ls, ls, ls] : ls;
  if (![sa, sb, sc].every((v) => v > 0 && Number.isFinite(v))) {
    throw new ValidationError(
      `lattice scale factors must be > 0, got ${String(ls)}`,
      'latticeScale',
    );
  }
  const scaled = sa !== 1 || sb !== 1 || sc !== 1;
  // Scaled reciprocal rows: a*/sa, b*/sb, c*/sc (angles kept).
  const R = table.reciprocal;
  const inv = [1 / sa, 1 / sb, 1 / sc];
  // Lab-frame reciprocal basis rows: U (row_i / s_i).
  const B = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let r = 0; r < 3; r++) {
      B[3 * i + r] =
        (orientation[3 * r]! * R[3 * i]! +
          orientation[3 * r + 1]! * R[3 * i + 1]! +
          orientation[3 * r + 2]! * R[3 * i + 2]!) *
        inv[i]!;
    }
  }
  // An isotropic scale with no precession takes the fast path (same spots, same bytes).
  if (scaled && sa === sb && sb === sc && nPsi === 1) {
    const fast = isotropicScaledSpots(table, B, inv[0]!, kk, rMax, sMax, shape, w, opts);
    if (fast) return fast;
  }
  let f2 = table.f2;
  if (scaled) {
    const gl = new Float64Array(table.count);
    for (let i = 0; i < table.count; i++) gl[i] = scaledLength(table, i, inv[0]!, inv[1]!, inv[2]!);
    // Re-evaluate per reflection through its family's phase sums (|F|² is the same for
    // every member at a given |g|: equivalent reflections differ only by a common phase).
    f2 = familyF2(
      {
        phaseRe: gatheredPhases(table).re,
        phaseIm: gatheredPhases(table).im,
        species: table.species,
      },
      gl,
      table.params,
    );
  }
  let f2max = 0;
  for (let i = 0; i < table.count; i++) if (f2[i]! > f2max) f2max = f2[i]!;
  const f2min = (opts.minRelativeF2 ?? 1e-10) * f2max;
  const cosP = Math.cos(prec);
  const sinP = Math.sin(prec);
  // |k̂₀(φ, ψ) − ẑ| = 2 sin(φ/2): the largest change of k₀·g / k for a tilt φ (Cauchy–Schwarz).
  const tiltBound = 2 * Math.sin(prec / 2);
  const k0x = new Float64Array(nPsi);
  const k0y = new Float64Array(nPsi);
  for (let j = 0; j < nPsi; j++) {
    const psi = (2 * Math.PI * j) / nPsi;
    k0x[j] = kk * sinP * Math.cos(psi);
    k0y[j] = kk * sinP * Math.sin(psi);
  }
  const k0z = kk * cosP;
  const hkl: number[] = [];
  const kxs: number[] = [];
  const kys: number[] = [];
  const ints: number[] = [];
  const exc: number[] = [];
  const r2Max = rMax * rMax;
  for (let i = 0; i < table.count; i++) {
    const fi = f2[i]!;
    if (fi <= f2min) continue;
    const h = table.hkl[3 * i]!;
    const k = table.hkl[3 * i + 1]!;
    const l = table.hkl[3 * i + 2]!;
    const gx = h * B[0]! + k * B[3]! + l * B[6]!;
    const gy = h * B[1]! + k * B[4]! + l * B[7]!;
    const gz = h * B[2]! + k * B[5]! + l * B[8]!;
    if (gx * gx + gy * gy > r2Max) continue;
    // Untilted beam: s = k − |k₀ + g| with k₀ = (0, 0, k).
    const s0 = kk - Math.sqrt(gx * gx + gy * gy + (kk + gz) * (kk + gz));
    let acc = 0;
    if (nPsi === 1) {
      if (Math.abs(s0) > sMax) continue;
      acc = shapeFactor(shape, s0, w);
    } else {
      // Quick reject: s = k − √(k² + 2k₀·g + g²) changes by at most |g|·2 sin(φ/2) times the
      // slope factor of the square root (≤ 1 + 2|g|/k) around the circle.
      const gl = Math.sqrt(gx * gx + gy * gy + gz * gz);
      if (Math.abs(s0) > sMax + gl * tiltBound * (1 + (2 * gl) / kk) + 1e-12) continue;
      for (let j = 0; j < nPsi; j++) {
        const ax = k0x[j]! + gx;
        const ay = k0y[j]! + gy;
        const az = k0z + gz;
        const s = kk - Math.sqrt(ax * ax + ay * ay + az * az);
        if (Math.abs(s) <= sMax) acc += shapeFactor(shape, s, w);
      }
      acc /= nPsi;
      if (acc === 0) continue;
    }
    hkl.push(h, k, l);
    kxs.push(gx);
    kys.push(gy);
    ints.push(fi * acc);
    exc.push(s0);
  }
  return {
    count: ints.length,
    hkl: Int32Array.from(hkl),
    kx: Float64Array.from(kxs),
    ky: Float64Array.from(kys),
    intensity: Float64Array.from(ints),
    excitationError: Float64Array.from(exc),
  };
}

/** Per-reflection copy of per-(family, species) sums. */
function gatherFamily(table: ReflectionTable, src: Float64Array): Float64Array {
  const ns = table.species.length;
  const out = new Float64Array(table.count * ns);
  for (let i = 0; i < table.count; i++) {
    const f = table.family[i]!;
    for (let s = 0; s < ns; s++) out[i * ns + s] = src[f * ns + s]!;
  }
  return out;
}

/** The per-reflection phase sums of a table, built once per table (they never change). */
const gathered = new WeakMap<ReflectionTable, { re: Float64Array; im: Float64Array }>();
function gatheredPhases(table: ReflectionTable): { re: Float64Array; im: Float64Array } {
  let hit = gathered.get(table);
  if (!hit) {
    hit = { re: gatherFamily(table, table.phaseRe), im: gatherFamily(table, table.phaseIm) };
    gathered.set(table, hit);
  }
  return hit;
}

/** One member of every family (the first in table order), built once per table. */
const representatives = new WeakMap<ReflectionTable, Int32Array>();
function familyRepresentatives(table: ReflectionTable): Int32Array {
  let hit = representatives.get(table);
  if (!hit) {
    hit = new Int32Array(table.families.count).fill(-1);
    for (let i = 0; i < table.count; i++) {
      const f = table.family[i]!;
      if (hit[f] === -1) hit[f] = i;
    }
    representatives.set(table, hit);
  }
  return hit;
}

/** |g| of reflection i with the reciprocal rows divided by the scale factors (1/s given). */
function scaledLength(
  table: ReflectionTable,
  i: number,
  ia: number,
  ib: number,
  ic: number,
): number {
  const R = table.reciprocal;
  const h = table.hkl[3 * i]! * ia;
  const k = table.hkl[3 * i + 1]! * ib;
  const l = table.hkl[3 * i + 2]! * ic;
  let g2 = 0;
  for (let j = 0; j < 3; j++) {
    const gj = h * R[j]! + k * R[3 + j]! + l * R[6 + j]!;
    g2 += gj * gj;
  }
  return Math.sqrt(g2);
}

/**
 * The scaled-lattice spot list without re-evaluating |F|² for every reflection: the geometry
 * (radius, excitation error) is tested first and |F|² computed only for the reflections that
 * pass, with the same arithmetic as the full path. The absence threshold needs the largest
 * |F|² of the table; it is taken over one member per family. Members of a family have the
 * same |g| up to rounding, so that maximum can only be below the full one by rounding, which
 * moves the threshold by ~1e-15 relative: when any candidate lies within 1e-9 of the
 * threshold, this returns undefined and the caller takes the full path. Otherwise the spots
 * are bit-for-bit those of the full path.
 */
function isotropicScaledSpots(
  table: ReflectionTable,
  B: Float64Array,
  inv: number,
  kk: number,
  rMax: number,
  sMax: number,
  shape: ExcitationShape,
  w: number,
  opts: PatternOptions,
): SpotList | undefined {
  const ns = table.species.length;
  const reps = familyRepresentatives(table);
  const repG = new Float64Array(reps.length);
  for (let f = 0; f < reps.length; f++)
    repG[f] = reps[f]! >= 0 ? scaledLength(table, reps[f]!, inv, inv, inv) : 0;
  const repF2 = familyF2(table, repG, table.params);
  let f2max = 0;
  for (let f = 0; f < reps.length; f++) if (reps[f]! >= 0 && repF2[f]! > f2max) f2max = repF2[f]!;
  const f2min = (opts.minRelativeF2 ?? 1e-10) * f2max;
  const r2Max = rMax * rMax;
  const idx: number[] = [];
  const kxs: number[] = [];
  const kys: number[] = [];
  const acc: number[] = [];
  const exc: number[] = [];
  for (let i = 0; i < table.count; i++) {
    const h = table.hkl[3 * i]!;
    const k = table.hkl[3 * i + 1]!;
    const l = table.hkl[3 * i + 2]!;
    const gx = h * B[0]! + k * B[3]! + l * B[6]!;
    const gy = h * B[1]! + k * B[4]! + l * B[7]!;
    const gz = h * B[2]! + k * B[5]! + l * B[8]!;
    if (gx * gx + gy * gy > r2Max) continue;
    const s0 = kk - Math.sqrt(gx * gx + gy * gy + (kk + gz) * (kk + gz));
    if (Math.abs(s0) > sMax) continue;
    idx.push(i);
    kxs.push(gx);
    kys.push(gy);
    acc.push(shapeFactor(shape, s0, w));
    exc.push(s0);
  }
  const m = idx.length;
  const gl = new Float64Array(m);
  const re = new Float64Array(m * ns);
  const im = new Float64Array(m * ns);
  const all = gatheredPhases(table);
  for (let j = 0; j < m; j++) {
    const i = idx[j]!;
    gl[j] = scaledLength(table, i, inv, inv, inv);
    for (let s = 0; s < ns; s++) {
      re[j * ns + s] = all.re[i * ns + s]!;
      im[j * ns + s] = all.im[i * ns + s]!;
    }
  }
  const f2 = familyF2({ phaseRe: re, phaseIm: im, species: table.species }, gl, table.params);
  const keep: number[] = [];
  for (let j = 0; j < m; j++) {
    const fi = f2[j]!;
    if (Math.abs(fi - f2min) <= 1e-9 * f2min) return undefined;
    if (fi > f2min) keep.push(j);
  }
  const n = keep.length;
  const out: SpotList = {
    count: n,
    hkl: new Int32Array(3 * n),
    kx: new Float64Array(n),
    ky: new Float64Array(n),
    intensity: new Float64Array(n),
    excitationError: new Float64Array(n),
  };
  for (let t = 0; t < n; t++) {
    const j = keep[t]!;
    const i = idx[j]!;
    out.hkl[3 * t] = table.hkl[3 * i]!;
    out.hkl[3 * t + 1] = table.hkl[3 * i + 1]!;
    out.hkl[3 * t + 2] = table.hkl[3 * i + 2]!;
    out.kx[t] = kxs[j]!;
    out.ky[t] = kys[j]!;
    out.intensity[t] = f2[j]! * acc[j]!;
    out.excitationError[t] = exc[j]!;
  }
  return out;
}
