/**
 * Relu (float32) as one SIMD pass (wasm/assembly/elementwise.ts `relu`) with tfjs cpu's values
 * (Math.max(0, x): NaN stays NaN, −0 becomes +0). Other dtypes go to the stock kernel.
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

export function makeReluConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const { backend } = args;
    const x = args.inputs.x!;
    const simd = simdKernels(backend);
    if (simd === undefined || x.dtype !== 'float32')
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const out = backend.makeOutput([...x.shape], 'float32');
    const n = util.sizeFromShape(x.shape);
    parallelFor(simd, 'relu', [heapOffset(backend, x), heapOffset(backend, out), 0, 0], 2, n);
    return out;
  };
  return {
    kernelName: 'Relu',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
