/**
 * Helpers shared by the wasm kernel tests: seeded data, the relative error they assert on, and
 * one function run on the wasm and cpu backends. (Test support only; no vitest import, so the
 * compiled copy in dist/ loads without it.)
 */
import * as tf from '@tensorflow/tfjs';
import { BraggError } from '../../../../../src/core/errors.js';
import { createRng } from '../../../../../src/core/rng.js';

/** n uniform values in [−1, 1) from `seed`. */
export function data(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

export const size = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);

/** max |a − b| / max |b| (max |a − b| when b is all zero). */
export function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}

/**
 * Runs f on wasm and on cpu (ending on wasm); returns the relative error of wasm against cpu.
 * Throws if the two results differ in shape.
 */
export async function wasmVsCpu(f: () => tf.Tensor): Promise<number> {
  await tf.setBackend('wasm');
  const a = tf.tidy(f);
  const av = a.dataSync() as Float32Array;
  const shapeA = a.shape;
  a.dispose();
  await tf.setBackend('cpu');
  const b = tf.tidy(f);
  const bv = b.dataSync() as Float32Array;
  const shapeB = b.shape;
  b.dispose();
  await tf.setBackend('wasm');
  if (shapeA.join() !== shapeB.join()) {
    throw new BraggError('INTERNAL', `wasm shape [${shapeA.join()}] vs cpu [${shapeB.join()}]`);
  }
  return relErr(av, bv);
}
