/**
 * 1D kinematic profiles: intensity against q = 1/d [Å⁻¹] (no 2π) on any q axis, with
 * Gaussian, Lorentzian or pseudo-Voigt peaks of a given FWHM, each of integrated intensity
 * multiplicity × |F|², then normalised.
 */
import { ValidationError } from '../../core/errors.js';
import type { ReflectionTable } from './reflections.js';
import { familyF2 } from './reflections.js';

/**
 * The seed pipeline's 147-point q axis (DESIGN.md; ml_difsims `x_all_q_axis[13:160]`):
 * 147 evenly spaced points from 0.10777668889613681 to 1.318191810345058 Å⁻¹, i.e. bins
 * 13…159 of a radial axis with step 0.0082905145 Å⁻¹ starting at q = 0.
 */
export const SEED147_Q_MIN = 0.10777668889613681;
export const SEED147_Q_MAX = 1.318191810345058;

export function linspace(start: number, stop: number, n: number): Float64Array {
  if (!Number.isSafeInteger(n) || n < 2 || n > 1e7) {
    throw new ValidationError(`number of points must be an integer in 2…1e7, got ${n}`, 'n');
  }
  if (!(Number.isFinite(start) && Number.isFinite(stop) && stop > start)) {
    throw new ValidationError(`q range must be finite with qmax > qmin, got ${start}…${stop}`, 'q');
  }
  const out = new Float64Array(n);
  const step = (stop - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = start + step * i;
  out[n - 1] = stop;
  return out;
}

/** The `seed147` preset axis. */
export function seed147Axis(): Float64Array {
  return linspace(SEED147_Q_MIN, SEED147_Q_MAX, 147);
}

export type PeakShape = 'gaussian' | 'lorentzian' | 'pseudo-voigt';
export const PEAK_SHAPES: readonly PeakShape[] = ['gaussian', 'lorentzian', 'pseudo-voigt'];
export type Normalisation = 'max' | 'area' | 'none';

export interface ProfileOptions {
  shape?: PeakShape;
  /** Full width at half maximum [Å⁻¹] (default 0.01). */
  fwhm?: number;
  /** Lorentzian fraction η of the pseudo-Voigt (default 0.5). */
  eta?: number;
  /** `max`: peak value 1 (default); `area`: sum 1; `none`: integrated peak = m·|F|². */
  normalise?: Normalisation;
  /** Lattice scale factor (a, b, c multiplied by it; q divided by it; f_e re-evaluated). */
  latticeScale?: number;
}

const SQRT_LN2 = Math.sqrt(Math.LN2);

/** Unit-area peak of FWHM `w` at offset `dx`. */
export function peakValue(shape: PeakShape, dx: number, w: number, eta = 0.5): number {
  switch (shape) {
    case 'gaussian': {
      const t = (2 * SQRT_LN2 * dx) / w;
      return ((2 * SQRT_LN2) / (w * Math.sqrt(Math.PI))) * Math.exp(-t * t);
    }
    case 'lorentzian': {
      const g = w / 2;
      return g / (Math.PI * (dx * dx + g * g));
    }
    case 'pseudo-voigt':
      return eta * peakValue('lorentzian', dx, w) + (1 - eta) * peakValue('gaussian', dx, w);
    default:
      throw new ValidationError(
        `unknown peak shape ${JSON.stringify(shape)}; expected ${PEAK_SHAPES.join(', ')}`,
        'shape',
      );
  }
}

/** Kinematic powder-like profile of a reflection table on the axis `q` (Å⁻¹). */
export function kinematicProfile(
  table: ReflectionTable,
  q: Float64Array,
  opts: ProfileOptions = {},
): Float64Array {
  const shape = opts.shape ?? 'gaussian';
  const w = opts.fwhm ?? 0.01;
  const eta = opts.eta ?? 0.5;
  const scale = opts.latticeScale ?? 1;
  if (!(w > 0 && Number.isFinite(w)))
    throw new ValidationError(`fwhm must be > 0 Å⁻¹, got ${w}`, 'fwhm');
  if (!(eta >= 0 && eta <= 1))
    throw new ValidationError(`eta must be in [0, 1], got ${eta}`, 'eta');
  if (!(scale > 0 && Number.isFinite(scale))) {
    throw new ValidationError(`lattice scale must be > 0, got ${scale}`, 'latticeScale');
  }
  peakValue(shape, 0, w, eta);
  const fam = table.families;
  let g = fam.gLength;
  let f2 = fam.f2;
  if (scale !== 1) {
    g = fam.gLength.map((x) => x / scale);
    f2 = familyF2(table, g, table.params);
  }
  const out = new Float64Array(q.length);
  // Peaks further than this contribute < 1e-6 of their height (Lorentzian tails: kept wider).
  const reach = shape === 'gaussian' ? 2.2 * w : 200 * w;
  for (let f = 0; f < fam.count; f++) {
    const inten = fam.multiplicity[f]! * f2[f]!;
    if (inten <= 0) continue;
    const gf = g[f]!;
    const lo = lowerBound(q, gf - reach);
    for (let i = lo; i < q.length && q[i]! <= gf + reach; i++) {
      out[i] = out[i]! + inten * peakValue(shape, q[i]! - gf, w, eta);
    }
  }
  return normaliseInPlace(out, opts.normalise ?? 'max');
}

/** First index with q[i] ≥ x (q ascending). */
export function lowerBound(q: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = q.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (q[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function normaliseInPlace(y: Float64Array, how: Normalisation): Float64Array {
  if (how === 'none') return y;
  let ref = 0;
  for (let i = 0; i < y.length; i++) ref = how === 'max' ? Math.max(ref, y[i]!) : ref + y[i]!;
  if (ref > 0) for (let i = 0; i < y.length; i++) y[i] = y[i]! / ref;
  return y;
}

/** Linear interpolation of (x, y) onto `xNew` (x ascending); outside the range: 0. */
export function interpolate(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  xNew: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(xNew.length);
  for (let i = 0; i < xNew.length; i++) {
    const v = xNew[i]!;
    const j = lowerBound(x, v);
    if (j === 0) out[i] = v === x[0] ? y[0]! : 0;
    else if (j >= x.length) out[i] = 0;
    else {
      const t = (v - x[j - 1]!) / (x[j]! - x[j - 1]!);
      out[i] = y[j - 1]! * (1 - t) + y[j]! * t;
    }
  }
  return out;
}
