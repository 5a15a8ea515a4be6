/**
 * Resizing patterns to the training-image size, separably (rows, then columns):
 *
 *  - `area`: each output pixel is the mean of the input over its footprint, input pixels
 *    weighted by the overlap length (OpenCV's INTER_AREA for shrinking). Keeps the mean;
 *    for enlarging it is piecewise constant.
 *  - `bilinear`: linear interpolation between the input pixel centres at the output pixel
 *    centres (half-pixel convention, edges clamped), as PIL/TensorFlow `bilinear` without
 *    antialiasing.
 */
import { ValidationError } from '../../../core/errors.js';

export type ResizeMethod = 'area' | 'bilinear';

interface Weights {
  /** Per output index: offsets into idx/w. */
  start: Int32Array;
  idx: Int32Array;
  w: Float64Array;
}

export function resizeWeights(nIn: number, nOut: number, method: ResizeMethod): Weights {
  if (!Number.isInteger(nIn) || !Number.isInteger(nOut) || nIn < 1 || nOut < 1) {
    throw new ValidationError(`sizes must be positive integers, got ${nIn} → ${nOut}`, 'size');
  }
  const scale = nIn / nOut;
  const start = new Int32Array(nOut + 1);
  const idx: number[] = [];
  const w: number[] = [];
  for (let o = 0; o < nOut; o++) {
    start[o] = idx.length;
    if (method === 'area') {
      const a = o * scale;
      const b = (o + 1) * scale;
      for (let i = Math.floor(a); i < Math.min(nIn, Math.ceil(b)); i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 1e-12) {
          idx.push(i);
          w.push(overlap / scale);
        }
      }
    } else {
      const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), nIn - 1);
      const i0 = Math.floor(x);
      const t = x - i0;
      idx.push(i0);
      w.push(1 - t);
      if (t > 0 && i0 + 1 < nIn) {
        idx.push(i0 + 1);
        w.push(t);
      }
    }
  }
  start[nOut] = idx.length;
  return { start, idx: Int32Array.from(idx), w: Float64Array.from(w) };
}

/** Resize a row-major [ny, nx] image to [outY, outX]. */
export function resize2d(
  img: ArrayLike<number>,
  ny: number,
  nx: number,
  outY: number,
  outX: number,
  method: ResizeMethod,
): Float32Array {
  if (img.length !== ny * nx) {
    throw new ValidationError(`image has ${img.length} values, expected ${ny}×${nx}`, 'image');
  }
  const wx = resizeWeights(nx, outX, method);
  const wy = resizeWeights(ny, outY, method);
  const tmp = new Float64Array(ny * outX);
  for (let y = 0; y < ny; y++) {
    for (let o = 0; o < outX; o++) {
      let s = 0;
      for (let k = wx.start[o]!; k < wx.start[o + 1]!; k++)
        s += wx.w[k]! * img[y * nx + wx.idx[k]!]!;
      tmp[y * outX + o] = s;
    }
  }
  const out = new Float32Array(outY * outX);
  for (let o = 0; o < outY; o++) {
    for (let k = wy.start[o]!; k < wy.start[o + 1]!; k++) {
      const row = wy.idx[k]! * outX;
      const wk = wy.w[k]!;
      for (let x = 0; x < outX; x++) out[o * outX + x] = out[o * outX + x]! + wk * tmp[row + x]!;
    }
  }
  return out;
}
