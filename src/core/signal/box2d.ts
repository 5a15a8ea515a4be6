/**
 * Box (moving-window) statistics of a 2D image through summed-area tables: for every pixel
 * the sum, mean and standard deviation of the valid pixels in the (2r+1)×(2r+1) window around
 * it (clipped at the edges), in O(pixels) whatever the radius. Used for local background and
 * noise estimates (spot finders).
 */
import { ValidationError } from '../errors.js';

export interface BoxStats {
  /** Mean of the valid pixels in each window (0 where none). */
  mean: Float32Array;
  /** Standard deviation of the valid pixels in each window (0 where fewer than 2). */
  std: Float32Array;
  /** Valid pixels in each window. */
  count: Int32Array;
}

/**
 * Windowed mean and standard deviation of `values` over the pixels where `valid` is non-zero
 * (all pixels when omitted).
 * @param radius half-width r of the window (pixels, integer ≥ 0)
 */
export function boxStats(
  values: ArrayLike<number>,
  height: number,
  width: number,
  radius: number,
  valid?: ArrayLike<number>,
): BoxStats {
  if (values.length !== height * width) {
    throw new ValidationError(`${values.length} pixels is not ${height}×${width}`, 'shape');
  }
  if (!Number.isInteger(radius) || radius < 0) {
    throw new ValidationError(`box radius ${radius} is not an integer ≥ 0`, 'radius');
  }
  if (valid && valid.length !== values.length) {
    throw new ValidationError(`${valid.length} mask pixels for ${values.length}`, 'valid');
  }
  const W = width + 1;
  // Summed-area tables with a zero first row and column (float64: sums of squares are large).
  const s1 = new Float64Array((height + 1) * W);
  const s2 = new Float64Array((height + 1) * W);
  const sc = new Int32Array((height + 1) * W);
  for (let y = 0; y < height; y++) {
    let r1 = 0;
    let r2 = 0;
    let rc = 0;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!valid || valid[i]) {
        const v = values[i]!;
        r1 += v;
        r2 += v * v;
        rc++;
      }
      const j = (y + 1) * W + x + 1;
      s1[j] = s1[j - W]! + r1;
      s2[j] = s2[j - W]! + r2;
      sc[j] = sc[j - W]! + rc;
    }
  }
  const mean = new Float32Array(height * width);
  const std = new Float32Array(height * width);
  const count = new Int32Array(height * width);
  // Window column bounds, once per column.
  const xas = new Int32Array(width);
  const xbs = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    xas[x] = Math.max(0, x - radius);
    xbs[x] = Math.min(width, x + radius + 1);
  }
  for (let y = 0; y < height; y++) {
    const top = Math.max(0, y - radius) * W;
    const bottom = Math.min(height, y + radius + 1) * W;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const xa = xas[x]!;
      const xb = xbs[x]!;
      const a = top + xa;
      const b = top + xb;
      const c = bottom + xa;
      const d = bottom + xb;
      const n = sc[d]! - sc[b]! - sc[c]! + sc[a]!;
      const i = row + x;
      count[i] = n;
      if (n === 0) continue;
      const m = (s1[d]! - s1[b]! - s1[c]! + s1[a]!) / n;
      mean[i] = m;
      if (n > 1) {
        const v = (s2[d]! - s2[b]! - s2[c]! + s2[a]! - n * m * m) / (n - 1);
        std[i] = v > 0 ? Math.sqrt(v) : 0;
      }
    }
  }
  return { mean, std, count };
}
