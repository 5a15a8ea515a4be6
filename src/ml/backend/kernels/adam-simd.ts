/**
 * The fused Adam update (`BraggAdamUpdate`) on wasm as a SIMD kernel
 * (wasm/assembly/optimizer.ts `adamUpdate`): the same float64 arithmetic as the JS loop in
 * fused-optimizers.ts, two lanes at a time, so wasm and cpu updates stay bit-identical. Used by
 * that kernel when bragg's SIMD module is loaded.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, simdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';

/** Adam hyper-parameters as fused-optimizers.ts derives them (a₁ = 1 − β₁, …). */
export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  a1: number;
  a2: number;
  c1: number;
  c2: number;
  epsilon: number;
  lr: number;
  decay: number;
}

/**
 * [x', m', v'] for float32 x, m, v, g of one shape, or undefined when the SIMD kernels are not
 * loaded or a tensor is not float32 (the caller then runs its JS loop).
 */
export function adamUpdateSimd(
  backend: BackendWasm,
  inputs: { x: TensorInfo; m: TensorInfo; v: TensorInfo; g: TensorInfo },
  k: AdamCoefficients,
): TensorInfo[] | undefined {
  const simd = simdKernels(backend);
  const ins = [inputs.x, inputs.m, inputs.v, inputs.g];
  if (simd === undefined || ins.some((t) => t.dtype !== 'float32')) return undefined;
  const shape = [...inputs.x.shape];
  const outs = [0, 1, 2].map(() => backend.makeOutput(shape, 'float32'));
  const n = shape.reduce((p, q) => p * q, 1);
  const offs = [...ins, ...outs].map((t) => heapOffset(backend, t));
  const coeffs = [k.beta1, k.beta2, k.a1, k.a2, k.c1, k.c2, k.epsilon, k.lr, k.decay];
  parallelFor(simd, 'adamUpdate', [...offs, ...coeffs, 0, 0], 16, n);
  return outs;
}
