/**
 * Tile for the wasm backend as block copies inside the wasm heap. tfjs-core's BatchNorm
 * gradient tiles a per-channel vector to the full activation shape for every BN layer; the
 * stock wasm Tile computes every output element's source index in a scalar loop and was
 * measured at 27% of an xception training step (bench/train/RESULTS.md).
 *
 * Method: copy each innermost input row into place (repeated along the last axis), then, from
 * the second-to-last axis outwards, replicate each filled block `reps − 1` times by doubling
 * copies (`copyWithin`, i.e. memmove). Every output element is written once per doubling level.
 */
import type { KernelConfig, KernelFunc, TensorInfo, TileAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { StockKernel } from './matmul.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: TileAttrs;
}

/** Fills `block` copies of out[start, start + len) right after it: out[start + k·len + j]. */
function replicate(
  out: { copyWithin(t: number, s: number, e: number): unknown },
  start: number,
  len: number,
  times: number,
): void {
  const total = len * times;
  let filled = len;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    out.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

type Typed = Float32Array | Int32Array | Uint8Array;

/** Tiles `src` (shape `shape`) by `reps` into `dst` (shape shape[i]·reps[i]). */
export function tileInto(
  src: Typed,
  dst: Typed,
  shape: readonly number[],
  reps: readonly number[],
): void {
  const r = shape.length;
  if (r === 0) {
    dst[0] = src[0]!;
    return;
  }
  const out = shape.map((s, i) => s * reps[i]!);
  const stride = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) stride[i] = stride[i + 1]! * out[i + 1]!;
  const row = shape[r - 1]!;
  const rows = src.length / Math.max(row, 1);
  // Innermost rows: input row k (multi-index over axes 0..r−2) goes to the output row at the
  // same multi-index, then is repeated along the last axis.
  const idx = new Array<number>(Math.max(r - 1, 0)).fill(0);
  for (let k = 0; k < rows; k++) {
    let o = 0;
    for (let a = 0; a < r - 1; a++) o += idx[a]! * stride[a]!;
    dst.set(src.subarray(k * row, (k + 1) * row), o);
    replicate(dst, o, row, reps[r - 1]!);
    for (let a = r - 2; a >= 0; a--) {
      if (++idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
  // Outer axes: the block of axis d (shape[d] × stride[d] elements) at every filled position
  // of the axes before it is repeated reps[d] times.
  for (let d = r - 2; d >= 0; d--) {
    if (reps[d] === 1) continue;
    const len = shape[d]! * stride[d]!;
    const pos = new Array<number>(d).fill(0);
    const count = shape.slice(0, d).reduce((p, q) => p * q, 1);
    for (let k = 0; k < count; k++) {
      let o = 0;
      for (let a = 0; a < d; a++) o += pos[a]! * stride[a]!;
      replicate(dst, o, len, reps[d]!);
      for (let a = d - 1; a >= 0; a--) {
        if (++pos[a]! < shape[a]!) break;
        pos[a] = 0;
      }
    }
  }
}

export function makeTileConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const { backend } = args;
    const x = args.inputs.x!;
    const reps = args.attrs.reps;
    if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) {
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const outShape = x.shape.map((s, i) => s * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    if (outShape.some((s) => s === 0)) return out;
    tileInto(
      backend.typedArrayFromHeap(x) as Typed,
      backend.typedArrayFromHeap(out) as Typed,
      x.shape,
      reps,
    );
    return out;
  };
  return {
    kernelName: 'Tile',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
