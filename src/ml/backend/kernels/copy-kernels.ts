/**
 * Data-movement kernels for the wasm backend that a U-Net step spends a third of its time in
 * (bench/train/RESULTS.md, `peaks-unet-64 --profile`): Concat and SplitV along the channel axis
 * (the skip connections and their gradient) and the gradient of the ×k nearest-neighbour
 * upsampling.
 *
 * - Concat: the stock kernel copies each input's inner block per outer index with one
 *   `subarray` + `set` call, i.e. two calls per pixel for a channel concat of small channel
 *   counts; here short blocks are copied element by element and long ones with `set`.
 * - SplitV: the stock kernel slices each output through the generic wasm Slice; here each
 *   output's strided blocks are copied the same way as Concat's.
 * - Slice: the stock kernel has a fast path only for a slice that is one contiguous block;
 *   any other (the PACBED networks' packed-input crop: all rows but the last value) goes
 *   through a generic loop at ~100 ns an element; here each run of the slice that is
 *   contiguous in the input (the innermost partial axis and the full axes inside it) is one
 *   block copy.
 * - ResizeNearestNeighborGrad: for an output that is exactly k× the input along both axes with
 *   `alignCorners` and `halfPixelCenters` false (what `tf.layers.upSampling2d` does), the
 *   source pixel of output (y, x) is (⌊y/k⌋, ⌊x/k⌋); dx is accumulated in the stock kernel's
 *   order (dy row-major), so the sums are the same. Other cases go to the stock kernel.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { StockKernel } from './matmul.js';

type Typed = Float32Array | Int32Array | Uint8Array;

/** Blocks shorter than this are copied element by element (a `set` call costs ~20 elements). */
const SHORT_BLOCK = 32;

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function axisOf(axis: number | number[], rank: number): number {
  const a = Array.isArray(axis) ? axis[0]! : axis;
  return a < 0 ? a + rank : a;
}

/** Copies `outer` blocks of `len` from src (stride sStride, offset s0) to dst (dStride, d0). */
function copyBlocks(
  src: Typed,
  s0: number,
  sStride: number,
  dst: Typed,
  d0: number,
  dStride: number,
  len: number,
  outer: number,
): void {
  if (len >= SHORT_BLOCK) {
    for (let o = 0; o < outer; o++) {
      const s = s0 + o * sStride;
      dst.set(src.subarray(s, s + len), d0 + o * dStride);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const s = s0 + o * sStride;
    const d = d0 + o * dStride;
    for (let j = 0; j < len; j++) dst[d + j] = src[s + j]!;
  }
}

interface ConcatArgs {
  inputs: TensorInfo[];
  backend: BackendWasm;
  attrs: { axis: number | number[] };
}

export function makeConcatConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: ConcatArgs): TensorInfo => {
    const { inputs, backend } = args;
    const first = inputs[0];
    const kept = inputs.filter((t) => size(t.shape) > 0);
    if (
      first === undefined ||
      kept.length < 2 ||
      inputs.some((t) => t.dtype !== first.dtype || t.shape.length !== first.shape.length) ||
      first.dtype === 'string' ||
      first.dtype === 'complex64'
    ) {
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const rank = first.shape.length;
    const axis = axisOf(args.attrs.axis, rank);
    const outShape = [...first.shape];
    outShape[axis] = inputs.reduce((a, t) => a + t.shape[axis]!, 0);
    const outer = size(first.shape.slice(0, axis));
    const inners = kept.map((t) => size(t.shape.slice(axis)));
    const total = inners.reduce((a, b) => a + b, 0);
    const out = backend.makeOutput(outShape, first.dtype);
    const dst = backend.typedArrayFromHeap(out) as Typed;
    let offset = 0;
    kept.forEach((t, i) => {
      const len = inners[i]!;
      copyBlocks(backend.typedArrayFromHeap(t) as Typed, 0, len, dst, offset, total, len, outer);
      offset += len;
    });
    return out;
  };
  return {
    kernelName: 'Concat',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

interface SplitArgs {
  inputs: { x: TensorInfo };
  backend: BackendWasm;
  attrs: { numOrSizeSplits: number | number[]; axis: number };
}

/** The sizes of the parts (tfjs' prepareSplitSize: a count, or sizes with one −1). */
function splitSizes(dim: number, spec: number | number[]): number[] | undefined {
  if (typeof spec === 'number') {
    if (spec <= 0 || dim % spec !== 0) return undefined;
    return new Array<number>(spec).fill(dim / spec);
  }
  const free = spec.indexOf(-1);
  const known = spec.reduce((a, s) => (s === -1 ? a : a + s), 0);
  const sizes = [...spec];
  if (free >= 0) sizes[free] = dim - known;
  if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) return undefined;
  return sizes;
}

export function makeSplitVConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: SplitArgs): TensorInfo[] => {
    const { backend } = args;
    const x = args.inputs.x;
    const rank = x.shape.length;
    const axis = axisOf(args.attrs.axis, rank);
    const sizes =
      x.dtype === 'string' || x.dtype === 'complex64' || rank === 0
        ? undefined
        : splitSizes(x.shape[axis]!, args.attrs.numOrSizeSplits);
    if (sizes === undefined) {
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo[];
    }
    const outer = size(x.shape.slice(0, axis));
    const inner = size(x.shape.slice(axis + 1));
    const total = x.shape[axis]! * inner;
    const src = backend.typedArrayFromHeap(x) as Typed;
    let offset = 0;
    return sizes.map((s) => {
      const shape = [...x.shape];
      shape[axis] = s;
      const out = backend.makeOutput(shape, x.dtype);
      const len = s * inner;
      if (len > 0 && outer > 0) {
        const dst = backend.typedArrayFromHeap(out) as Typed;
        copyBlocks(src, offset, total, dst, 0, len, len, outer);
      }
      offset += len;
      return out;
    });
  };
  return {
    kernelName: 'SplitV',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

interface SliceArgs {
  inputs: { x: TensorInfo };
  backend: BackendWasm;
  attrs: { begin: number | number[]; size: number | number[] };
}

/** tfjs' slice parameters made whole (begin padded with 0, size −1 = to the end), or undefined. */
function sliceParams(
  shape: readonly number[],
  begin: number | number[],
  sz: number | number[],
): { begin: number[]; size: number[] } | undefined {
  const rank = shape.length;
  const b0 = typeof begin === 'number' ? [begin] : begin;
  const s0 = typeof sz === 'number' ? [sz] : sz;
  if (b0.length > rank || s0.length > rank) return undefined;
  const b = shape.map((_, i) => b0[i] ?? 0);
  const s = shape.map((d, i) => {
    const v = s0[i];
    return v === undefined || v === -1 ? d - b[i]! : v;
  });
  const ok = shape.every(
    (d, i) => Number.isInteger(b[i]) && Number.isInteger(s[i]) && b[i]! >= 0 && s[i]! >= 0 && b[i]! + s[i]! <= d, // prettier-ignore
  );
  return ok ? { begin: b, size: s } : undefined;
}

export function makeSliceConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: SliceArgs): TensorInfo => {
    const { backend } = args;
    const x = args.inputs.x;
    const rank = x.shape.length;
    const p =
      x.dtype === 'string' || x.dtype === 'complex64' || rank === 0
        ? undefined
        : sliceParams(x.shape, args.attrs.begin, args.attrs.size);
    if (p === undefined) {
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const out = backend.makeOutput(p.size, x.dtype);
    const n = size(p.size);
    if (n === 0) return out;
    const src = backend.typedArrayFromHeap(x) as Typed;
    const dst = backend.typedArrayFromHeap(out) as Typed;
    // the full axes inside the innermost partial one are contiguous with it: one run
    let k = rank;
    let inner = 1;
    while (k > 0 && p.begin[k - 1] === 0 && p.size[k - 1] === x.shape[k - 1]) {
      inner *= x.shape[k - 1]!;
      k--;
    }
    if (k === 0) {
      dst.set(src.subarray(0, n));
      return out;
    }
    const run = p.size[k - 1]! * inner;
    const strides = new Array<number>(rank).fill(1);
    for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * x.shape[i + 1]!;
    const base = p.begin.reduce((a, b, i) => a + b * strides[i]!, 0);
    // the axes outside the run (0 … k − 2), in row-major order
    const outer = k - 1;
    const runs = n / run;
    const idx = new Array<number>(outer).fill(0);
    let s = base;
    for (let r = 0; r < runs; r++) {
      copyBlocks(src, s, 0, dst, r * run, 0, run, 1);
      for (let a = outer - 1; a >= 0; a--) {
        idx[a]!++;
        s += strides[a]!;
        if (idx[a]! < p.size[a]!) break;
        s -= idx[a]! * strides[a]!;
        idx[a] = 0;
      }
    }
    return out;
  };
  return {
    kernelName: 'Slice',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

interface ResizeGradArgs {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: { alignCorners: boolean; halfPixelCenters: boolean };
}

export function makeResizeNearestNeighborGradConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: ResizeGradArgs): TensorInfo => {
    const { backend } = args;
    const { images, dy } = args.inputs;
    const [n, ih, iw, c] = images.shape as [number, number, number, number];
    const [, oh, ow] = dy.shape as [number, number, number, number];
    const k = ih > 0 ? oh / ih : 0;
    if (
      args.attrs.alignCorners ||
      args.attrs.halfPixelCenters ||
      dy.dtype !== 'float32' ||
      images.shape.length !== 4 ||
      !Number.isInteger(k) ||
      k < 1 ||
      ow !== k * iw
    ) {
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const dx = backend.makeOutput(images.shape, 'float32');
    const out = backend.typedArrayFromHeap(dx) as Float32Array;
    out.fill(0);
    const g = backend.typedArrayFromHeap(dy) as Float32Array;
    let i = 0;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < oh; y++) {
        const row = (b * ih + Math.floor(y / k)) * iw;
        for (let x = 0; x < ow; x++) {
          const o = (row + Math.floor(x / k)) * c;
          for (let ch = 0; ch < c; ch++) out[o + ch]! += g[i++]!;
        }
      }
    }
    return dx;
  };
  return {
    kernelName: 'ResizeNearestNeighborGrad',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
