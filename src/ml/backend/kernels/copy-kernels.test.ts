/**
 * bragg's Concat, SplitV, Slice and ResizeNearestNeighborGrad (copy-kernels.ts) against the tfjs cpu
 * backend: the same values to the bit (they only move and add data in the same order), over
 * shapes, axes, split sizes and upsampling factors, including the cases left to the stock
 * kernels.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { getKernel } from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, stockWasmKernel, swapWasmKernel } from './register.js';
import { data, size, wasmVsCpu } from '../../../../test/support/ml/backend/kernels/compare.js';

const RUNS = 30;

describe('copy kernels (Concat, SplitV, ResizeNearestNeighborGrad) vs cpu', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  it('are the kernels the wasm backend runs (the stock ones kept for A/B)', () => {
    for (const k of ['Concat', 'SplitV', 'Slice', 'ResizeNearestNeighborGrad']) {
      expect(stockWasmKernel(k)).toBeDefined();
      expect(getKernel(k, 'wasm')).not.toBe(stockWasmKernel(k));
    }
  });

  it('Concat along any axis, of 1–3 inputs, float32 and int32, equals cpu exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.nat(),
        async (shape, a, widths, int, seed) => {
          const axis = a % shape.length;
          const shapes = widths.map((w) => shape.map((d, i) => (i === axis ? w : d)));
          const err = await wasmVsCpu(() => {
            const xs = shapes.map((s, i) => {
              const t = tf.tensor(data(size(s), seed + i), s);
              return int ? t.mul(100).cast('int32') : t;
            });
            return tf.concat(xs, axis - shape.length * (seed % 2)).cast('float32');
          });
          expect(err).toBe(0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('SplitV into counts or sizes along any axis equals cpu exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        async (shape, a, parts, seed) => {
          const axis = a % shape.length;
          const dim = parts.reduce((p, q) => p + q, 0);
          if (dim === 0) return;
          const full = shape.map((d, i) => (i === axis ? dim : d));
          // (sizes only: tfjs-core's op resolves a −1 size wrongly before any kernel runs)
          const spec = parts;
          for (let k = 0; k < parts.length; k++) {
            const err = await wasmVsCpu(() => {
              const x = tf.tensor(data(size(full), seed), full);
              return tf.split(x, spec, axis)[k]!;
            });
            expect(err).toBe(0);
          }
          // an even count
          const even = await wasmVsCpu(() => {
            const x = tf.tensor(data(size(full) * 2, seed), full.map((d, i) => (i === axis ? 2 * dim : d))); // prettier-ignore
            return tf.split(x, 2, axis)[1]!;
          });
          expect(even).toBe(0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('Slice of any begin and size (−1: to the end, short begin), float32 and int32, equals cpu exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.nat(),
        async (shape, cuts, given, int, seed) => {
          const rank = Math.min(given, shape.length);
          const begin = shape.slice(0, rank).map((d, i) => cuts[i]![0] % d);
          const sz = begin.map((b, i) => (cuts[i]![2] ? -1 : cuts[i]![1] % (shape[i]! - b + 1)));
          const err = await wasmVsCpu(() => {
            const t = tf.tensor(data(size(shape), seed), shape);
            const x = int ? t.mul(100).cast('int32') : t;
            return tf.slice(x, begin, sz).cast('float32');
          });
          expect(err).toBe(0);
        },
      ),
      { numRuns: 3 * RUNS },
    );
    // the PACBED packed-input crops: all but the last value of each row, and the last one
    const err = await wasmVsCpu(() => {
      const x = tf.tensor(data(4 * 65, 3), [4, 1, 65, 1]);
      return tf.concat([tf.slice(x, [0, 0, 0, 0], [4, 1, 64, 1]).reshape([-1]), tf.slice(x, [0, 0, 64, 0], [4, 1, 1, 1]).reshape([-1])]); // prettier-ignore
    });
    expect(err).toBe(0);
  });

  it('the gradient of nearest upsampling by 1–4 equals the stock wasm kernel exactly, and cpu', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 1, max: 2 }),
          h: fc.integer({ min: 1, max: 6 }),
          w: fc.integer({ min: 1, max: 6 }),
          c: fc.integer({ min: 1, max: 5 }),
          k: fc.integer({ min: 1, max: 4 }),
          other: fc.boolean(),
          seed: fc.nat(),
        }),
        async ({ n, h, w, c, k, other, seed }) => {
          // `other`: a size that is not a multiple (left to the stock kernel)
          const out: [number, number] = other ? [h * k + 1, w * k] : [h * k, w * k];
          const f = () => {
            const x = tf.tensor4d(data(n * h * w * c, seed), [n, h, w, c]);
            const dy = tf.tensor4d(data(n * out[0] * out[1] * c, seed + 1), [n, ...out, c]);
            const g = tf.grad((t: tf.Tensor) =>
              tf.image
                .resizeNearestNeighbor(t as tf.Tensor4D, out)
                .mul(dy)
                .sum(),
            );
            return g(x);
          };
          const mine = tf.tidy(() => f().dataSync() as Float32Array);
          const restore = swapWasmKernel(stockWasmKernel('ResizeNearestNeighborGrad')!);
          let stock: Float32Array;
          try {
            stock = tf.tidy(() => f().dataSync() as Float32Array);
          } finally {
            restore();
          }
          expect(mine).toEqual(stock);
          if (other) return;
          // the definition: dx[b, i, j, c] = Σ of dy over its k × k block, summed in float64
          // (tfjs' cpu backend is no reference here: it differs for 1-pixel inputs)
          const g = data(n * out[0] * out[1] * c, seed + 1);
          const want = new Float64Array(n * h * w * c);
          for (let b = 0; b < n; b++)
            for (let y = 0; y < out[0]; y++)
              for (let x = 0; x < out[1]; x++)
                for (let ch = 0; ch < c; ch++) {
                  const o = ((b * h + Math.floor(y / k)) * w + Math.floor(x / k)) * c + ch;
                  want[o]! += g[((b * out[0] + y) * out[1] + x) * c + ch]!;
                }
          for (let i = 0; i < want.length; i++) expect(mine[i]).toBeCloseTo(want[i]!, 5);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
