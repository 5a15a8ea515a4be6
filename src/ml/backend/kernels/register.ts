/**
 * Registers bragg's wasm training kernels (see KERNEL_AUDIT.md for why each one exists).
 * Idempotent; call after `@tensorflow/tfjs-backend-wasm` is imported and before training.
 */
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from './conv2d-grad.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-grad.js';
import { makeBatchMatMulConfig, stockBatchMatMul } from './matmul.js';

/** Marker so a second call does not wrap bragg's own BatchMatMul. */
const BRAGG = Symbol.for('bragg.wasmKernel');

type Marked = KernelConfig & { [BRAGG]?: true };

function put(cfg: KernelConfig): void {
  const marked: Marked = { ...cfg, [BRAGG]: true };
  if (getKernel(cfg.kernelName, 'wasm') !== undefined) unregisterKernel(cfg.kernelName, 'wasm');
  registerKernel(marked);
}

/** Names of the kernels bragg registers for the wasm backend. */
export const BRAGG_WASM_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'BatchMatMul',
] as const;

export function registerWasmTrainingKernels(): void {
  put(conv2DBackpropFilterConfig);
  put(conv2DBackpropInputConfig);
  put(depthwiseBackpropFilterConfig);
  put(depthwiseBackpropInputConfig);
  const current = getKernel('BatchMatMul', 'wasm') as Marked | undefined;
  if (current !== undefined && current[BRAGG] !== true)
    put(makeBatchMatMulConfig(stockBatchMatMul()));
}
