/**
 * 3×3 stride-1 convolution by Winograd F(2×2, 3×3) (wasm/assembly/winograd.ts; Lavin & Gray,
 * CVPR 2016): the filter transformed to U [16][panels][ci4][8], then one parallel region over
 * parts of the 2×2 output tiles, each part running input transform, 16 GEMMs and output
 * transform chunk by chunk in its own scratch. Same roles as conv2dSimd: `forward` convolves
 * with w [3,3,ci,co], `flipped` with the input-gradient filter of a [3,3,co,ci] one.
 *
 * conv2dSimd routes 3×3 stride-1 convolutions here when winogradPrefers (both roles: forward
 * and the stride-1 input gradient).
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset } from '../simd/module.js';
import type { SimdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import { release } from './interop.js';
import type { ConvPadding, FilterRole } from './interop.js';

/** Bytes of V and M per chunk of tiles (a chunk's transforms stay in L2). */
const CHUNK_BYTES = 384 << 10;

/** Calls of conv2dWinograd (tests check that the Winograd path ran). */
export const winogradStats = { calls: 0 };

/**
 * Whether Winograd is faster than the direct kernel: at least 32 input and 32 output channels.
 * Measured (2 threads, AMD EPYC Zen 5, batch 16, 'same'): ci = co = 64 at 16² 1.20×, 128 at
 * 8² 1.46×, 256 at 4² 1.38×, 32 → 64 at 16² 1.09×; but 16 → 32 at 32² 0.77×, 16 → 16 at 64²
 * 0.64×, 8 → 8 0.35×, 1 → 16 0.23× (the transforms cost more than the saved multiply-adds).
 */
export function winogradPrefers(ci: number, co: number): boolean {
  return ci >= 32 && co >= 32;
}

/** Tiles per chunk: CHUNK_BYTES of V and M, a multiple of 4, at least 8. */
export function winogradChunk(ci: number, co: number): number {
  const ci4 = Math.ceil(ci / 4) * 4;
  const co8 = Math.ceil(co / 8) * 8;
  return Math.max(8, Math.floor(CHUNK_BYTES / (64 * (ci4 + co8)) / 4) * 4);
}

/**
 * y [n,oh,ow,co] of x [n,h,w,ci] padded by `pad`, 3×3 filter, stride 1 (see conv2dSimd).
 */
export function conv2dWinograd(
  backend: BackendWasm,
  simd: SimdKernels,
  x: TensorInfo,
  filter: TensorInfo,
  pad: ConvPadding,
  role: FilterRole = 'forward',
): TensorInfo {
  winogradStats.calls++;
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const [, , fi, fo] = filter.shape as [number, number, number, number];
  const co = role === 'forward' ? fo : fi;
  const oh = h + pad.top + pad.bottom - 2;
  const ow = w + pad.left + pad.right - 2;
  const y = backend.makeOutput([n, oh, ow, co], 'float32');
  if (n * oh * ow * co === 0) return y;
  const ci4 = Math.ceil(ci / 4) * 4;
  const panels = Math.ceil(co / 8);
  const u = backend.makeOutput([16 * panels * ci4 * 8], 'float32');
  parallelFor(
    simd,
    'winogradFilter',
    [heapOffset(backend, filter), heapOffset(backend, u), fi, fo, role === 'flipped' ? 1 : 0, 0, 0],
    5,
    panels,
  );
  // Every tile reads 4×4 pixels: pad to 2·⌈o/2⌉ + 2 rows and columns.
  const th = Math.ceil(oh / 2);
  const tw = Math.ceil(ow / 2);
  const hp = 2 * th + 2;
  const wp = 2 * tw + 2;
  const full: ConvPadding = {
    top: pad.top,
    left: pad.left,
    bottom: hp - h - pad.top,
    right: wp - w - pad.left,
  };
  let xp = x;
  if (full.top !== 0 || full.bottom !== 0 || full.left !== 0 || full.right !== 0) {
    xp = backend.makeOutput([n, hp, wp, ci], 'float32');
    const args = [heapOffset(backend, x), heapOffset(backend, xp), h, w, ci, hp, wp, full.top];
    parallelFor(simd, 'convPadInput', [...args, full.left, 0, 0], 9, n * hp, 2 * n * hp * wp * ci);
  }
  const tiles = n * th * tw;
  const tc = Math.min(winogradChunk(ci, co), Math.max(1, tiles));
  const parts = Math.max(1, Math.min(simd.threads, Math.ceil(tiles / 4)));
  const co8 = panels * 8;
  const scratch = backend.makeOutput([parts * 16 * tc * (ci4 + co8)], 'float32');
  const off = (t: TensorInfo): number => heapOffset(backend, t);
  parallelFor(
    simd,
    'winogradConv',
    [off(xp), off(u), off(y), off(scratch), hp, wp, ci, oh, ow, co, n, tc, parts, 0, 0],
    13,
    parts,
  );
  release(backend, u, scratch);
  if (xp !== x) release(backend, xp);
  return y;
}
