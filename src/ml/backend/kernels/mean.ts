/**
 * Mean over a block of middle axes, x [outer…, mid…, inner…] → [outer…, inner…] (global average
 * pooling: [n, h, w, c] over axes 1, 2), in one SIMD pass (wasm/assembly/elementwise.ts
 * `meanMiddle`); the stock wasm kernel first transposes the reduced axes to the end (a full copy).
 * Every other Mean goes to the stock kernel.
 *
 * Also Mean's gradient without the full-size ones tensor: tfjs-core computes
 * (reshape(dy) · ones(x.shape)) / n, two full-size broadcasting passes; dy / n broadcast to x's
 * shape (Tile) gives the same values bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { registerGradient, util } from '@tensorflow/tfjs';
import type {
  GradConfig,
  KernelConfig,
  KernelFunc,
  MeanAttrs,
  NamedAttrMap,
  TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, simdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import type { StockKernel } from './matmul.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: MeanAttrs;
}

/** [outer, mid, inner] sizes if `axis` is one contiguous block before the last axis. */
export function middleBlock(
  axis: number | number[],
  shape: readonly number[],
): [number, number, number] | undefined {
  const axes = util.parseAxisParam(axis, [...shape]).sort((a, b) => a - b);
  const first = axes[0];
  const last = axes[axes.length - 1];
  if (first === undefined || last === undefined || last >= shape.length - 1) return undefined;
  if (axes.some((a, i) => a !== first + i)) return undefined;
  const size = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);
  return [
    size(shape.slice(0, first)),
    size(shape.slice(first, last + 1)),
    size(shape.slice(last + 1)),
  ];
}

export function makeMeanConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const { backend, attrs } = args;
    const x = args.inputs.x!;
    const simd = simdKernels(backend);
    const block = x.dtype === 'float32' ? middleBlock(attrs.axis, x.shape) : undefined;
    if (simd === undefined || block === undefined)
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const [outer, mid, inner] = block;
    const axes = util.parseAxisParam(attrs.axis, [...x.shape]);
    const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (attrs.keepDims ? [1] : []) : [d]));
    const out = backend.makeOutput(shape, 'float32');
    if (outer * inner === 0) return out;
    const offs = [heapOffset(backend, x), heapOffset(backend, out)];
    parallelFor(
      simd,
      'meanMiddle',
      [...offs, mid, inner, mid, 0, 0],
      5,
      outer,
      outer * mid * inner,
    );
    return out;
  };
  return {
    kernelName: 'Mean',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}

/** Mean's gradient: dy / n broadcast over the reduced axes (values as tfjs-core's). */
export const meanGradConfig: GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    const { axis } = attrs as unknown as MeanAttrs & NamedAttrMap;
    const axes = util.parseAxisParam(axis, x.shape);
    const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return {
      x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, kept), n), x.shape),
    };
  },
};

/** Makes `meanGradConfig` Mean's gradient (once; tfjs keeps one gradient per kernel name). */
export function registerMeanGradient(): void {
  if (tf.getGradient('Mean') !== meanGradConfig) registerGradient(meanGradConfig);
}
