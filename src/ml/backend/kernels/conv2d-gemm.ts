/**
 * Convolution forward, input and filter gradient as one matrix product each (im2col / col2im
 * with the pixels as rows), for the geometries where bragg's direct kernels (conv2d-simd.ts,
 * conv2d-filter-simd.ts) waste their work:
 *
 *   forward  y[m, co]  = Σ_k col[m, k] · W[k, co]       col = im2col(x), k = (kh, kw, ci)
 *   input    g[m, k]   = Σ_co dy[m, co] · W[k, co]      dx = col2im(g)  (scatter-add)
 *   filter   dW[k, co] = Σ_m col[m, k] · dy[m, co]
 *
 * with m = (b, oh, ow). The direct kernel computes 4 output pixels × 8 output channels per
 * step along an output row and re-reads the filter for every row, so it idles when rows are
 * shorter than 4 pixels (ResNet's 2×2 stage: ~10 GMAC/s against ~25 elsewhere), when the output
 * has fewer than 8 channels (the input gradient of a 1-channel stem: 8 panels' worth of work
 * for 1 channel) and on a strided input gradient (the spread dy is 3/4 zeros at stride 2). The
 * GEMM (bragg's BatchMatMul) does exactly the multiply-adds the convolution needs.
 *
 * Memory: col / g hold M·K floats (kh·kw times x or dx), what im2col frameworks allocate.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release, reshape, runWasm } from './interop.js';

/** Geometry of a convolution for im2col with pixels as rows. */
interface Geometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  oh: number;
  ow: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
}

function geometry(n: number, info: backend_util.Conv2DInfo): Geometry {
  return {
    n,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
  };
}

/** Channel runs at least this long are block copies; shorter ones element loops. */
const COPY_MIN = 16;

/**
 * col[m, (i, j, c)] = x[b, r·sh + i·dh − pt, q·sw + j·dw − pl, c] (0 outside the image) for
 * m = (b, r, q); element offsets into `heap`. Exported for tests.
 */
export function im2colRows(heap: Float32Array, xOff: number, colOff: number, g: Geometry): void {
  const { n, h, w, ci, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl } = g;
  const k = fh * fw * ci;
  let row = colOff;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++, row += k) {
        let d = row;
        for (let i = 0; i < fh; i++) {
          const ih = r * sh + i * dh - pt;
          for (let j = 0; j < fw; j++, d += ci) {
            const iw = q * sw + j * dw - pl;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
              heap.fill(0, d, d + ci);
              continue;
            }
            const s = xOff + ((b * h + ih) * w + iw) * ci;
            if (ci >= COPY_MIN) heap.copyWithin(d, s, s + ci);
            else for (let c = 0; c < ci; c++) heap[d + c] = heap[s + c]!;
          }
        }
      }
    }
  }
}

/** dx = col2im(g): the transpose of im2colRows (dx zeroed first, overlapping taps summed). */
export function col2imRows(heap: Float32Array, gOff: number, dxOff: number, g: Geometry): void {
  const { n, h, w, ci, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl } = g;
  heap.fill(0, dxOff, dxOff + n * h * w * ci);
  const k = fh * fw * ci;
  let row = gOff;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++, row += k) {
        let s = row;
        for (let i = 0; i < fh; i++) {
          const ih = r * sh + i * dh - pt;
          for (let j = 0; j < fw; j++, s += ci) {
            const iw = q * sw + j * dw - pl;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
            const d = dxOff + ((b * h + ih) * w + iw) * ci;
            for (let c = 0; c < ci; c++) heap[d + c] = heap[d + c]! + heap[s + c]!;
          }
        }
      }
    }
  }
}

/** Element offset of a tensor in the wasm heap (`>>>`: heaps may pass 2 GiB). */
function elementOffset(backend: BackendWasm, t: TensorInfo): number {
  return (backend.typedArrayFromHeap(t) as Float32Array).byteOffset >>> 2;
}

function heapOf(backend: BackendWasm, t: TensorInfo): Float32Array {
  return new Float32Array((backend.typedArrayFromHeap(t) as Float32Array).buffer);
}

/** y [n,oh,ow,co] of x [n,h,w,ci] and the filter [fh,fw,ci,co]: im2col, then one GEMM. */
export function conv2dForwardGemm(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const g = geometry(x.shape[0]!, info);
  const k = g.fh * g.fw * g.ci;
  const m = g.n * g.oh * g.ow;
  const co = info.outChannels;
  const col = backend.makeOutput([1, m, k], 'float32');
  im2colRows(heapOf(backend, col), elementOffset(backend, x), elementOffset(backend, col), g);
  const wk = reshape(backend, filter, [1, k, co]);
  const prod = runWasm(
    backend,
    'BatchMatMul',
    { a: col, b: wk },
    {
      transposeA: false,
      transposeB: false,
    },
  );
  const y = reshape(backend, prod, [g.n, g.oh, g.ow, co]);
  release(backend, col, wk, prod);
  return y;
}

/** dx [n,h,w,ci] of dy [n,oh,ow,co] and the filter [fh,fw,ci,co]: one GEMM, then col2im. */
export function conv2dBackpropInputGemm(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const g = geometry(dy.shape[0]!, info);
  const k = g.fh * g.fw * g.ci;
  const m = g.n * g.oh * g.ow;
  const co = info.outChannels;
  const a = reshape(backend, dy, [1, m, co]);
  const wk = reshape(backend, filter, [1, k, co]);
  const cols = runWasm(
    backend,
    'BatchMatMul',
    { a, b: wk },
    {
      transposeA: false,
      transposeB: true,
    },
  );
  const dx = backend.makeOutput([g.n, g.h, g.w, g.ci], 'float32');
  col2imRows(heapOf(backend, dx), elementOffset(backend, cols), elementOffset(backend, dx), g);
  release(backend, a, wk, cols);
  return dx;
}

/**
 * Whether the forward convolution runs faster as a GEMM: output rows shorter than the direct
 * kernel's 4-pixel block (ResNet-18's 2×2 stage at 64²; BENCHMARKS "Training kernels").
 */
export function forwardPrefersGemm(info: backend_util.Conv2DInfo): boolean {
  return info.outWidth < 4;
}

/**
 * Whether the filter gradient runs faster as a GEMM on im2col rows: output rows shorter than 8
 * pixels (the direct kernel's pixel tiles; ResNet-18's 4×4 and 2×2 stages at 64², 7×7 at 224²).
 */
export function filterGradPrefersGemm(info: backend_util.Conv2DInfo): boolean {
  return info.outWidth < 8;
}

/**
 * Whether the input gradient runs faster as a GEMM + col2im: fewer than 8 input channels (the
 * direct kernel's channel panel), input rows shorter than 4 pixels, or a stride with a filter
 * larger than 1×1 (the spread dy is mostly zeros; a strided 1×1 gradient is convolved before
 * it is spread, conv2d-simd.ts, and stays direct).
 */
export function inputGradPrefersGemm(info: backend_util.Conv2DInfo): boolean {
  const strided = info.strideHeight > 1 || info.strideWidth > 1;
  const oneByOne = info.filterHeight === 1 && info.filterWidth === 1;
  return info.inChannels < 8 || info.inWidth < 4 || (strided && !oneByOne);
}

/** dW [fh,fw,ci,co] of x [n,h,w,ci] and dy [n,oh,ow,co]: im2col, then one GEMM colᵀ · dy. */
export function conv2dBackpropFilterGemmRows(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const g = geometry(x.shape[0]!, info);
  const k = g.fh * g.fw * g.ci;
  const m = g.n * g.oh * g.ow;
  const co = info.outChannels;
  const col = backend.makeOutput([1, m, k], 'float32');
  im2colRows(heapOf(backend, col), elementOffset(backend, x), elementOffset(backend, col), g);
  const b = reshape(backend, dy, [1, m, co]);
  const prod = runWasm(
    backend,
    'BatchMatMul',
    { a: col, b },
    {
      transposeA: true,
      transposeB: false,
    },
  );
  const dW = reshape(backend, prod, [g.fh, g.fw, g.ci, co]);
  release(backend, col, b, prod);
  return dW;
}
