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
import { release } from './interop.js';

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
  // The coefficients as float64 in a scratch tensor (kernel arguments travel as i32 to threads).
  const coef = backend.makeOutput([18], 'float32');
  const c = backend.typedArrayFromHeap(coef);
  const view = new DataView(c.buffer, c.byteOffset, 72);
  const values = [k.beta1, k.beta2, k.a1, k.a2, k.c1, k.c2, k.epsilon, k.lr, k.decay];
  values.forEach((value, i) => view.setFloat64(i * 8, value, true));
  const n = shape.reduce((p, q) => p * q, 1);
  const offs = [...ins, ...outs, coef].map((t) => heapOffset(backend, t));
  parallelFor(simd, 'adamUpdate', [...offs, 0, 0], 8, n, 6 * n);
  release(backend, coef);
  return outs;
}
