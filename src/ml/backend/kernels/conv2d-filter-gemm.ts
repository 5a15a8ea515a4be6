/**
 * Conv2D filter gradient as one matrix product on XNNPACK:
 *
 *   dW[(kh,kw,ci), co] = Σ_m col[(kh,kw,ci), m] · dy[m, co],   m = (b, oh, ow)
 *
 * where col is the transposed im2col matrix of x: col[(kh,kw,ci), (b,oh,ow)] =
 * x[b, oh·s+kh·d−pt, ow·s+kw·d−pl, ci] (zero outside the image). The rows are laid out from
 * x transposed to [ci,b,h,w], so with stride 1 every (row, b, oh) run is one contiguous copy
 * inside the wasm heap. The product is a plain [K,M]×[M,co] GEMM (K = kh·kw·ci, M = b·oh·ow):
 * the reduction runs over the long pixel axis in XNNPACK's GEMM micro-kernel instead of
 * through a convolution with an oh×ow "kernel" (the previous formulation, kept in
 * conv2d-grad.ts, whose indirection buffer has oh·ow entries of only `batch` floats each).
 *
 * Memory: col holds K·M floats (kh·kw times x); that is what im2col-based frameworks allocate.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, reshape, runWasm, transpose } from './interop.js';

/** Copies (or gathers, for stride > 1) the transposed im2col matrix into `col`. */
function fillCol(
  heap: Float32Array,
  srcOff: number,
  colOff: number,
  x: { n: number; h: number; w: number; ci: number },
  info: backend_util.Conv2DInfo,
  oh: number,
  ow: number,
): void {
  const { n, h, w, ci } = x;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const m = n * oh * ow;
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const shift = j * dw - pl;
      // Output columns q whose input column q·sw + shift lies inside [0, w).
      const qLo = Math.min(ow, Math.max(0, Math.ceil(-shift / sw)));
      const qHi = Math.max(qLo, Math.min(ow, Math.floor((w - 1 - shift) / sw) + 1));
      // Stride 1 with ow = w: the source rows of consecutive output rows are consecutive too,
      // so each (tap, channel, image) is one block copy plus the ≤ kw−1 border cells per row.
      const block = sw === 1 && sh === 1 && ow === w;
      for (let c = 0; c < ci; c++) {
        const rowOff = colOff + ((i * fw + j) * ci + c) * m;
        for (let b = 0; b < n; b++) {
          const plane = srcOff + (c * n + b) * h * w;
          const o0 = rowOff + b * oh * ow;
          if (block) {
            // Output rows whose input row is inside the image.
            const rLo = Math.min(oh, Math.max(0, pt - i * dh));
            const rHi = Math.max(rLo, Math.min(oh, h + pt - i * dh));
            if (rLo > 0) heap.fill(0, o0, o0 + rLo * ow);
            if (rHi < oh) heap.fill(0, o0 + rHi * ow, o0 + oh * ow);
            if (rHi > rLo) {
              const s0 = plane + (rLo + i * dh - pt) * w + shift;
              // Copy [qLo, ...) of the first row through qHi of the last as one run.
              heap.copyWithin(o0 + rLo * ow + qLo, s0 + qLo, s0 + (rHi - rLo - 1) * w + qHi);
              for (let r = rLo; r < rHi; r++) {
                const o = o0 + r * ow;
                for (let q = 0; q < qLo; q++) heap[o + q] = 0;
                for (let q = qHi; q < ow; q++) heap[o + q] = 0;
              }
            }
            continue;
          }
          for (let r = 0; r < oh; r++) {
            const o = o0 + r * ow;
            const ih = r * sh + i * dh - pt;
            if (ih < 0 || ih >= h || qHi === qLo) {
              heap.fill(0, o, o + ow);
              continue;
            }
            if (qLo > 0) heap.fill(0, o, o + qLo);
            if (qHi < ow) heap.fill(0, o + qHi, o + ow);
            const s = plane + ih * w + shift;
            if (sw === 1) {
              heap.copyWithin(o + qLo, s + qLo, s + qHi);
            } else {
              for (let q = qLo; q < qHi; q++) heap[o + q] = heap[s + q * sw]!;
            }
          }
        }
      }
    }
  }
}

/** Filter gradient [fh,fw,ci,co] of a convolution with input x [b,h,w,ci] and dy [b,oh,ow,co]. */
export function conv2dBackpropFilterGemm(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const [n, h, w] = x.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const k = fh * fw * ci;
  const m = n * oh * ow;
  const temps: TensorInfo[] = [];
  let col: TensorInfo;
  const plain1x1 =
    fh === 1 &&
    fw === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0;
  if (plain1x1) {
    // A 1×1 stride-1 convolution: col is x transposed to [ci, b·h·w].
    const x2 = reshape(backend, x, [m, ci]);
    col = transpose(backend, x2, [1, 0]);
    temps.push(x2, col);
  } else {
    const xT = ci === 1 ? x : transpose(backend, x, [3, 0, 1, 2]);
    if (xT !== x) temps.push(xT);
    col = backend.makeOutput([k, m], 'float32');
    temps.push(col);
    const src = backend.typedArrayFromHeap(xT) as Float32Array;
    const dst = backend.typedArrayFromHeap(col) as Float32Array;
    const heap = new Float32Array(dst.buffer);
    // Element offsets; `>>>`: heaps grow past 2 GiB, where `>>` would turn negative.
    fillCol(heap, src.byteOffset >>> 2, dst.byteOffset >>> 2, { n, h, w, ci }, info, oh, ow);
  }
  const a = reshape(backend, col, [1, k, m]);
  const b = reshape(backend, dy, [1, m, co]);
  const prod = runWasm(backend, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  const dW = reshape(backend, prod, [fh, fw, ci, co]);
  release(backend, a, b, prod, ...temps);
  return dW;
}
