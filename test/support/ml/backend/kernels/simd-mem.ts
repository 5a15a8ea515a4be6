/**
 * Test helpers of bragg's memory-bound SIMD kernels (MaxPoolGrad, BraggReluGrad, bias Add).
 * Each kernel's tests are a suite (`*.suite.ts`) run once per SIMD build: by its own
 * `*.test.ts` with the default (fused multiply-add) build and by simd-mem-plain.test.ts on a
 * backend started with `fma: false`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { createRng } from '../../../../../src/core/rng.js';
import { heapOffset, simdKernels } from '../../../../../src/ml/backend/simd/module.js';
import type { SimdKernels } from '../../../../../src/ml/backend/simd/module.js';
import { registerWasmTrainingKernels } from '../../../../../src/ml/backend/kernels/register.js';

export type Shape = number[];

export const size = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);

/**
 * Seeded values: on a coarse grid (many exact ties) or continuous, with shares `nan` of NaN and
 * `negInf` of −∞.
 */
export function values(n: number, seed: number, ties: boolean, nan = 0, negInf = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = rng.uniform(0, 1);
    if (u < nan) return Number.NaN;
    if (u < nan + negInf) return Number.NEGATIVE_INFINITY;
    return ties ? Math.round(rng.uniform(-2, 2)) : rng.uniform(-1, 1);
  });
}

/** Activates wasm with bragg's kernels and returns the SIMD module (failing if not loaded). */
export async function wasmWithSimd(): Promise<{ backend: BackendWasm; simd: SimdKernels }> {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  const backend = tf.backend() as unknown as BackendWasm;
  const simd = simdKernels(backend);
  expect(simd, 'bragg SIMD kernels loaded (run npm run build)').toBeDefined();
  return { backend, simd: simd! };
}

/** The build loaded is the one the backend's settings ask for (plain SIMD128 for `fma: false`). */
export function expectBuild(simd: SimdKernels): void {
  expect(simd.fma).toBe(simd.settings.fma);
}

/** f on wasm and on cpu (wasm active again afterwards). */
export async function onBoth(f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend('wasm');
  const a = tf.tidy(f);
  const av = a.dataSync() as Float32Array;
  a.dispose();
  await tf.setBackend('cpu');
  const b = tf.tidy(f);
  const bv = b.dataSync() as Float32Array;
  b.dispose();
  await tf.setBackend('wasm');
  return [av, bv];
}

/** Byte offsets of wasm tensors. */
export function offsets(backend: BackendWasm, ...ts: tf.Tensor[]): number[] {
  return ts.map((t) => heapOffset(backend, t as unknown as Parameters<typeof heapOffset>[1]));
}

/**
 * Bitwise equality as float32 (NaN = NaN whatever the payload; −0 ≠ +0). Arrays that are not
 * Float32Array (the cpu backend may hand back int32 storage after a cast) are converted first.
 */
export function expectSameBits(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  const fa = a instanceof Float32Array ? a : Float32Array.from(a);
  const fb = b instanceof Float32Array ? b : Float32Array.from(b);
  const ua = new Uint32Array(fa.buffer, fa.byteOffset, fa.length);
  const ub = new Uint32Array(fb.buffer, fb.byteOffset, fb.length);
  for (let i = 0; i < fa.length; i++) {
    const same = ua[i] === ub[i] || (Number.isNaN(fa[i]) && Number.isNaN(fb[i]));
    if (!same) expect(ua[i], `bits of element ${i}: ${fa[i]} vs ${fb[i]}`).toBe(ub[i]);
  }
}

/** Random cut points of [0, total) into blocks (ascending, first 0, last total). */
export function cuts(total: number, seed: number): number[] {
  const rng = createRng(seed);
  const inner = new Set<number>();
  const k = Math.min(total - 1, Math.floor(rng.uniform(1, 5)));
  for (let i = 0; i < k; i++) inner.add(1 + Math.floor(rng.uniform(0, total - 1)));
  return [0, ...[...inner].sort((p, q) => p - q), total];
}
