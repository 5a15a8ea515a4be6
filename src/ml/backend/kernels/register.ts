/**
 * Registers bragg's wasm training kernels (see KERNEL_AUDIT.md for why each one exists).
 * Idempotent; call after `@tensorflow/tfjs-backend-wasm` is imported and before training.
 */
import { backend as activeBackend, getBackend, getKernel, registerKernel } from '@tensorflow/tfjs';
import { unregisterKernel } from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { ValidationError } from '../../../core/errors.js';
import {
  conv2DBackpropFilterConfig,
  conv2DBackpropFilterConvConfig,
  conv2DBackpropFilterGemmConfig,
  conv2DBackpropInputConfig,
  conv2DBackpropInputDirectConfig,
  conv2DBackpropInputXnnpackConfig,
} from './conv2d-grad.js';
import { makeConv2DConfig, makeFusedConv2DConfig } from './conv2d-simd.js';
import {
  makeConcatConfig,
  makeResizeNearestNeighborGradConfig,
  makeSliceConfig,
  makeSplitVConfig,
} from './copy-kernels.js';
import { registerDropoutKernel } from './dropout.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-grad.js';
import { makeIdentityConfig } from './identity.js';
import { makeBiasAddConfig } from './bias-add.js';
import { registerBatchNormTraining } from './batch-norm.js';
import { makeBatchMatMulConfig, stockBatchMatMul, stockKernel } from './matmul.js';
import type { StockKernel } from './matmul.js';
import { maxPoolGradConfig, maxPoolGradJsConfig } from './max-pool-grad.js';
import { makeMeanConfig, registerMeanGradient } from './mean.js';
import { makeMaxPoolConfig } from './max-pool.js';
import { registerReluGradient } from './relu-grad.js';
import { makeSumConfig } from './sum.js';
import { makeTileConfig } from './tile.js';

/** Marker so a second call does not wrap bragg's own kernels. */
const BRAGG = Symbol.for('bragg.wasmKernel');

type Marked = KernelConfig & { [BRAGG]?: true };

/** The stock kernels bragg replaced, by name (for A/B benchmarks). */
const STOCK = new Map<string, KernelConfig>();

function put(cfg: KernelConfig): void {
  const marked: Marked = { ...cfg, [BRAGG]: true };
  const current = getKernel(cfg.kernelName, 'wasm') as Marked | undefined;
  if (current !== undefined) {
    if (current[BRAGG] !== true) STOCK.set(cfg.kernelName, current);
    unregisterKernel(cfg.kernelName, 'wasm');
  }
  registerKernel(marked);
}

/** Names of the kernels bragg registers for the wasm backend. */
export const BRAGG_WASM_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'BatchMatMul',
  'MaxPoolGrad',
  'Identity',
  'Tile',
  'Sum',
  'Add',
  'MaxPool',
  'Mean',
  'Conv2D',
  'FusedConv2D',
  'Concat',
  'SplitV',
  'Slice',
  'ResizeNearestNeighborGrad',
] as const;

/** Replaces a stock kernel by a bragg one built around it, once (the stock one is kept). */
function wrapStock(name: string, make: (stock: StockKernel) => KernelConfig): void {
  const current = getKernel(name, 'wasm') as Marked | undefined;
  if (current === undefined || current[BRAGG] === true) return;
  const stock = stockKernel(name);
  const cfg = make(stock);
  // The stock kernel, still called for the cases bragg leaves to it, needs its setup (cwrap).
  put(
    stock.setupFunc !== undefined && cfg.setupFunc === undefined
      ? { ...cfg, setupFunc: stock.setupFunc }
      : cfg,
  );
}

export function registerWasmTrainingKernels(): void {
  put(conv2DBackpropFilterConfig);
  put(conv2DBackpropInputConfig);
  put(depthwiseBackpropFilterConfig);
  put(depthwiseBackpropInputConfig);
  put(maxPoolGradConfig);
  wrapStock('BatchMatMul', () => makeBatchMatMulConfig(stockBatchMatMul()));
  const stockMatMul = STOCK.get('BatchMatMul');
  if (stockMatMul !== undefined) {
    LATE_VARIANTS.set('BatchMatMul/xnnpack', makeBatchMatMulConfig(stockMatMul, false));
  }
  wrapStock('Identity', makeIdentityConfig);
  wrapStock('Tile', makeTileConfig);
  wrapStock('Sum', makeSumConfig);
  wrapStock('Add', makeBiasAddConfig);
  wrapStock('MaxPool', makeMaxPoolConfig);
  wrapStock('Mean', makeMeanConfig);
  registerMeanGradient();
  registerReluGradient();
  registerDropoutKernel();
  registerBatchNormTraining();
  wrapStock('Conv2D', makeConv2DConfig);
  wrapStock('FusedConv2D', makeFusedConv2DConfig);
  // The direct kernel for 3×3 stride-1 layers too (no Winograd), for A/B benchmarks.
  for (const [name, make] of [
    ['Conv2D', makeConv2DConfig],
    ['FusedConv2D', makeFusedConv2DConfig],
  ] as const) {
    const stock = STOCK.get(name);
    if (stock === undefined) continue;
    const cfg = make(stock, true);
    const setup = stock.setupFunc;
    LATE_VARIANTS.set(`${name}/direct`, setup === undefined ? cfg : { ...cfg, setupFunc: setup });
  }
  wrapStock('Concat', makeConcatConfig);
  wrapStock('SplitV', makeSplitVConfig);
  wrapStock('Slice', makeSliceConfig);
  wrapStock('ResizeNearestNeighborGrad', makeResizeNearestNeighborGradConfig);
}

/** Earlier or alternative bragg implementations, by `<kernel>/<variant>` (A/B benchmarks). */
const VARIANTS: Readonly<Record<string, KernelConfig>> = {
  'Conv2DBackpropFilter/conv': conv2DBackpropFilterConvConfig,
  'MaxPoolGrad/js': maxPoolGradJsConfig,
  'Conv2DBackpropFilter/gemm': conv2DBackpropFilterGemmConfig,
  'Conv2DBackpropInput/xnnpack': conv2DBackpropInputXnnpackConfig,
  'Conv2DBackpropInput/direct': conv2DBackpropInputDirectConfig,
};

/** Variants built around a stock kernel, known once registerWasmTrainingKernels has run. */
const LATE_VARIANTS = new Map<string, KernelConfig>();

/**
 * The kernel another implementation would run under a name: `<kernel>` is the stock
 * tfjs-backend-wasm kernel that bragg replaced, `<kernel>/<variant>` one of bragg's
 * alternatives. Undefined if there is none.
 */
export function stockWasmKernel(name: string): KernelConfig | undefined {
  return STOCK.get(name) ?? VARIANTS[name] ?? LATE_VARIANTS.get(name);
}

/** The names `stockWasmKernel` knows. */
export function alternativeWasmKernels(): string[] {
  return [...STOCK.keys(), ...Object.keys(VARIANTS), ...LATE_VARIANTS.keys()];
}

/**
 * Puts `cfg` in place of the current wasm kernel of the same name (running its setup on the
 * active wasm backend) and returns a function that puts the previous one back. For A/B
 * benchmarks of kernel variants; the wasm backend must be active.
 */
export function swapWasmKernel(cfg: KernelConfig): () => void {
  if (getBackend() !== 'wasm') {
    throw new ValidationError(`the wasm backend must be active, got ${getBackend()}`, 'backend');
  }
  const previous = getKernel(cfg.kernelName, 'wasm');
  const install = (k: KernelConfig | undefined): void => {
    if (getKernel(cfg.kernelName, 'wasm') !== undefined) unregisterKernel(cfg.kernelName, 'wasm');
    if (k === undefined) return;
    registerKernel(k);
    k.setupFunc?.(activeBackend());
  };
  install(cfg);
  return () => install(previous);
}
