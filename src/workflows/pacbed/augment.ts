/**
 * The seed notebook's training augmentation (STUDY.md §1.3), seeded: min–max normalise; zoom
 * U(0.8, 1.2) with an anisotropic stretch zx, zy ~ N(zoom, 0.07) (both options) — for the scale CNN the zoom is
 * the scale class drawn for the sample; shear 0.05°, rotation ±45°, shift ±0.1 of the side, flips
 * (Keras' `fill_mode='constant', cval=0`); optionally Poisson noise at a dose; Gaussian noise
 * with σ = randint(50, 100)/500 (scale) or randint(0, 100)/1000 (thickness, mistilt); rescale to
 * [-1, 1]. The convergence angle input is (c − cmin)/(cmax − cmin) + N(0, 0.05) (1 + jitter when
 * the table has one angle). Every draw comes from the `Rng` given.
 */
import type { Rng } from '../../core/rng.js';
import { ValidationError } from '../../core/errors.js';
import { affine2d, randomAffine } from '../../simulate/augment/affine2d.js';
import { SCALE_LABELS, type PacbedTarget } from './labels.js';

export interface AugmentOptions {
  target: PacbedTarget;
  /** Image side [px]. */
  size: number;
  /** Convergence-angle range of the training table [mrad]. */
  convRange: readonly [number, number];
  /** Mean electron count per pixel for Poisson noise (absent: none). */
  dose?: number;
  /** Scale classes (default the seed's list). */
  scaleLabels?: readonly number[];
  /**
   * Thickness and mistilt targets: the zoom range (default the seed's [0.8, 1.2]) and the σ of
   * the anisotropic stretch about it (default the seed's 0.07).
   */
  zoom?: readonly [number, number];
  anisotropy?: number;
  /** Shear [°], rotation [°], shift (fraction of the side) and flips (default the seed's). */
  geometry?: Partial<PacbedGeometry>;
  /**
   * Thickness and mistilt targets: the largest σ of the Gaussian noise, drawn as
   * randint(0, 100)/100 × noise (default the seed's 0.1; the scale target keeps the seed's).
   */
  noise?: number;
}

/** The affine augmentation besides the zoom. */
export interface PacbedGeometry {
  /** U(−shear, shear) [°]. */
  shear: number;
  /** U(−rotation, rotation) [°], bilinear. */
  rotation: number;
  /** U(−shift, shift) × the side. */
  shift: number;
  /** Flip rows and columns with probability 0.5 each. */
  flips: boolean;
  /**
   * Transpose with probability 0.5 first (not in the seed): with the flips, the 8 symmetries
   * of the square, each exact — the quarter turns without interpolation.
   */
  transpose: boolean;
}

/** The seed notebook's shear, rotation, shift and flips. */
export const SEED_GEOMETRY: PacbedGeometry = {
  shear: 0.05,
  rotation: 45,
  shift: 0.1,
  flips: true,
  transpose: false,
};

/** The transpose of an n × n image (a new array). */
export function transposeSquare(a: Float32Array, n: number): Float32Array {
  const t = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) t[x * n + y] = a[y * n + x]!;
  return t;
}

/** The seed notebook's largest Gaussian-noise σ of the thickness and mistilt CNNs. */
export const SEED_NOISE = 0.1;

/** The seed notebook's zoom augmentation of the thickness and mistilt CNNs. */
export const SEED_ZOOM: readonly [number, number] = [0.8, 1.2];
export const SEED_ANISOTROPY = 0.07;

/** The thickness and mistilt augmentation, all of it: zoom, stretch, geometry, noise. */
export interface AugmentSettings {
  zoom: readonly [number, number];
  anisotropy: number;
  geometry: PacbedGeometry;
  noise: number;
}

/**
 * `seed` — the notebook's augmentation; `bragg` — the default of `pacbed train` for thickness
 * and mistilt. Why they differ (bench/pacbed/accuracy.ts, BENCHMARKS.md "PACBED accuracy"): a
 * mistilt of 1 mrad moves the pattern inside the disc by ≈ 0.6 px at 64 px, and the seed's
 * rotation (±45°, bilinear), flips, shear and anisotropic stretch (σ 0.07: ±2 px on the disc)
 * bury it — with them the mistilt CNN stayed near chance on its own training set (20–28 % after
 * 10–30 epochs on 180 and 945 patterns), without them it learns (61 % training, 84 % validation
 * accuracy, 90.7 % within 1 mrad held out at 200 e⁻/px, 945 patterns, 30 epochs). Tried alone on
 * the demo set, rotation and flips cost the most. Thickness gains too (held out within one
 * class 97.8 % against 96.3 %). The zoom range only needs to cover what the scale CNN leaves.
 * The scale target keeps the seed's geometry (its zoom is its label; not re-tuned here).
 */
export const AUGMENT_PRESETS = {
  seed: {
    zoom: SEED_ZOOM,
    anisotropy: SEED_ANISOTROPY,
    geometry: SEED_GEOMETRY,
    noise: SEED_NOISE,
  },
  bragg: {
    zoom: [0.97, 1.03],
    anisotropy: 0,
    geometry: { shear: 0, rotation: 0, shift: 0.1, flips: false, transpose: false },
    noise: SEED_NOISE,
  },
} as const satisfies Record<string, AugmentSettings>;

export type AugmentPreset = keyof typeof AUGMENT_PRESETS;

/** Min–max to [lo, hi] in place (a constant image becomes lo). */
export function minMax(a: Float32Array, lo = 0, hi = 1): Float32Array {
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of a) {
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  const s = mx > mn ? (hi - lo) / (mx - mn) : 0;
  for (let i = 0; i < a.length; i++) a[i] = lo + (a[i]! - mn) * s;
  return a;
}

/** The convergence angle [mrad] as the network sees it: normalised to the table's range. */
export function normaliseAngle(c: number, range: readonly [number, number]): number {
  const [lo, hi] = range;
  return hi > lo ? (c - lo) / (hi - lo) : 1;
}

/** Poisson noise at `dose` electrons per pixel on average (in place; values keep their scale). */
export function poissonAtDose(rng: Rng, a: Float32Array, dose: number): Float32Array {
  if (!(dose > 0 && Number.isFinite(dose))) {
    throw new ValidationError(`must be > 0, got ${dose}`, 'dose');
  }
  let sum = 0;
  for (const v of a) sum += Math.max(0, v);
  if (sum <= 0) return a;
  const k = (dose * a.length) / sum; // counts per unit intensity
  for (let i = 0; i < a.length; i++) a[i] = rng.poisson(Math.max(0, a[i]!) * k) / k;
  return a;
}

export interface AugmentedSample {
  /** size² values in [-1, 1]. */
  image: Float32Array;
  angle: number;
  /** The scale class drawn (scale target only). */
  scaleClass?: number;
}

/** One augmented training sample from a size × size pattern and its convergence angle [mrad]. */
export function augmentSample(
  pattern: Float32Array,
  convAngle: number,
  rng: Rng,
  o: AugmentOptions,
): AugmentedSample {
  const n = o.size;
  if (pattern.length !== n * n) {
    throw new ValidationError(`pattern has ${pattern.length} values, expected ${n}²`, 'pattern');
  }
  const g = { ...SEED_GEOMETRY, ...o.geometry };
  let img = minMax(Float32Array.from(pattern));
  let scaleClass: number | undefined;
  let zoom: number | readonly [number, number] = o.zoom ?? SEED_ZOOM;
  let anisotropy = o.anisotropy ?? SEED_ANISOTROPY;
  if (o.target === 'scale') {
    const labels = o.scaleLabels ?? SCALE_LABELS;
    scaleClass = rng.int(labels.length);
    zoom = labels[scaleClass]!;
    anisotropy = 0;
  }
  // drawn only when asked for, so that the seed's augmentation keeps its draws
  if (g.transpose && rng.next() < 0.5) img = transposeSquare(img, n);
  const p = randomAffine(rng, n, n, {
    zoom,
    zoomAnisotropy: anisotropy,
    shear: g.shear,
    rotation: g.rotation,
    shift: g.shift,
    flips: g.flips,
  });
  const out = affine2d(img, n, n, p, { fill: 'constant', cval: 0 });
  if (o.dose !== undefined) poissonAtDose(rng, out, o.dose);
  // numpy randint(a, b) draws a…b−1
  const sigma =
    o.target === 'scale'
      ? (50 + rng.int(50)) / 500
      : (rng.int(100) / 100) * (o.noise ?? SEED_NOISE);
  if (sigma > 0) for (let i = 0; i < out.length; i++) out[i] = out[i]! + rng.normal(0, sigma);
  minMax(out, -1, 1);
  const angle = normaliseAngle(convAngle, o.convRange) + rng.normal(0, 0.05);
  return { image: out, angle, ...(scaleClass !== undefined ? { scaleClass } : {}) };
}
