/**
 * Identity for the wasm backend without a copy. The engine runs Identity for every tensor it
 * saves for the backward pass (`saveTensorsForBackwardMode` → `clone`); the stock wasm kernel
 * copies the data each time (66 copies per phase1d step), the cpu backend shares it. tfjs
 * tensors are immutable (a Variable's `assign` swaps its data id, it never writes in place), so
 * sharing the buffer with a reference count — as the wasm `Reshape` kernel already does — is
 * safe. Strings keep the stock behaviour.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { StockKernel } from './matmul.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: Record<string, never>;
}

export function makeIdentityConfig(stock: StockKernel): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const x = args.inputs.x!;
    if (x.dtype === 'string') return stock.kernelFunc(args) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
