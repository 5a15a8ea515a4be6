// bragg's SIMD kernels for the tfjs wasm backend. See src/ml/backend/simd/README.md.
export { sumRows } from './reduce';
export { maxPoolGradImages, maxPoolGradRows, maxPoolRows } from './pool';
export { biasActivation, biasAdd, meanMiddle, reluGrad } from './elementwise';
export { adamUpdate } from './optimizer';
export { dropoutMultiplier } from './random';
export { convFilterGrad, packPanels } from './conv-filter';
export { packPanelsT } from './gemm';
export { conv2dForward, convPackFilter, convPackFilterFlipped, convPadInput } from './conv';
export { net1dForward } from './net1d';
export { winogradConv, winogradFilter } from './winograd';
export { bnApply, bnGradApply, bnGradStats, bnStats } from './batchnorm';

/** 2 with relaxed SIMD (fused multiply-add), 1 without: lets the host check what it loaded. */
export function features(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : 1;
}
