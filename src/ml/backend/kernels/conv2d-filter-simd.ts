/**
 * Conv2D filter gradient as one SIMD pass (wasm/assembly/conv-filter.ts):
 *
 *   dW[kh,kw,ci,co] = Σ_{b,y,x} xpad[b, y·sh + kh·dh, x·sw + kw·dw, ci] · dy[b, y, x, co]
 *
 * x is copied into a zero-bordered scratch buffer (skipped when the convolution needs no
 * padding), so that every tap of every output pixel is a fixed offset from the pixel's origin;
 * the kernel then keeps 4 taps × 8 output channels of sums in registers while it streams the
 * pixels. No im2col matrix: x and dy are read in place, block by block of rows that stay in
 * cache. Output channels that are not a multiple of 8 are padded with zeros in a copy of dy
 * and cropped from a scratch filter afterwards.
 *
 * Work is split over disjoint 4×8 tiles of dW (`parallelFor`).
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from '../simd/module.js';
import type { SimdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import { conv2dBackpropFilterGemm } from './conv2d-filter-gemm.js';
import { release } from './interop.js';

/** Bytes of x and dy a cache block should keep in L1 (32 KB per core here). */
const BLOCK_BYTES = 20 * 1024;

const f32 = (backend: BackendWasm, t: TensorInfo): Float32Array =>
  backend.typedArrayFromHeap(t) as Float32Array;

/** Geometry of the padded copy of x: every tap of every output pixel lies inside it. */
export interface PadGeometry {
  hp: number;
  wp: number;
  top: number;
  left: number;
  /** x can be used as is (no border needed). */
  inPlace: boolean;
}

export function padGeometry(info: backend_util.Conv2DInfo, oh: number, ow: number): PadGeometry {
  const { inHeight: h, inWidth: w, filterHeight: fh, filterWidth: fw } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const needH = (oh - 1) * sh + (fh - 1) * dh + 1;
  const needW = (ow - 1) * sw + (fw - 1) * dw + 1;
  const hp = Math.max(top + h, needH);
  const wp = Math.max(left + w, needW);
  return { hp, wp, top, left, inPlace: top === 0 && left === 0 && hp === h && wp === w };
}

/** Copies x [n,h,w,c] into the zeroed interior of xp [n,hp,wp,c]. */
function padInput(
  heap: Float32Array,
  src: number,
  dst: number,
  x: { n: number; h: number; w: number; c: number },
  g: PadGeometry,
): void {
  const { n, h, w, c } = x;
  heap.fill(0, dst, dst + n * g.hp * g.wp * c);
  const run = w * c;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const s = src + (b * h + r) * run;
      const d = dst + ((b * g.hp + g.top + r) * g.wp + g.left) * c;
      heap.copyWithin(d, s, s + run);
    }
  }
}

/** Copies rows of `cols` floats into rows of `stride` floats, zero-filling the rest. */
function padColumns(
  heap: Float32Array,
  src: number,
  dst: number,
  rows: number,
  cols: number,
  stride: number,
): void {
  heap.fill(0, dst, dst + rows * stride);
  for (let r = 0; r < rows; r++) {
    const s = src + r * cols;
    heap.copyWithin(dst + r * stride, s, s + cols);
  }
}

/** Cache block: dy rows (b, y) × columns whose x and dy fit in BLOCK_BYTES together. */
export function cacheBlock(
  info: backend_util.Conv2DInfo,
  ow: number,
  wp: number,
  cols: number,
): { rows: number; cols: number } {
  const ci = info.inChannels;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, dilationHeight: dh } = info;
  // One dy row and the x it reads: sh padded rows per dy row plus the filter's height once.
  const halo = (fh - 1) * dh * wp * ci * 4;
  const perRow = 4 * (ow * cols + sh * wp * ci);
  if (perRow + halo <= BLOCK_BYTES) {
    return { rows: Math.max(1, Math.floor((BLOCK_BYTES - halo) / perRow)), cols: ow };
  }
  const perPixel = 4 * (cols + sw * ci * fh);
  return { rows: 1, cols: Math.max(8, Math.floor(BLOCK_BYTES / perPixel)) };
}

/** Byte offset of each tap's x value from a pixel's origin in xp (padded to 4-tap groups). */
function tapOffsets(info: backend_util.Conv2DInfo, wp: number): Int32Array {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci } = info;
  const taps = fh * fw * ci;
  const out = new Int32Array(Math.ceil(taps / 4) * 4);
  for (let t = 0; t < out.length; t++) {
    const u = Math.min(t, taps - 1);
    const c = u % ci;
    const k = (u - c) / ci;
    const j = k % fw;
    const i = (k - j) / fw;
    out[t] = 4 * ((i * info.dilationHeight * wp + j * info.dilationWidth) * ci + c);
  }
  return out;
}

/**
 * The filter gradient with bragg's SIMD kernel. `range` limits the tiles computed (tests check
 * that split ranges equal one call); by default all of them, through parallelFor.
 */
export function conv2dBackpropFilterSimdWith(
  backend: BackendWasm,
  simd: SimdKernels,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
  split?: number[],
): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const [n, h, w] = x.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const taps = fh * fw * ci;
  const cols = Math.ceil(co / 8) * 8;
  const g = padGeometry(info, oh, ow);
  const dW = backend.makeOutput([fh, fw, ci, co], 'float32');
  if (n * oh * ow === 0 || taps === 0 || co === 0) {
    f32(backend, dW).fill(0);
    return dW;
  }
  const temps: TensorInfo[] = [];
  const xp = g.inPlace ? x : backend.makeOutput([n, g.hp, g.wp, ci], 'float32');
  if (xp !== x) temps.push(xp);
  const dyp = cols === co ? dy : backend.makeOutput([n * oh * ow, cols], 'float32');
  if (dyp !== dy) temps.push(dyp);
  const out = cols === co ? dW : backend.makeOutput([taps, cols], 'float32');
  if (out !== dW) temps.push(out);
  const offsTable = tapOffsets(info, g.wp);
  const offs = backend.makeOutput([offsTable.length], 'int32');
  temps.push(offs);
  // Views only after every allocation (the heap may grow and detach earlier ones).
  (backend.typedArrayFromHeap(offs) as Int32Array).set(offsTable);
  const heap = new Float32Array(f32(backend, dW).buffer);
  const at = (t: TensorInfo): number => f32(backend, t).byteOffset >>> 2;
  if (xp !== x) padInput(heap, at(x), at(xp), { n, h, w, c: ci }, g);
  if (dyp !== dy) padColumns(heap, at(dy), at(dyp), n * oh * ow, co, cols);
  const block = cacheBlock(info, ow, g.wp, cols);
  const args = [
    at(xp) * 4,
    at(dyp) * 4,
    at(out) * 4,
    backend.typedArrayFromHeap(offs).byteOffset,
    taps,
    cols,
    n,
    oh,
    ow,
    4 * g.hp * g.wp * ci,
    4 * info.strideHeight * g.wp * ci,
    4 * info.strideWidth * ci,
    block.rows,
    block.cols,
    0,
    0,
  ];
  const tiles = Math.ceil(taps / 4) * (cols / 8);
  if (split === undefined) {
    parallelFor(simd, 'convFilterGrad', args, 14, tiles);
  } else {
    // Test hook: the given cut points, each block a separate call.
    const cuts = [0, ...split.filter((c) => c > 0 && c < tiles).sort((a, b) => a - b), tiles];
    for (let i = 0; i + 1 < cuts.length; i++) {
      args[14] = cuts[i]!;
      args[15] = cuts[i + 1]!;
      (simd.exports.convFilterGrad as (...a: number[]) => void)(...args);
    }
  }
  if (out !== dW) {
    const o = at(out);
    const d = at(dW);
    for (let t = 0; t < taps; t++) heap.copyWithin(d + t * co, o + t * cols, o + t * cols + co);
  }
  release(backend, ...temps);
  return dW;
}

/**
 * Filter gradient [fh,fw,ci,co] of a convolution with input x [b,h,w,ci] and dy [b,oh,ow,co]:
 * bragg's SIMD kernel when the module is loaded, else im2col + XNNPACK GEMM.
 */
export function conv2dBackpropFilterSimd(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const simd = simdKernels(backend);
  if (simd === undefined || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    return conv2dBackpropFilterGemm(backend, x, dy, info);
  }
  return conv2dBackpropFilterSimdWith(backend, simd, x, dy, info);
}
