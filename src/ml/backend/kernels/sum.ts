/**
 * Sum over the leading axes of a float32 tensor (x [..., c] → [c] or [1, ..., 1, c] with
 * keepDims) in one SIMD pass: the bias gradient of every convolution and dense layer. The stock
 * wasm kernel transposes the reduced axes to the end first (a full copy) and then reduces.
 * Every other Sum goes to the stock kernel.
 */
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import type { StockKernel } from './matmul.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: SumAttrs;
}

/** The number of leading axes `axis` reduces, if it is exactly a leading block; else -1. */
export function leadingAxes(axis: number | number[], rank: number): number {
  const axes = util.parseAxisParam(axis, [...Array<number>(rank).fill(1)]).sort((a, b) => a - b);
  for (let i = 0; i < axes.length; i++) if (axes[i] !== i) return -1;
  return axes.length < rank ? axes.length : -1;
}

export function makeSumConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const { backend, attrs } = args;
    const x = args.inputs.x!;
    const simd = simdKernels(backend);
    const lead = x.dtype === 'float32' ? leadingAxes(attrs.axis, x.shape.length) : -1;
    if (simd === undefined || lead < 1)
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const rows = x.shape.slice(0, lead).reduce((a, b) => a * b, 1);
    const kept = x.shape.slice(lead);
    const cols = kept.reduce((a, b) => a * b, 1);
    const shape = attrs.keepDims ? [...x.shape.slice(0, lead).map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(shape, 'float32');
    const xs = backend.typedArrayFromHeap(x);
    const os = backend.typedArrayFromHeap(out);
    parallelFor(
      simd,
      'sumRows',
      [xs.byteOffset, os.byteOffset, rows, cols, 0, 0],
      4,
      Math.ceil(cols / 4),
      rows * cols,
    );
    return out;
  };
  return {
    kernelName: 'Sum',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
