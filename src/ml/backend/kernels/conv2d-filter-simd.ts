/**
 * Conv2D filter gradient as one SIMD pass (wasm/assembly/conv-filter.ts):
 *
 *   dW[kh,kw,ci,co] = Σ_{b,y,x} xpad[b, y·sh + kh·dh, x·sw + kw·dw, ci] · dy[b, y, x, co]
 *
 * x is copied into a zero-bordered scratch buffer (skipped when the convolution needs no
 * padding), so that every tap of every output pixel is a fixed offset from the pixel's origin;
 * the kernel then keeps 4 taps × 8 output channels of sums in registers while it streams the
 * pixels. No im2col matrix: x and dy are read in place, block by block of rows (or columns)
 * that stay in L1. With many channels (> 64) dy, and the x of a 1×1 stride-1 convolution, are
 * first copied into panels (`packPanels`): a panel reads a slice of every long row otherwise,
 * and power-of-two row strides map those slices to a few cache sets. Output channels that are
 * not a multiple of 8 are padded with zeros in a copy of dy and cropped from a scratch filter.
 *
 * Work is split over disjoint panels of dW (≤ 4 × 8 tiles of 4 taps × 8 channels) with
 * `parallelFor`. Dilation is supported by the kernel (tfjs's Conv2DBackpropFilter has none).
 */
import { conv2dBackpropFilterGemmRows, filterGradPrefersGemm } from './conv2d-gemm.js';
import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from '../simd/module.js';
import type { SimdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import { conv2dBackpropFilterGemm } from './conv2d-filter-gemm.js';
import { release } from './interop.js';

/** Bytes of x and dy a cache block should keep in L1 (32 KB per core here). */
export const BLOCK_BYTES = 24 * 1024;

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

/** The pixels as the kernel walks them: n images of oh rows of ow pixels; strides in bytes. */
export interface PixelGeometry {
  n: number;
  oh: number;
  ow: number;
  xImage: number;
  xRow: number;
  xCol: number;
}

/**
 * Strides of xp per image, dy row and dy pixel. When consecutive dy rows (and images) read
 * consecutive x (1×1 stride-1 valid convolutions), all pixels are one row: no short rows.
 */
export function pixelGeometry(
  info: backend_util.Conv2DInfo,
  g: PadGeometry,
  n: number,
  oh: number,
  ow: number,
): PixelGeometry {
  const ci = info.inChannels;
  const xImage = 4 * g.hp * g.wp * ci;
  const xRow = 4 * info.strideHeight * g.wp * ci;
  const xCol = 4 * info.strideWidth * ci;
  if (xRow === ow * xCol && xImage === oh * xRow) {
    return { n: 1, oh: 1, ow: n * oh * ow, xImage: n * xImage, xRow: n * oh * xRow, xCol };
  }
  return { n, oh, ow, xImage, xRow, xCol };
}

/** How the kernel walks the problem (see wasm/assembly/conv-filter.ts). */
export interface FilterPlan {
  /** 4-tap groups and 8-channel groups per panel (the unit of work for parallelFor). */
  panelTaps: number;
  panelCols: number;
  panels: number;
  /** Cache block: dy rows (b, y) × columns. */
  blockRows: number;
  blockCols: number;
}

/** Panels a problem should have at least, so that threads can share it. */
export const MIN_PANELS = 4;

/**
 * Panels and cache blocks: a panel's share of x and dy for one block must fit in BLOCK_BYTES.
 * Few input channels: a panel takes every tap (their x values share cache lines); many: 4 tap
 * groups (one 64-byte line of x per pixel). Up to 8 channel groups (256 bytes of dy per pixel).
 */
export function filterPlan(
  info: backend_util.Conv2DInfo,
  geo: PixelGeometry,
  wp: number,
  cols: number,
): FilterPlan {
  const { inChannels: ci, filterHeight: fh, dilationHeight: dh, strideWidth: sw } = info;
  const ow = geo.ow;
  const tapGroups = Math.ceil((info.filterHeight * info.filterWidth * ci) / 4);
  const groups = cols / 8;
  const panelTaps = ci >= 16 ? Math.min(tapGroups, 4) : tapGroups;
  let panelCols = Math.min(groups, 8);
  const count = (): number => Math.ceil(tapGroups / panelTaps) * Math.ceil(groups / panelCols);
  while (count() < MIN_PANELS && panelCols > 1) panelCols = Math.ceil(panelCols / 2);
  const dyPixel = Math.max(64, panelCols * 32);
  const allTaps = panelTaps === tapGroups;
  // x a dy row reads: sh padded rows (all taps) or one line per pixel; plus the filter's halo.
  const xRow = allTaps ? geo.xRow : ow * Math.max(64, panelTaps * 16);
  const halo = allTaps ? (fh - 1) * dh * wp * ci * 4 : 0;
  const perRow = ow * dyPixel + xRow;
  let blockRows = 1;
  let blockCols = ow;
  if (perRow + halo <= BLOCK_BYTES) {
    blockRows = Math.max(1, Math.floor((BLOCK_BYTES - halo) / perRow));
  } else {
    const xPixel = allTaps ? sw * ci * 4 * fh : Math.max(64, panelTaps * 16);
    const fit = Math.min(ow, Math.max(16, Math.floor(BLOCK_BYTES / (dyPixel + xPixel))));
    blockCols = Math.ceil(ow / Math.ceil(ow / fit));
  }
  return { panelTaps, panelCols, panels: count(), blockRows, blockCols };
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

/** Tap offsets into x packed as panels of `width` channels (1×1 convolutions: tap = channel). */
export function packedTapOffsets(taps: number, width: number, pixels: number): Int32Array {
  const out = new Int32Array(Math.ceil(taps / 4) * 4);
  for (let t = 0; t < out.length; t++) {
    const u = Math.min(t, taps - 1);
    const j = u % width;
    out[t] = 4 * ((u - j) * pixels + j);
  }
  return out;
}

/**
 * Scratch buffers and kernel arguments of one filter gradient (x [n,h,w,ci], dy [n,oh,ow,co]):
 * the contract between conv2dBackpropFilterSimdWith and the kernels, also used by the bounds
 * tests (src/ml/backend/simd/bounds.test.ts).
 */
export interface FilterGradLayout {
  taps: number;
  /** co rounded up to a multiple of 8 (the kernel's output row length). */
  cols: number;
  pixels: number;
  plan: FilterPlan;
  g: PadGeometry;
  /** x copied into panels of `xWidth` floats (1×1 stride-1 valid, many channels). */
  packX: boolean;
  xWidth: number;
  /** dy copied into panels of `dyWidth` floats; else, when cols ≠ co, into rows of `cols`. */
  packDy: boolean;
  dyWidth: number;
  /** Floats of the x copy (padded or packed; 0: x read in place), dy copy, output copy. */
  xpLength: number;
  dypLength: number;
  outLength: number;
  offsTable: Int32Array;
  /** convFilterGrad's arguments for these byte offsets; the range goes at 18, 19. */
  args(xp: number, dyp: number, out: number, offs: number): number[];
}

export function filterGradLayout(
  info: backend_util.Conv2DInfo,
  n: number,
  oh: number,
  ow: number,
): FilterGradLayout {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const taps = fh * fw * ci;
  const cols = Math.ceil(co / 8) * 8;
  const g = padGeometry(info, oh, ow);
  const pixels = n * oh * ow;
  const geo = pixelGeometry(info, g, n, oh, ow);
  const plan = filterPlan(info, geo, g.wp, cols);
  const tapGroups = Math.ceil(taps / 4);
  // Long rows read in slices: panel copies (see packPanels). x only for 1×1 stride-1 valid.
  const dyWidth = plan.panelCols * 8;
  const packDy = co > 64 && dyWidth < cols;
  const xWidth = plan.panelTaps * 4;
  const packX = ci > 64 && plan.panelTaps < tapGroups && geo.ow === pixels && fh * fw === 1;
  const panelsOf = (c: number, width: number): number => Math.ceil(c / width);
  const xpLength = packX
    ? panelsOf(ci, xWidth) * pixels * xWidth
    : g.inPlace
      ? 0
      : n * g.hp * g.wp * ci;
  const dypLength = packDy
    ? panelsOf(co, dyWidth) * pixels * dyWidth
    : cols === co
      ? 0
      : pixels * cols;
  const offsTable = packX ? packedTapOffsets(taps, xWidth, pixels) : tapOffsets(info, g.wp);
  const xCol = packX ? xWidth * 4 : geo.xCol;
  const args = (xp: number, dyp: number, out: number, offs: number): number[] => [
    xp,
    dyp,
    out,
    offs,
    taps,
    cols,
    geo.n,
    geo.oh,
    geo.ow,
    packX ? pixels * xCol : geo.xImage,
    packX ? pixels * xCol : geo.xRow,
    xCol,
    packDy ? dyWidth * 4 : cols * 4,
    packDy ? pixels * dyWidth * 4 : dyWidth * 4,
    plan.blockRows,
    plan.blockCols,
    plan.panelTaps,
    plan.panelCols,
    0,
    0,
  ];
  return {
    taps,
    cols,
    pixels,
    plan,
    g,
    packX,
    xWidth,
    packDy,
    dyWidth,
    xpLength,
    dypLength,
    outLength: cols === co ? 0 : taps * cols,
    offsTable,
    args,
  };
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
  const dW = backend.makeOutput([fh, fw, ci, co], 'float32');
  if (n * oh * ow === 0 || fh * fw * ci === 0 || co === 0) {
    f32(backend, dW).fill(0);
    return dW;
  }
  const layout = filterGradLayout(info, n, oh, ow);
  const { taps, cols, pixels, plan, g, packX, xWidth, packDy, dyWidth } = layout;
  const temps: TensorInfo[] = [];
  const temp = (length: number, dtype: 'float32' | 'int32' = 'float32'): TensorInfo => {
    const t = backend.makeOutput([length], dtype);
    temps.push(t);
    return t;
  };
  const xp = layout.xpLength > 0 ? temp(layout.xpLength) : x;
  const dyp = layout.dypLength > 0 ? temp(layout.dypLength) : dy;
  const out = layout.outLength > 0 ? temp(layout.outLength) : dW;
  const offs = temp(layout.offsTable.length, 'int32');
  // Views only after every allocation (the heap may grow and detach earlier ones).
  (backend.typedArrayFromHeap(offs) as Int32Array).set(layout.offsTable);
  const heap = new Float32Array(f32(backend, dW).buffer);
  const at = (t: TensorInfo): number => f32(backend, t).byteOffset >>> 2;
  const pack = (src: TensorInfo, dst: TensorInfo, c: number, width: number): void =>
    parallelFor(
      simd,
      'packPanels',
      [at(src) * 4, at(dst) * 4, pixels, c, width, 0, 0],
      5,
      pixels,
      2 * pixels * c,
    );
  if (packX) pack(x, xp, ci, xWidth);
  else if (xp !== x) padInput(heap, at(x), at(xp), { n, h, w, c: ci }, g);
  if (packDy) pack(dy, dyp, co, dyWidth);
  else if (dyp !== dy) pack(dy, dyp, co, cols); // one panel: rows padded to `cols`
  const args = layout.args(
    at(xp) * 4,
    at(dyp) * 4,
    at(out) * 4,
    backend.typedArrayFromHeap(offs).byteOffset,
  );
  if (split === undefined) {
    parallelFor(simd, 'convFilterGrad', args, 18, plan.panels);
  } else {
    // Test hook: the given cut points, each block a separate call.
    const cuts = [0, ...split.filter((c) => c > 0 && c < plan.panels).sort((a, b) => a - b)];
    cuts.push(plan.panels);
    for (let i = 0; i + 1 < cuts.length; i++) {
      args[18] = cuts[i]!;
      args[19] = cuts[i + 1]!;
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
 * bragg's SIMD kernel when the module is loaded (a GEMM on im2col rows for output rows shorter
 * than 4 pixels, conv2d-gemm.ts), else im2col + XNNPACK GEMM.
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
  if (filterGradPrefersGemm(info) && info.dilationHeight === 1 && info.dilationWidth === 1) {
    return conv2dBackpropFilterGemmRows(backend, x, dy, info);
  }
  return conv2dBackpropFilterSimdWith(backend, simd, x, dy, info);
}
