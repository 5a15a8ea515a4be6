/**
 * MaxPool and MaxPoolGrad's SIMD kernels (wasm/assembly/pool.ts) against the tfjs cpu backend
 * and against the JS pass MaxPoolGrad had (`maxPoolGradInto`), for one SIMD build (see
 * simd-mem.testing.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { MaxPoolGradAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimdKernels } from '../../../../../src/ml/backend/simd/module.js';
import {
  maxPoolGradCall,
  maxPoolGradInto,
  poolGradInfo,
} from '../../../../../src/ml/backend/kernels/max-pool-grad.js';
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

type Pad = 'same' | 'valid';
type Shape4 = [number, number, number, number];

const geometry = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 1, max: 10 }),
  w: fc.integer({ min: 1, max: 10 }),
  c: fc.constantFrom(1, 3, 4, 5, 8, 13),
  ph: fc.integer({ min: 1, max: 3 }),
  pw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  pad: fc.constantFrom<Pad>('same', 'valid'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type Geometry = typeof geometry extends fc.Arbitrary<infer T> ? T : never;

const fits = (g: Geometry): boolean => g.pad === 'same' || (g.ph <= g.h && g.pw <= g.w);

/** Σ y · (1, 2, 3, …): distinct weights per output element, so every routing error shows. */
function weightedPoolSum(x: tf.Tensor, g: Geometry): tf.Scalar {
  const y = tf.maxPool(x as tf.Tensor4D, [g.ph, g.pw], [g.sh, g.sw], g.pad);
  return y.mul(tf.range(1, y.size + 1).reshape(y.shape)).sum();
}

function attrsOf(g: Geometry): MaxPoolGradAttrs {
  return { filterSize: [g.ph, g.pw], strides: [g.sh, g.sw], pad: g.pad };
}

export function maxPoolGradSuite(): void {
  describe('MaxPoolGrad SIMD kernel', () => {
    let backend: BackendWasm;
    let simd: SimdKernels;
    beforeAll(async () => {
      ({ backend, simd } = await wasmWithSimd());
      expectBuild(simd);
    });

    it('equals cpu exactly on random geometries (c 1–13, ties, strides 1–3, same/valid)', async () => {
      await fc.assert(
        fc.asyncProperty(geometry, fc.boolean(), async (g, ties) => {
          fc.pre(fits(g));
          const xs: Shape4 = [g.batch, g.h, g.w, g.c];
          const xv = values(size(xs), g.seed, ties);
          const [a, b] = await onBoth(() =>
            tf.grad((t: tf.Tensor) => weightedPoolSum(t, g))(tf.tensor4d(xv, xs)),
          );
          expectSameBits(a, b);
        }),
        { numRuns: 60, seed: 31 },
      );
    });

    it('MaxPool forward equals cpu exactly, NaN and −∞ windows included', async () => {
      await fc.assert(
        fc.asyncProperty(geometry, async (g) => {
          fc.pre(fits(g));
          const xs: Shape4 = [g.batch, g.h, g.w, g.c];
          const xv = values(size(xs), g.seed, true, 0.3, 0.3);
          const [a, b] = await onBoth(() =>
            tf.maxPool(tf.tensor4d(xv, xs), [g.ph, g.pw], [g.sh, g.sw], g.pad),
          );
          expectSameBits(a, b);
        }),
        { numRuns: 40, seed: 34 },
      );
    });

    it('equals cpu with NaN and −∞ in the windows (vector lanes and tail)', async () => {
      await fc.assert(
        fc.asyncProperty(geometry, async (g) => {
          fc.pre(fits(g));
          const xs: Shape4 = [g.batch, g.h, g.w, g.c];
          const xv = values(size(xs), g.seed, true, 0.3, 0.3);
          const [a, b] = await onBoth(() =>
            tf.grad((t: tf.Tensor) => weightedPoolSum(t, g))(tf.tensor4d(xv, xs)),
          );
          expectSameBits(a, b);
        }),
        { numRuns: 40, seed: 32 },
      );
    });

    it('equals the JS pass for any y: maxima, NaN, −∞, values matching no element', () => {
      fc.assert(
        fc.property(geometry, (g) => {
          fc.pre(fits(g));
          const xs: Shape4 = [g.batch, g.h, g.w, g.c];
          const xv = values(size(xs), g.seed, true, 0.15, 0.15);
          const [simdDx, jsDx] = tf.tidy(() => {
            const x = tf.tensor4d(xv, xs);
            const pooled = tf.maxPool(x, [g.ph, g.pw], [g.sh, g.sw], g.pad);
            // Replace a third of y by NaN, −∞ or a value no element has.
            const noise = values(pooled.size, g.seed + 1, false, 0.1, 0.1);
            const keep = values(pooled.size, g.seed + 2, false).map((u) => (u < -0.3 ? 0 : 1));
            const yv = (pooled.dataSync() as Float32Array).map((v, i) =>
              keep[i] ? v : noise[i]! + 10,
            );
            const y = tf.tensor(yv, pooled.shape);
            const dy = tf.tensor(values(pooled.size, g.seed + 3, false), pooled.shape);
            const dx = tf
              .engine()
              .runKernel(
                'MaxPoolGrad',
                { dy, input: x, output: y },
                attrsOf(g) as unknown as tf.NamedAttrMap,
              ) as tf.Tensor;
            const ref = new Float32Array(size(xs));
            maxPoolGradInto(
              xv,
              dy.dataSync() as Float32Array,
              ref,
              poolGradInfo(xs, attrsOf(g)),
              yv,
            );
            return [dx.dataSync() as Float32Array, ref];
          });
          expectSameBits(simdDx, jsDx);
        }),
        { numRuns: 60, seed: 33 },
      );
    });

    it('a range split into blocks writes the same dx as one call (rows and images)', () => {
      const cases: Geometry[] = [
        { batch: 3, h: 9, w: 8, c: 5, ph: 2, pw: 2, sh: 2, sw: 2, pad: 'valid', seed: 1 },
        { batch: 2, h: 7, w: 7, c: 4, ph: 2, pw: 3, sh: 3, sw: 2, pad: 'same', seed: 2 },
        { batch: 3, h: 8, w: 9, c: 5, ph: 3, pw: 3, sh: 2, sw: 2, pad: 'same', seed: 3 },
        { batch: 4, h: 6, w: 6, c: 8, ph: 3, pw: 2, sh: 1, sw: 1, pad: 'valid', seed: 4 },
        { batch: 2, h: 8, w: 6, c: 8, ph: 2, pw: 2, sh: 2, sw: 2, pad: 'valid', seed: 5 },
      ];
      const names = new Set<string>();
      for (const g of cases) {
        const xs: Shape4 = [g.batch, g.h, g.w, g.c];
        tf.tidy(() => {
          const x = tf.tensor4d(values(size(xs), g.seed, true), xs);
          const y = tf.maxPool(x, [g.ph, g.pw], [g.sh, g.sw], g.pad);
          const dy = tf.tensor(values(y.size, g.seed + 7, false), y.shape);
          const info = poolGradInfo(xs, attrsOf(g));
          const run = (blocks: number[]): Float32Array => {
            // NaN everywhere first: the blocks together must zero and write all of dx.
            const dx = tf.fill(xs, Number.NaN);
            const o = offsets(backend, x, y, dy, dx) as [number, number, number, number];
            const call = maxPoolGradCall(o, info);
            names.add(call.name);
            const fn = simd.exports[call.name];
            for (let i = 0; i + 1 < blocks.length; i++) {
              const args = [...call.args];
              args[call.at] = blocks[i]!;
              args[call.at + 1] = blocks[i + 1]!;
              fn(...(args as Parameters<typeof fn>));
            }
            return dx.dataSync() as Float32Array;
          };
          const total = maxPoolGradCall([0, 0, 0, 0], info).total;
          const whole = run([0, total]);
          expect(whole.some(Number.isNaN)).toBe(false);
          expectSameBits(run(cuts(total, g.seed)), whole);
          expectSameBits(run([...Array<number>(total + 1).keys()]), whole);
        });
      }
      expect([...names].sort()).toEqual(['maxPoolGradImages', 'maxPoolGradRows']);
    });

    it('MaxPool forward: a range split into blocks writes the same y as one call', () => {
      const g: Geometry = {
        batch: 3,
        h: 7,
        w: 9,
        c: 13,
        ph: 3,
        pw: 2,
        sh: 2,
        sw: 2,
        pad: 'same',
        seed: 6,
      };
      tf.tidy(() => {
        const x = tf.tensor4d(values(3 * 7 * 9 * 13, 6, true, 0.1, 0.1), [3, 7, 9, 13]);
        const ref = tf.maxPool(x, [g.ph, g.pw], [g.sh, g.sw], g.pad);
        const info = poolGradInfo(x.shape, attrsOf(g));
        const total = info.batchSize * info.outHeight;
        const run = (blocks: number[]): Float32Array => {
          const y = tf.fill(ref.shape, Number.NaN);
          const [xo, yo] = offsets(backend, x, y) as [number, number];
          const geo = [info.inHeight, info.inWidth, info.inChannels, info.outHeight];
          const win = [info.outWidth, info.effectiveFilterHeight, info.effectiveFilterWidth];
          const steps = [
            info.strideHeight,
            info.strideWidth,
            1,
            1,
            info.padInfo.top,
            info.padInfo.left,
          ];
          for (let i = 0; i + 1 < blocks.length; i++)
            simd.exports.maxPoolRows(xo, yo, ...geo, ...win, ...steps, blocks[i]!, blocks[i + 1]!);
          return y.dataSync() as Float32Array;
        };
        const whole = run([0, total]);
        expectSameBits(whole, ref.dataSync() as Float32Array);
        expectSameBits(run(cuts(total, 6)), whole);
      });
    });

    it('equals cpu on the reference nets’ pools (small2d 2×2, phase1d 1-D via 2-D)', async () => {
      for (const [xs, pool] of [
        [
          [4, 16, 16, 16],
          [2, 2],
        ],
        [
          [2, 8, 8, 32],
          [2, 2],
        ],
        [
          [4, 1, 71, 64],
          [1, 2],
        ],
      ] as [Shape4, [number, number]][]) {
        const xv = values(size(xs), 5, true);
        const [a, b] = await onBoth(() =>
          tf.grad((t: tf.Tensor) => {
            const y = tf.maxPool(t as tf.Tensor4D, pool, pool, 'valid');
            // dy = 2y: −0 where y is −0 (ties data holds −0), which dx must turn into +0.
            return y.square().sum();
          })(tf.tensor4d(xv, xs)),
        );
        expectSameBits(a, b);
      }
    });
  });
}
