/**
 * Add of a bias along the last axis, x [..., c] + b [c] (either order; b may carry leading
 * axes of size 1, as conv1d's [1, 1, c] does), in one SIMD pass over x (wasm/assembly/elementwise.ts `biasAdd`): the bias
 * of every convolution and dense layer. Every other Add goes to the stock kernel.
 */
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, simdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import type { StockKernel } from './matmul.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
}

/**
 * True if `b` is a bias for `x`: shape [c] or [1, …, 1, c] with c = x's last axis and rank at
 * most x's, so that x + b has x's shape.
 */
export function isBiasOf(x: readonly number[], b: readonly number[]): boolean {
  const c = x[x.length - 1];
  if (c === undefined || b.length === 0 || b.length > x.length) return false;
  if (b[b.length - 1] !== c) return false;
  return b.slice(0, -1).every((d) => d === 1);
}

/** [x, bias] of an Add, or undefined if it is not a float32 bias add. */
function split(
  a: TensorInfo | undefined,
  b: TensorInfo | undefined,
): [TensorInfo, TensorInfo] | undefined {
  if (a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32')
    return undefined;
  if (isBiasOf(a.shape, b.shape)) return [a, b];
  if (isBiasOf(b.shape, a.shape)) return [b, a];
  return undefined;
}

export function makeBiasAddConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const { backend } = args;
    const simd = simdKernels(backend);
    const pair = split(args.inputs.a, args.inputs.b);
    if (simd === undefined || pair === undefined)
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const [x, b] = pair;
    const out = backend.makeOutput([...x.shape], 'float32');
    const size = util.sizeFromShape(x.shape);
    if (size === 0) return out;
    const c = x.shape[x.shape.length - 1]!;
    const rows = size / c;
    const offs = [heapOffset(backend, x), heapOffset(backend, b), heapOffset(backend, out)];
    parallelFor(simd, 'biasAdd', [...offs, c, 0, 0], 4, rows, 2 * rows * c);
    return out;
  };
  return {
    kernelName: 'Add',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
