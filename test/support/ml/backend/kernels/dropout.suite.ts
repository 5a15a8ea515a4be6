/**
 * BraggDropoutMultiplier and `seededDropout` against tfjs's own seeded dropout: the same
 * multiplier, output and gradient bit for bit, for one SIMD build (see simd-mem.testing.ts).
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DROPOUT_MULTIPLIER,
  dropoutMultiplierJs,
  seededDropout,
} from '../../../../../src/ml/backend/kernels/dropout.js';
import { expectBuild, expectSameBits, size, values, wasmWithSimd } from './simd-mem.js';

/** tfjs's multiplier (ops/dropout.ts): floor(randomUniform(shape, 0, 1, seed) + keep) / keep. */
function tfjsMultiplier(shape: number[], rate: number, seed: number): Float32Array {
  return tf.tidy(() => {
    const keep = 1 - rate;
    const u = tf.randomUniform(shape, 0, 1, 'float32', seed);
    return tf.div(tf.floor(tf.add(u, keep)), keep).dataSync() as Float32Array;
  });
}

const dropCase = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
  rate: fc.constantFrom(0.1, 0.25, 0.5, 0.7, 0.999),
  seed: fc.nat(),
});

export function dropoutSuite(): void {
  describe('seeded dropout multiplier (alea in wasm)', () => {
    beforeAll(async () => {
      const { simd } = await wasmWithSimd();
      expectBuild(simd);
    });

    it('the kernel and the JS reference equal tfjs’s multiplier bit for bit', () => {
      fc.assert(
        fc.property(dropCase, (c) => {
          const expected = tfjsMultiplier(c.shape, c.rate, c.seed);
          const got = tf.tidy(
            () =>
              (
                tf.engine().runKernel(DROPOUT_MULTIPLIER, {}, {
                  shape: c.shape,
                  rate: c.rate,
                  seed: c.seed,
                } as unknown as tf.NamedAttrMap) as tf.Tensor
              ).dataSync() as Float32Array,
          );
          expectSameBits(got, expected);
          expectSameBits(dropoutMultiplierJs(size(c.shape), c.rate, c.seed), expected);
        }),
        { numRuns: 40, seed: 91 },
      );
    });

    it('seededDropout equals tf.dropout in value and gradient (wasm), and on cpu', async () => {
      for (const name of ['wasm', 'cpu']) {
        await tf.setBackend(name);
        for (const [shape, rate, seed] of [
          [[64, 33, 64], 0.5, 12345],
          [[3, 7], 0.2, 7],
        ] as [number[], number, number][]) {
          const xv = values(size(shape), seed, false);
          const run = (f: (x: tf.Tensor) => tf.Tensor): Float32Array[] =>
            tf.tidy(() => {
              const x = tf.tensor(xv, shape);
              const w = tf.tensor(values(size(shape), seed + 1, false), shape);
              const loss = (t: tf.Tensor): tf.Scalar => f(t).mul(w).sum();
              return [f(x).dataSync() as Float32Array, tf.grad(loss)(x).dataSync() as Float32Array];
            });
          const ours = run((x) => seededDropout(x, rate, seed));
          const theirs = run((x) => tf.dropout(x, rate, undefined, seed));
          expectSameBits(ours[0]!, theirs[0]!);
          expectSameBits(ours[1]!, theirs[1]!);
        }
      }
      await tf.setBackend('wasm');
    });

    it('does not leak tensors', () => {
      const x = tf.ones([4, 5]);
      const step = (): void => {
        tf.grad((t: tf.Tensor) => seededDropout(t, 0.5, 3).sum())(x).dispose();
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  });
}
