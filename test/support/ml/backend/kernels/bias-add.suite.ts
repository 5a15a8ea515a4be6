/**
 * The bias Add ([..., c] + [c] in one SIMD pass) against the tfjs cpu backend, with the Adds it
 * leaves to the stock kernel, for one SIMD build.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimdKernels } from '../../../../../src/ml/backend/simd/module.js';
import { isBiasOf } from '../../../../../src/ml/backend/kernels/bias-add.js';
import {
  cuts,
  expectBuild,
  expectSameBits,
  offsets,
  onBoth,
  size,
  values,
  wasmWithSimd,
} from './simd-mem.js';

export function biasAddSuite(): void {
  describe('bias Add SIMD kernel', () => {
    let backend: BackendWasm;
    let simd: SimdKernels;
    beforeAll(async () => {
      ({ backend, simd } = await wasmWithSimd());
      expectBuild(simd);
    });

    it('recognises biases: [c] or [1, …, 1, c] of rank ≤ x’s with the same last axis', () => {
      expect(isBiasOf([2, 3, 5], [5])).toBe(true);
      expect(isBiasOf([2, 3, 5], [1, 5])).toBe(true);
      expect(isBiasOf([2, 3, 5], [1, 1, 5])).toBe(true);
      expect(isBiasOf([2, 3, 5], [1, 1, 1, 5])).toBe(false);
      expect(isBiasOf([2, 3, 5], [3, 5])).toBe(false);
      expect(isBiasOf([2, 3, 5], [1])).toBe(false);
      expect(isBiasOf([2, 3, 5], [])).toBe(false);
      expect(isBiasOf([], [])).toBe(false);
    });

    it('equals cpu for x [..., c] + b [c] or [1, …, 1, c] in both orders, c 1–37, ranks 2–4', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 1, max: 37 }),
          fc.boolean(),
          fc.boolean(),
          fc.nat(),
          async (lead, c, biasFirst, withOne, seed) => {
            const xs = [...lead, c];
            // [c] or conv1d's [1, …, 1, c] of x's rank.
            const bs = withOne ? [...lead.map(() => 1), c] : [c];
            const xv = values(size(xs), seed, false, 0.05);
            const bv = values(c, seed + 1, false, 0.05);
            const [a, b] = await onBoth(() => {
              const x = tf.tensor(xv, xs);
              const bias = tf.tensor(bv, bs);
              const out = biasFirst ? tf.add(bias, x) : tf.add(x, bias);
              expect(out.shape).toEqual(xs);
              return out;
            });
            expectSameBits(a, b);
          },
        ),
        { numRuns: 50, seed: 51 },
      );
    });

    it('leaves other Adds to the stock kernel (same shape, scalar, inner broadcast, int32)', async () => {
      const cases: [number[], number[], 'float32' | 'int32'][] = [
        [[3, 4], [3, 4], 'float32'],
        [[3, 4], [1], 'float32'],
        [[3, 4], [3, 1], 'float32'],
        [[2, 3, 4], [3, 4], 'float32'],
        [[3, 4], [4], 'int32'],
        [[0, 4], [4], 'float32'],
      ];
      for (const [as, bs, dtype] of cases) {
        const av = values(size(as), 3, true);
        const bv = values(size(bs), 4, true);
        const [a, b] = await onBoth(() =>
          tf.add(tf.tensor(av, as, dtype), tf.tensor(bv, bs, dtype)).cast('float32'),
        );
        expectSameBits(a, b);
      }
    });

    it('a range split into blocks writes the same output as one call', () => {
      for (const [rows, c] of [
        [5, 16],
        [7, 3],
        [9, 21],
      ] as [number, number][]) {
        tf.tidy(() => {
          const x = tf.tensor2d(values(rows * c, c, false), [rows, c]);
          const b = tf.tensor1d(values(c, c + 1, false));
          const run = (blocks: number[]): Float32Array => {
            const out = tf.fill([rows, c], Number.NaN);
            const [xo, bo, oo] = offsets(backend, x, b, out) as [number, number, number];
            for (let i = 0; i + 1 < blocks.length; i++)
              simd.exports.biasAdd(xo, bo, oo, c, blocks[i]!, blocks[i + 1]!);
            return out.dataSync() as Float32Array;
          };
          const whole = run([0, rows]);
          expect(whole.some(Number.isNaN)).toBe(false);
          expectSameBits(run(cuts(rows, rows + c)), whole);
        });
      }
    });
  });
}
