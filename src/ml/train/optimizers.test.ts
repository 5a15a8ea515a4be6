/**
 * The fused optimiser kernels agree with the composite tensor expressions (to float32
 * rounding), give the same bits on wasm and cpu, for every optimiser kind, over several steps.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { initBackend } from '../backend/select.js';
import { ADAM_UPDATE, SGD_UPDATE } from '../backend/kernels/fused-optimizers.js';
import { createOptimizer } from './optimizers.js';
import type { OptimizerSpec } from './optimizers.js';

const SPECS: OptimizerSpec[] = [
  { kind: 'adam', learningRate: 1e-3 },
  { kind: 'adamw', learningRate: 3e-3, weightDecay: 0.05, beta1: 0.8, epsilon: 1e-6 },
  { kind: 'sgd', learningRate: 0.05 },
  { kind: 'sgd', learningRate: 0.05, momentum: 0.9 },
  { kind: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true },
];

function values(n: number, seed: number, scale: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** Weights after 4 steps with fixed pseudo-random gradients (gradient ∝ weight + noise). */
function run(spec: OptimizerSpec): Float32Array[] {
  const vars = [
    tf.variable(tf.tensor(values(37, 1, 1), [37])),
    tf.variable(tf.tensor(values(24, 2, 0.1), [2, 3, 4])),
  ];
  const opt = createOptimizer(spec);
  for (let s = 0; s < 4; s++) {
    const grads = vars.map((v, i) =>
      tf.tidy(() => v.mul(0.5).add(tf.tensor(values(v.size, 10 * s + i, 1e-2), v.shape))),
    );
    opt.step(vars, grads, spec.learningRate * (1 - 0.1 * s));
    tf.dispose(grads);
  }
  const out = [
    ...vars.map((v) => v.dataSync() as Float32Array),
    ...opt.getState().slots.map((t) => t.dataSync() as Float32Array),
  ];
  opt.dispose();
  tf.dispose(vars);
  return out.map((a) => Float32Array.from(a));
}

/** Runs with the fused kernels of the active backend removed. */
function composite<T>(f: () => T): T {
  const name = tf.getBackend();
  const saved = [ADAM_UPDATE, SGD_UPDATE].map((k) => tf.getKernel(k, name)!);
  saved.forEach((k) => tf.unregisterKernel(k.kernelName, name));
  try {
    return f();
  } finally {
    saved.forEach((k) => tf.registerKernel(k));
  }
}

describe('fused optimiser kernels', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`agree with the composite update on ${backend} (Adam, AdamW, SGD ± momentum/Nesterov)`, async () => {
      await tf.setBackend(backend);
      for (const spec of SPECS) {
        const a = run(spec);
        const b = composite(() => run(spec));
        expect(a.length).toBe(b.length);
        a.forEach((arr, i) => {
          // The composite path rounds to float32 after each of ~10 operations per step, the
          // fused one once per stored value: a few ulps (≈1e-7 relative each) over 4 steps.
          for (let k = 0; k < arr.length; k++) {
            const ref = b[i]![k]!;
            expect(Math.abs(arr[k]! - ref), `${spec.kind} #${i}[${k}]`).toBeLessThanOrEqual(
              2e-6 * Math.max(Math.abs(ref), 1e-3),
            );
          }
        });
        // The update moved the weights (the comparison is not between two no-ops).
        expect(a[0]![0]).not.toBe(values(37, 1, 1)[0]);
      }
    });
  }

  it('give the same bits on wasm and cpu', async () => {
    for (const spec of SPECS) {
      await tf.setBackend('wasm');
      const a = run(spec);
      await tf.setBackend('cpu');
      const b = run(spec);
      a.forEach((arr, i) =>
        expect(Array.from(arr), `${spec.kind} #${i}`).toEqual(Array.from(b[i]!)),
      );
    }
  });

  it('leak no tensors over 100 steps', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.zeros([5]));
    const opt = createOptimizer({ kind: 'adam', learningRate: 1e-2 });
    const g = tf.ones([5]);
    opt.step([v], [g], 1e-2);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) opt.step([v], [g], 1e-2);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([v, g]);
  });
});
