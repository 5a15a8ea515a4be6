/**
 * Mean over middle axes (SIMD) and Mean's broadcast gradient against the tfjs cpu backend and
 * tfjs-core's own gradient, for one SIMD build (see simd-mem.testing.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimdKernels } from '../../../../../src/ml/backend/simd/module.js';
import {
  meanGradConfig,
  middleBlock,
  registerMeanGradient,
} from '../../../../../src/ml/backend/kernels/mean.js';
import { relErr } from './compare.js';
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

/** tfjs-core's Mean gradient (gradients/Mean_grad.ts), for the comparison. */
const stockConfig: GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    const axes = tf.util.parseAxisParam((attrs as NamedAttrMap).axis as number[], x.shape);
    const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return {
      x: () => tf.div(tf.mul(tf.reshape(dy as tf.Tensor, kept), tf.ones(x.shape)), n),
    };
  },
};

const meanCase = fc
  .array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      first: fc.integer({ min: 0, max: shape.length - 1 }),
      len: fc.integer({ min: 1, max: shape.length }),
      keepDims: fc.boolean(),
      seed: fc.nat(),
    }),
  );

export function meanSuite(): void {
  describe('Mean over middle axes (SIMD) and its gradient', () => {
    let backend: BackendWasm;
    let simd: SimdKernels;
    beforeAll(async () => {
      ({ backend, simd } = await wasmWithSimd());
      expectBuild(simd);
    });

    it('finds [outer, mid, inner] for one contiguous block of axes before the last', () => {
      expect(middleBlock([1, 2], [16, 8, 8, 64])).toEqual([16, 64, 64]);
      expect(middleBlock([0], [5, 3])).toEqual([1, 5, 3]);
      expect(middleBlock(-2, [2, 3, 4])).toEqual([2, 3, 4]);
      expect(middleBlock([3], [16, 8, 8, 64])).toBeUndefined();
      expect(middleBlock([0, 2], [2, 3, 4, 5])).toBeUndefined();
      expect(middleBlock([1, 2, 3], [2, 3, 4, 5])).toBeUndefined();
    });

    it('equals cpu (relative 1e-5) for any axis block and keepDims; others via stock', async () => {
      await fc.assert(
        fc.asyncProperty(meanCase, async (c) => {
          const axes = [...Array<number>(c.len).keys()]
            .map((i) => c.first + i)
            .filter((a) => a < c.shape.length);
          const xv = values(size(c.shape), c.seed, false);
          const [a, b] = await onBoth(() => tf.mean(tf.tensor(xv, c.shape), axes, c.keepDims));
          expect(relErr(a, b)).toBeLessThan(1e-5);
        }),
        { numRuns: 60, seed: 61 },
      );
    });

    it('global average pooling of small2d’s last layer equals cpu', async () => {
      const xv = values(16 * 16 * 16 * 64, 7, false);
      const [a, b] = await onBoth(() => tf.mean(tf.tensor4d(xv, [16, 16, 16, 64]), [1, 2]));
      expect(relErr(a, b)).toBeLessThan(1e-5);
    });

    it('gradient equals tfjs-core’s bit for bit (wasm, cpu) and does not leak', async () => {
      const xv = values(3 * 4 * 5 * 6, 8, false);
      const grads = (): Float32Array[] =>
        [[1, 2], [0], [3], [0, 1, 2, 3]].map((axes) =>
          tf.tidy(
            () =>
              tf
                .grad((t: tf.Tensor) => tf.mean(t, axes).square().sum())(
                  tf.tensor4d(xv, [3, 4, 5, 6]),
                )
                .dataSync() as Float32Array,
          ),
        );
      for (const name of ['wasm', 'cpu']) {
        await tf.setBackend(name);
        tf.registerGradient(stockConfig);
        const before = grads();
        registerMeanGradient();
        expect(tf.getGradient('Mean')).toBe(meanGradConfig);
        const tensors = tf.memory().numTensors;
        const after = grads();
        expect(tf.memory().numTensors).toBe(tensors);
        after.forEach((g, i) => expectSameBits(g, before[i]!));
      }
      await tf.setBackend('wasm');
    });

    it('a range split into blocks writes the same output as one call', () => {
      for (const [outer, mid, inner] of [
        [5, 7, 16],
        [6, 3, 21],
        [4, 9, 3],
      ] as [number, number, number][]) {
        tf.tidy(() => {
          const x = tf.tensor(values(outer * mid * inner, mid, false), [outer, mid, inner]);
          const run = (blocks: number[]): Float32Array => {
            const out = tf.fill([outer, inner], Number.NaN);
            const [xo, oo] = offsets(backend, x, out) as [number, number];
            for (let i = 0; i + 1 < blocks.length; i++)
              simd.exports.meanMiddle(xo, oo, mid, inner, mid, blocks[i]!, blocks[i + 1]!);
            return out.dataSync() as Float32Array;
          };
          const whole = run([0, outer]);
          expect(whole.some(Number.isNaN)).toBe(false);
          expectSameBits(run(cuts(outer, inner)), whole);
        });
      }
    });
  });
}
