/**
 * MaxPoolGrad for the wasm backend as one pass over the pooling windows: for every output
 * position and channel the first maximum of its window (row-major, strictly greater, the rule
 * of tfjs's cpu backend and TensorFlow) receives dy. The stock wasm kernel recomputes the
 * window maxima per input pixel and was measured at about a quarter of small2d's and phase1d's
 * whole training step (bench/train/RESULTS.md); this one reads x at most once per window
 * element.
 *
 * Runs as bragg's SIMD kernel (wasm/assembly/pool.ts, four channels per instruction) when it is
 * loaded, else in JS on the wasm heap (`maxPoolGradInto`; the module exports no XNNPACK pooling
 * gradient); work is O(batch · outH · outW · channels · window), memory one output tensor.
 */
import { backend_util, util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, simdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: MaxPoolGradAttrs;
}

/**
 * dx for max pooling with geometry `info`: x [n,h,w,c] (the pooled input), dy [n,oh,ow,c];
 * writes into `dx` (same layout as x, zero-filled here). With the forward output y (the
 * window maxima) the first window element equal to y is taken without comparing elements
 * against each other (one unpredictable branch per window instead of one per element); a
 * window whose y is −∞ or has no element equal to y (NaNs) falls back to the strict-greater scan.
 */
export function maxPoolGradInto(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
  y?: Float32Array,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c } = info;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  dx.fill(0);
  // Offsets (into x, channel 0) of the window elements inside the image, row-major.
  const offs = new Int32Array(Math.ceil(fh / dh) * Math.ceil(fw / dw));
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const r0 = r * sh - pt;
      for (let q = 0; q < ow; q++) {
        const q0 = q * sw - pl;
        let len = 0;
        for (let i = 0; i < fh; i += dh) {
          const ih = r0 + i;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < fw; j += dw) {
            const iw = q0 + j;
            if (iw >= 0 && iw < w) offs[len++] = ((b * h + ih) * w + iw) * c;
          }
        }
        const o = ((b * oh + r) * ow + q) * c;
        for (let k = 0; k < c; k++) {
          const m = y === undefined ? Number.NaN : y[o + k]!;
          // −∞ windows get no gradient under the strict-greater rule: leave them to the scan.
          if (m > Number.NEGATIVE_INFINITY) {
            let e = 0;
            while (e < len && x[offs[e]! + k] !== m) e++;
            if (e < len) {
              const p = offs[e]! + k;
              dx[p] = dx[p]! + dy[o + k]!;
              continue;
            }
          }
          let bv = Number.NEGATIVE_INFINITY;
          let ap = -1;
          for (let e = 0; e < len; e++) {
            const p = offs[e]! + k;
            const v = x[p]!;
            if (v > bv) {
              bv = v;
              ap = p;
            }
          }
          if (ap >= 0) dx[ap] = dx[ap]! + dy[o + k]!;
        }
      }
    }
  }
}

/** One SIMD kernel call: export name, arguments, where the range goes and its length. */
export interface PoolGradCall {
  name: 'maxPoolGradRows' | 'maxPoolGradImages';
  args: number[];
  at: number;
  total: number;
}

/**
 * The SIMD kernel's call for byte offsets `x, y, dy, dx` (heap offsets of the tensors): over
 * blocks of (batch · outHeight) output rows when windows do not overlap vertically (the finer
 * split for threads), else over images (any geometry).
 */
export function maxPoolGradCall(
  offsets: readonly [number, number, number, number],
  info: backend_util.Conv2DInfo,
): PoolGradCall {
  const rows = info.strideHeight >= info.effectiveFilterHeight;
  const args = [
    ...offsets,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.effectiveFilterHeight,
    info.effectiveFilterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
    0,
    0,
  ];
  return rows
    ? { name: 'maxPoolGradRows', args, at: 17, total: info.batchSize * info.outHeight }
    : { name: 'maxPoolGradImages', args, at: 17, total: info.batchSize };
}

/** Pool geometry of a MaxPoolGrad call. */
export function poolGradInfo(
  shape: readonly number[],
  attrs: MaxPoolGradAttrs,
): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

function maxPoolGrad(args: Args, useSimd = true): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.input!;
  const dy = args.inputs.dy!;
  const y = args.inputs.output;
  const info = poolGradInfo(x.shape, attrs);
  const dx = backend.makeOutput(x.shape, 'float32');
  const simd = useSimd ? simdKernels(backend) : undefined;
  // Empty tensors go to the JS pass (the SIMD call would skip zeroing dx).
  const nonEmpty = [...x.shape, info.outHeight, info.outWidth].every((d) => d > 0);
  if (simd !== undefined && x.dtype === 'float32' && y !== undefined && nonEmpty) {
    const offsets = [x, y, dy, dx].map((t) => heapOffset(backend, t));
    const call = maxPoolGradCall(offsets as [number, number, number, number], info);
    parallelFor(simd, call.name, call.args, call.at, call.total, 2 * util.sizeFromShape(x.shape));
    return dx;
  }
  maxPoolGradInto(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(dy) as Float32Array,
    backend.typedArrayFromHeap(dx) as Float32Array,
    info,
    y === undefined ? undefined : (backend.typedArrayFromHeap(y) as Float32Array),
  );
  return dx;
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelFunc,
};

/** The JS pass only (the kernel before the SIMD one), for A/B benchmarks. */
export const maxPoolGradJsConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: ((args: Args) => maxPoolGrad(args, false)) as unknown as KernelFunc,
};
