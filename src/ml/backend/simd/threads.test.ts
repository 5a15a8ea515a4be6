/**
 * Training on bragg's worker threads gives the same numbers as on one thread: every split
 * kernel's blocks write disjoint outputs with the same per-element arithmetic, so the losses
 * and weights after a few Adam steps of small2d and phase1d are bit-identical whether every
 * call is split across the pool or none is.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it, vi } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { REFERENCE_NETS } from '../../models/reference.js';
import { createOptimizer } from '../../train/optimizers.js';
import { trainStep } from '../../train/step.js';
import { initBackend } from '../select.js';
import { simdKernels } from './module.js';

/** Losses and final weights of `steps` Adam steps of a freshly built net (seeded). */
function train(
  net: 'small2d' | 'phase1d',
  steps: number,
): { losses: number[]; weights: Float32Array[] } {
  const spec = REFERENCE_NETS[net]!;
  const n = net === 'small2d' ? 8 : 16;
  const model = spec.build(3);
  const rng = createRng(5);
  const size = n * spec.inputShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Float32Array.from({ length: size }, () => rng.normal()),
    [n, ...spec.inputShape],
  );
  const classes = model.outputs[0]!.shape[1]!;
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % classes),
      'int32',
    ),
    classes,
  );
  const opt = createOptimizer({ kind: 'adam', learningRate: 1e-3 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    losses.push(trainStep(model, opt, x, y, 1e-3, 'categoricalCrossentropy', {}).loss);
  }
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  opt.dispose();
  tf.dispose([x, y]);
  model.dispose();
  return { losses, weights };
}

/** 2 threads; no call split, or every call split however small. */
const SERIAL = { backend: 'wasm', threads: 2, parallelMinWork: Number.POSITIVE_INFINITY } as const;
const SPLIT = { backend: 'wasm', threads: 2, parallelMinWork: 0 } as const;

/** Trains on a backend started from `config`; also counts the calls its pool ran. */
async function trainOn(
  config: typeof SERIAL | typeof SPLIT,
  net: 'small2d' | 'phase1d',
): Promise<{ losses: number[]; weights: Float32Array[]; pooled: number }> {
  const handle = await initBackend(config);
  const pool = handle.simdKernels?.pool;
  expect(pool?.size).toBe(1);
  const run = vi.spyOn(pool!, 'run');
  try {
    return { ...train(net, 3), pooled: run.mock.calls.length };
  } finally {
    run.mockRestore();
  }
}

describe('bragg SIMD kernels on worker threads', () => {
  it('runs with a worker pool on the 2-thread backend', async () => {
    const handle = await initBackend(SPLIT);
    expect(handle.simdKernels?.pool?.size).toBe(1);
    expect(simdKernels(tf.backend() as unknown as BackendWasm)).toBe(handle.simdKernels);
  });

  for (const net of ['small2d', 'phase1d'] as const) {
    it(`${net}: every call split or none gives bit-identical losses and weights`, async () => {
      const serial = await trainOn(SERIAL, net);
      const split = await trainOn(SPLIT, net);
      expect(serial.pooled).toBe(0);
      expect(split.pooled).toBeGreaterThan(0);
      expect(split.losses).toEqual(serial.losses);
      expect(split.weights).toHaveLength(serial.weights.length);
      split.weights.forEach((w, i) =>
        expect(Array.from(w)).toEqual(Array.from(serial.weights[i]!)),
      );
    });
  }
});
