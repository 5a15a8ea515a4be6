/**
 * 2D image filters on row-major [ny × nx] arrays: a separable Gaussian filter (scipy.ndimage's
 * `gaussian_filter`: kernel truncated at 4σ, `reflect` or `constant` edges; direct or by FFT), Otsu's threshold
 * (skimage's `threshold_otsu` on a 256-bin histogram), the centroid of the pixels above a
 * threshold, and PIL's antialiased bilinear resize (a triangle filter widened by the shrink
 * factor). Lengths are in pixels.
 */
import { ValidationError } from '../errors.js';
import { type ConvolveMethod, type EdgeMode, convolveLines } from './convolve-lines.js';

type Img = ArrayLike<number>;

function checkImage(img: Img, ny: number, nx: number): void {
  if (!(Number.isInteger(ny) && Number.isInteger(nx) && ny >= 1 && nx >= 1)) {
    throw new ValidationError(`image size must be positive integers, got ${ny}×${nx}`, 'image');
  }
  if (img.length !== ny * nx) {
    throw new ValidationError(`image has ${img.length} values, expected ${ny}×${nx}`, 'image');
  }
}

/** Gaussian weights for σ [px], truncated at `truncate`·σ (scipy's radius rule). */
export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 0 && Number.isFinite(sigma))) {
    throw new ValidationError(`must be > 0, got ${sigma}`, 'sigma');
  }
  const r = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    k[i + r] = v;
    s += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / s;
  return k;
}

export type { ConvolveMethod, EdgeMode };

/**
 * scipy.ndimage.gaussian_filter(img, σ, mode) for `reflect` and `constant` (cval 0). A wide
 * kernel (σ ≈ the image size, as PACBED background B) is applied as an FFT convolution, a
 * narrow one directly (`method` forces one; both give the same values to float64 rounding).
 */
export function gaussianFilter2d(
  img: Img,
  ny: number,
  nx: number,
  sigma: number,
  mode: EdgeMode = 'reflect',
  method: ConvolveMethod = 'auto',
): Float64Array {
  checkImage(img, ny, nx);
  const k = gaussianKernel(sigma);
  const a = new Float64Array(img.length);
  const b = new Float64Array(img.length);
  // along y (axis 0, as scipy does first), then along x
  convolveLines(img, b, k, { n: ny, step: nx, count: nx, lineStep: 1 }, mode, method);
  convolveLines(b, a, k, { n: nx, step: 1, count: ny, lineStep: nx }, mode, method);
  return a;
}

/**
 * Otsu's threshold as skimage's `threshold_otsu(image, nbins=256)`: the histogram over
 * [min, max], the bin centre that maximises the between-class variance. A constant image has
 * no threshold (ValidationError of `image`). As with skimage, the threshold is a bin centre,
 * so the brightest values of the lower class can lie just above it.
 */
export function otsuThreshold(values: Img, bins = 256): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new ValidationError(`value ${i} is ${v}`, 'image');
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) {
    throw new ValidationError('the pattern is constant: no threshold separates a disc', 'image');
  }
  const hist = new Float64Array(bins);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    hist[Math.min(bins - 1, Math.floor((values[i]! - lo) / w))]! += 1;
  }
  const centre = (b: number): number => lo + (b + 0.5) * w;
  // weight1/mean1: classes up to bin b; weight2/mean2: from bin b + 1 on
  let total = 0;
  let totalMoment = 0;
  for (let b = 0; b < bins; b++) {
    total += hist[b]!;
    totalMoment += hist[b]! * centre(b);
  }
  let w1 = 0;
  let m1 = 0;
  let best = -1;
  let bestB = 0;
  for (let b = 0; b < bins - 1; b++) {
    w1 += hist[b]!;
    m1 += hist[b]! * centre(b);
    const w2 = total - w1;
    if (w1 === 0 || w2 === 0) continue;
    const d = m1 / w1 - (totalMoment - m1) / w2;
    const v = w1 * w2 * d * d;
    if (v > best) {
      best = v;
      bestB = b;
    }
  }
  return centre(bestB);
}

/** Unweighted centroid [y, x] (px) of the pixels above `threshold` (skimage regionprops' centroid). */
export function centroidAbove(
  img: Img,
  ny: number,
  nx: number,
  threshold: number,
): [number, number] {
  checkImage(img, ny, nx);
  let n = 0;
  let sy = 0;
  let sx = 0;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      if (img[y * nx + x]! > threshold) {
        n++;
        sy += y;
        sx += x;
      }
    }
  }
  if (n === 0) throw new ValidationError('no pixel is above the threshold', 'image');
  return [sy / n, sx / n];
}

/** Resampling weights of PIL's BILINEAR filter (antialiased when shrinking). */
function triangleWeights(nIn: number, nOut: number): { lo: Int32Array; w: Float64Array[] } {
  const scale = nIn / nOut;
  const fscale = Math.max(scale, 1);
  const support = fscale; // triangle support 1, widened by the shrink factor
  const lo = new Int32Array(nOut);
  const w: Float64Array[] = [];
  for (let o = 0; o < nOut; o++) {
    const c = (o + 0.5) * scale;
    const a = Math.max(0, Math.floor(c - support + 0.5));
    const b = Math.min(nIn, Math.floor(c + support + 0.5));
    const ws = new Float64Array(Math.max(0, b - a));
    let s = 0;
    for (let i = a; i < b; i++) {
      const v = Math.max(0, 1 - Math.abs((i - c + 0.5) / fscale));
      ws[i - a] = v;
      s += v;
    }
    if (s > 0) for (let i = 0; i < ws.length; i++) ws[i] = ws[i]! / s;
    lo[o] = a;
    w.push(ws);
  }
  return { lo, w };
}

/** PIL `Image.resize((outX, outY), BILINEAR)` of a row-major [ny × nx] float image. */
export function resizeTriangle(
  img: Img,
  ny: number,
  nx: number,
  outY: number,
  outX: number,
): Float64Array {
  checkImage(img, ny, nx);
  if (!(Number.isInteger(outY) && Number.isInteger(outX) && outY >= 1 && outX >= 1)) {
    throw new ValidationError(`output size must be positive integers, got ${outY}×${outX}`, 'size');
  }
  const wx = triangleWeights(nx, outX);
  const wy = triangleWeights(ny, outY);
  const tmp = new Float64Array(ny * outX);
  for (let y = 0; y < ny; y++) {
    for (let o = 0; o < outX; o++) {
      const ws = wx.w[o]!;
      const a = wx.lo[o]!;
      let s = 0;
      for (let k = 0; k < ws.length; k++) s += ws[k]! * img[y * nx + a + k]!;
      tmp[y * outX + o] = s;
    }
  }
  const out = new Float64Array(outY * outX);
  for (let o = 0; o < outY; o++) {
    const ws = wy.w[o]!;
    const a = wy.lo[o]!;
    for (let k = 0; k < ws.length; k++) {
      const row = (a + k) * outX;
      for (let x = 0; x < outX; x++)
        out[o * outX + x] = out[o * outX + x]! + ws[k]! * tmp[row + x]!;
    }
  }
  return out;
}
