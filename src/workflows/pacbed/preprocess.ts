/**
 * The seed's prediction pipeline before the CNNs (web API `Predictor.predict` at HEAD,
 * STUDY.md §1.6), step by step on row-major float images:
 *
 *  1. negatives clipped to 0;
 *  2. larger than 680 px: resized to 680 × 680 (PIL bilinear) and smoothed (Gaussian σ 3 px);
 *     smaller than the network: upscaled to its size;
 *  3. the disc located by Otsu's threshold, the unweighted centroid of the pixels above it, and
 *     the largest square about the rounded centre cropped (the seed's edge test fixed);
 *  4. background A: the mean of the 10 % border frame subtracted, clipped at 0 (all CNNs);
 *     background B: A minus a Gaussian (σ 0.9·N px, zero outside) of A (the scale CNN);
 *  5. `rescaleResize`: an affine zoom 1/s (the scale loop's correction), bilinear resize to the
 *     network's size, min–max to [-1, 1].
 */
import { ValidationError } from '../../core/errors.js';
import {
  centroidAbove,
  gaussianFilter2d,
  otsuThreshold,
  resizeTriangle,
} from '../../core/signal/image2d.js';
import { affine2d, IDENTITY } from '../../simulate/augment/affine2d.js';
import { minMax } from './augment.js';
import { resize2d } from './dataset/resize.js';

/** A square or rectangular image. */
export interface Img {
  data: Float64Array;
  ny: number;
  nx: number;
}

/** The seed's size bound [px] above which a pattern is downsized and smoothed. */
export const MAX_SIDE = 680;

export function clipNegatives(a: Img): Img {
  return { ...a, data: a.data.map((v) => (v > 0 ? v : 0)) };
}

/** Step 2: downsize + smooth a large pattern, upscale a small one. */
export function fitSize(a: Img, size: number): Img {
  if (a.ny > MAX_SIDE || a.nx > MAX_SIDE) {
    const r = resizeTriangle(a.data, a.ny, a.nx, MAX_SIDE, MAX_SIDE);
    return { data: gaussianFilter2d(r, MAX_SIDE, MAX_SIDE, 3), ny: MAX_SIDE, nx: MAX_SIDE };
  }
  if (a.ny < size || a.nx < size) {
    return { data: resizeTriangle(a.data, a.ny, a.nx, size, size), ny: size, nx: size };
  }
  return a;
}

/** Step 3: the largest square about the rounded centroid of the Otsu-thresholded disc. */
export function centroidCrop(a: Img): Img & { centre: [number, number] } {
  const t = otsuThreshold(a.data);
  const [cy, cx] = centroidAbove(a.data, a.ny, a.nx, t);
  const y = Math.round(cy);
  const x = Math.round(cx);
  const half = Math.min(y, x, a.ny - y, a.nx - x);
  if (half < 1) {
    throw new ValidationError(
      `the disc's centre (${cy.toFixed(1)}, ${cx.toFixed(1)}) px is on the edge: nothing to crop`,
      'pattern',
    );
  }
  const n = 2 * half;
  const data = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    data.set(
      a.data.subarray((y - half + r) * a.nx + x - half, (y - half + r) * a.nx + x + half),
      r * n,
    );
  }
  return { data, ny: n, nx: n, centre: [cy, cx] };
}

/** Step 4, A: minus the mean of the border frame (10 % of the side, at least 1 px), clipped at 0. */
export function subtractBorderMean(a: Img): Img {
  const by = Math.max(1, Math.floor(0.1 * a.ny));
  const bx = Math.max(1, Math.floor(0.1 * a.nx));
  let s = 0;
  let n = 0;
  for (let y = 0; y < a.ny; y++) {
    for (let x = 0; x < a.nx; x++) {
      if (y < by || y >= a.ny - by || x < bx || x >= a.nx - bx) {
        s += a.data[y * a.nx + x]!;
        n++;
      }
    }
  }
  const m = s / n;
  return { ...a, data: a.data.map((v) => Math.max(0, v - m)) };
}

/** Step 4, B: A minus its Gaussian blur with σ = 0.9·N (zero outside the image). */
export function subtractGaussianBackground(a: Img): Img {
  const g = gaussianFilter2d(a.data, a.ny, a.nx, 0.9 * Math.max(a.ny, a.nx), 'constant');
  return { ...a, data: a.data.map((v, i) => v - g[i]!) };
}

/** Step 5: zoom by 1/s (s > 1 enlarges the content), resize to size², min–max to [-1, 1]. */
export function rescaleResize(a: Img, s: number, size: number): Float32Array {
  if (!(s > 0 && Number.isFinite(s))) throw new ValidationError(`must be > 0, got ${s}`, 'scale');
  const z =
    s === 1
      ? Float32Array.from(a.data)
      : affine2d(a.data, a.ny, a.nx, { ...IDENTITY, zx: 1 / s, zy: 1 / s }, { fill: 'constant' });
  const r = a.ny === size && a.nx === size ? z : resize2d(z, a.ny, a.nx, size, size, 'bilinear');
  return minMax(r, -1, 1);
}

export interface Prepared {
  /** Background A (thickness, mistilt CNNs). */
  a: Img;
  /** Background B (scale CNN). */
  b: Img;
  /** Disc centre [y, x] px in the (resized) pattern. */
  centre: [number, number];
  /** Side of the crop [px]. */
  crop: number;
}

/** Steps 1–4 for a network of `size` px. */
export function preparePattern(p: Img, size: number): Prepared {
  const c = centroidCrop(fitSize(clipNegatives(p), size));
  const a = subtractBorderMean(c);
  return { a, b: subtractGaussianBackground(a), centre: c.centre, crop: c.ny };
}
