/**
 * Augmentations that make simulated diffraction data look measured. Every random draw comes
 * from the `Rng` passed in (src/core/rng.ts: `createRng(seed)`), so the same seed gives the same
 * bytes. Functions that change data work in place on typed arrays (no per-pixel allocation) and
 * return the array; 1D profiles and 2D images [height × width] are both plain arrays.
 */
import type { Rng } from '../../core/rng.js';
import { ValidationError } from '../../core/errors.js';
import type { SpotList } from '../kinematic/pattern.js';

type Data = Float32Array | Float64Array;

/** A lattice scale factor drawn from U(lo, hi) (seed: U(0.8, 1.1) per pattern). */
export function drawLatticeScale(rng: Rng, range: readonly [number, number]): number {
  const [lo, hi] = range;
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) {
    throw new ValidationError(
      `lattice scale range must satisfy 0 < lo ≤ hi, got [${lo}, ${hi}]`,
      'latticeScale',
    );
  }
  return rng.uniform(lo, hi);
}

/** Calibration × (1 + U(−p, p)/100): the seed's ±5 % calibration jitter. */
export function jitterCalibration(rng: Rng, calibration: number, percent: number): number {
  if (!(calibration > 0) || !(percent >= 0 && percent < 100)) {
    throw new ValidationError(
      `need calibration > 0 and 0 ≤ percent < 100, got ${calibration}, ${percent}`,
      'calibration',
    );
  }
  return calibration * (1 + rng.uniform(-percent, percent) / 100);
}

/** One value picked uniformly from a non-empty list (spot σ, relrod, SNR, A, τ, …). */
export function pickFrom<T>(rng: Rng, list: readonly T[], field = 'list'): T {
  if (list.length === 0) throw new ValidationError('cannot pick from an empty list', field);
  return rng.pick(list);
}

/**
 * Among the `k` brightest spots, set the intensity of `n` of them (default: n drawn uniformly
 * from 0…k, as the seed's 'random' mode) to 0. Returns the indices removed.
 */
export function removeBrightestSpots(rng: Rng, spots: SpotList, k: number, n?: number): number[] {
  if (!Number.isSafeInteger(k) || k < 0)
    throw new ValidationError(`k must be an integer ≥ 0, got ${k}`, 'k');
  const order = Array.from({ length: spots.count }, (_, i) => i).sort(
    (a, b) => spots.intensity[b]! - spots.intensity[a]!,
  );
  const top = order.slice(0, Math.min(k, spots.count));
  const count = n ?? rng.int(top.length + 1);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new ValidationError(`n must be an integer ≥ 0, got ${count}`, 'n');
  rng.shuffle(top);
  const removed = top.slice(0, Math.min(count, top.length));
  for (const i of removed) spots.intensity[i] = 0;
  return removed;
}

/**
 * Shot noise at a given SNR: the data are scaled so that the maximum holds SNR² counts
 * (Poisson: SNR = √N at the brightest pixel), replaced by Poisson draws, and scaled back.
 */
export function poissonNoise(rng: Rng, data: Data, snr: number): Data {
  if (!(snr > 0 && Number.isFinite(snr)))
    throw new ValidationError(`SNR must be > 0, got ${snr}`, 'snr');
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > max) max = data[i]!;
  if (max <= 0) return data;
  const scale = (snr * snr) / max;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    data[i] = v > 0 ? rng.poisson(v * scale) / scale : 0;
  }
  return data;
}

/** Set each element, with probability `probability`, to `value` (bright single-pixel spikes). */
export function spikes(rng: Rng, data: Data, probability: number, value: number): Data {
  if (!(probability >= 0 && probability <= 1)) {
    throw new ValidationError(
      `spike probability must be in [0, 1], got ${probability}`,
      'probability',
    );
  }
  if (probability === 0) return data;
  for (let i = 0; i < data.length; i++) if (rng.next() < probability) data[i] = value;
  return data;
}

/**
 * The seed pipeline's noise (ml_difsims `add_noise_to_simulation(im, snr, int_salt)`): if the
 * spike value is not 0, add Poisson(im) to im and divide by the maximum; then set elements
 * with probability (1 − snr)/2 to the spike value.
 */
export function seedNoise(rng: Rng, data: Data, snr: number, spikeValue: number): Data {
  if (!(snr >= 0 && snr <= 1))
    throw new ValidationError(`seed SNR must be in [0, 1], got ${snr}`, 'snr');
  if (spikeValue !== 0) {
    let max = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      data[i] = v + (v > 0 ? rng.poisson(v) : 0);
      if (data[i]! > max) max = data[i]!;
    }
    if (max > 0) for (let i = 0; i < data.length; i++) data[i] = data[i]! / max;
  }
  return spikes(rng, data, (1 - snr) / 2, spikeValue);
}

/** Add A·exp(−τ q) to a profile on axis `q` [Å⁻¹]. */
export function addBackground1d(y: Data, q: ArrayLike<number>, a: number, tau: number): Data {
  if (q.length !== y.length)
    throw new ValidationError(`q has ${q.length} points, profile ${y.length}`, 'q');
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * Math.exp(-tau * q[i]!);
  return y;
}

/** Add A·exp(−τ q) to an image, q = calibration × distance from `centre` (default size/2). */
export function addBackground2d(
  img: Data,
  height: number,
  width: number,
  calibration: number,
  a: number,
  tau: number,
  centre: readonly [number, number] = [width / 2, height / 2],
): Data {
  if (img.length !== height * width)
    throw new ValidationError(
      `image has ${img.length} pixels, expected ${height}×${width}`,
      'image',
    );
  for (let r = 0; r < height; r++) {
    const dy = r - centre[1];
    for (let c = 0; c < width; c++) {
      const dx = c - centre[0];
      const q = Math.sqrt(dx * dx + dy * dy) * calibration;
      img[r * width + c] = img[r * width + c]! + a * Math.exp(-tau * q);
    }
  }
  return img;
}

/** Min-max normalisation to [0, 1] in place (NaN → 0; a constant array becomes 0). */
export function minMaxNormalise(data: Data): Data {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const span = hi - lo;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    data[i] = Number.isFinite(v) && span > 0 ? (v - lo) / span : 0;
  }
  return data;
}

/** Min-max normalise each row of a (rows × n) block, as the seed does per profile. */
export function minMaxNormaliseRows(data: Data, n: number): Data {
  if (!(n > 0) || data.length % n !== 0)
    throw new ValidationError(`length ${data.length} is not a multiple of ${n}`, 'n');
  for (let o = 0; o < data.length; o += n) minMaxNormalise(data.subarray(o, o + n));
  return data;
}

/** Points of (q, y) with qMin ≤ q ≤ qMax (copies). */
export function cropQ(
  q: ArrayLike<number>,
  y: ArrayLike<number>,
  qMin: number,
  qMax: number,
): { q: Float64Array; y: Float64Array } {
  if (!(qMax > qMin)) throw new ValidationError(`need qMin < qMax, got ${qMin}…${qMax}`, 'q');
  const idx: number[] = [];
  for (let i = 0; i < q.length; i++) if (q[i]! >= qMin && q[i]! <= qMax) idx.push(i);
  return { q: Float64Array.from(idx, (i) => q[i]!), y: Float64Array.from(idx, (i) => y[i]!) };
}

/**
 * Shift a profile by `shift` samples (fractional allowed) with linear interpolation; samples
 * shifted in from outside are 0. `out` must not alias `y`.
 */
export function shift1d(
  y: ArrayLike<number>,
  shift: number,
  out: Data = new Float64Array(y.length),
): Data {
  for (let i = 0; i < out.length; i++) {
    const x = i - shift;
    const j = Math.floor(x);
    const t = x - j;
    const a = j >= 0 && j < y.length ? y[j]! : 0;
    const b = j + 1 >= 0 && j + 1 < y.length ? y[j + 1]! : 0;
    out[i] = a * (1 - t) + b * t;
  }
  return out;
}

/**
 * Sub-pixel shift of an image by (dx, dy) pixels with bilinear interpolation (pixels from
 * outside are 0). `out` must not alias `img`. (For simulated spots, rendering with
 * `DetectorOptions.shift` is exact and cheaper.)
 */
export function shift2d(
  img: ArrayLike<number>,
  height: number,
  width: number,
  dx: number,
  dy: number,
  out: Data = new Float32Array(height * width),
): Data {
  if (img.length !== height * width || out.length !== height * width) {
    throw new ValidationError(`image and output must hold ${height}×${width} pixels`, 'image');
  }
  const fx = Math.floor(dx);
  const tx = dx - fx;
  const fy = Math.floor(dy);
  const ty = dy - fy;
  const at = (r: number, c: number): number =>
    r >= 0 && r < height && c >= 0 && c < width ? img[r * width + c]! : 0;
  for (let r = 0; r < height; r++) {
    const r0 = r - fy;
    for (let c = 0; c < width; c++) {
      const c0 = c - fx;
      out[r * width + c] =
        at(r0, c0) * (1 - tx) * (1 - ty) +
        at(r0, c0 - 1) * tx * (1 - ty) +
        at(r0 - 1, c0) * (1 - tx) * ty +
        at(r0 - 1, c0 - 1) * tx * ty;
    }
  }
  return out;
}
