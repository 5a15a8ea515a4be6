/**
 * MaxPoolGrad's SIMD kernel (wasm/assembly/pool.ts) against the tfjs cpu backend and against
 * the JS pass it replaced (`maxPoolGradInto`), for one SIMD build (see simd-mem.testing.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { MaxPoolGradAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimdKernels } from '../simd/module.js';
import { maxPoolGradCall, maxPoolGradInto, poolGradInfo } from './max-pool-grad.js';
import {
  cuts,
  expectBuild,
  expectSameBits,
  offsets,
  onBoth,
  size,
  values,
  wasmWithSimd,
} from './simd-mem.testing.js';

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

    // With NaN in a window XNNPACK's forward MaxPool (wasm) and cpu's disagree on y, so NaN
    // windows are compared with the JS pass below, which routes exactly as before.
    it('equals cpu with −∞ in the windows, windows of −∞ only included', async () => {
      await fc.assert(
        fc.asyncProperty(geometry, async (g) => {
          fc.pre(fits(g));
          const xs: Shape4 = [g.batch, g.h, g.w, g.c];
          const xv = values(size(xs), g.seed, true, 0, 0.6);
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
            return y.mul(tf.range(1, y.size + 1).reshape(y.shape)).sum();
          })(tf.tensor4d(xv, xs)),
        );
        expectSameBits(a, b);
      }
    });
  });
}
