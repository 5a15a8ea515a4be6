/**
 * The SIMD Adam update (wasm) against the JS loop of the cpu backend's BraggAdamUpdate: both
 * compute in float64 with the same operations, so the updates must agree bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SimdKernels } from '../../../../../src/ml/backend/simd/module.js';
import {
  ADAM_UPDATE,
  registerFusedOptimizerKernels,
} from '../../../../../src/ml/backend/kernels/fused-optimizers.js';
import type { AdamUpdateAttrs } from '../../../../../src/ml/backend/kernels/fused-optimizers.js';
import { cuts, expectBuild, expectSameBits, offsets, values, wasmWithSimd } from './simd-mem.js';

/** x', m', v' of one update on the active backend, concatenated. */
function update(vals: Float32Array[], attrs: AdamUpdateAttrs): Float32Array {
  return tf.tidy(() => {
    const [x, m, v, g] = vals.map((a) => tf.tensor1d(a));
    const outs = tf
      .engine()
      .runKernel(
        ADAM_UPDATE,
        { x: x!, m: m!, v: v!, g: g! },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return tf.concat(outs).dataSync() as Float32Array;
  });
}

/** β₁, β₂, a₁, a₂, c₁, c₂, ε, lr, decay. */
const COEF = [0.9, 0.999, 0.1, 0.001, 0.5, 0.3, 1e-7, 1e-3, 1];

export function adamSimdSuite(): void {
  describe('SIMD Adam update', () => {
    let backend: BackendWasm;
    let simd: SimdKernels;
    beforeAll(async () => {
      registerFusedOptimizerKernels();
      ({ backend, simd } = await wasmWithSimd());
      expectBuild(simd);
    });

    it('equals the cpu kernel bit for bit (any length, weight decay, step)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 41 }),
          fc.nat(),
          fc.integer({ min: 1, max: 1000 }),
          fc.constantFrom(0, 1e-4, 0.01),
          async (n, seed, t, weightDecay) => {
            const beta1 = 0.9;
            const beta2 = 0.999;
            const attrs: AdamUpdateAttrs = {
              lr: 1e-3,
              beta1,
              beta2,
              epsilon: 1e-7,
              c1: 1 - beta1 ** t,
              c2: 1 - beta2 ** t,
              weightDecay,
            };
            const vals = [
              values(n, seed, false),
              values(n, seed + 1, false).map((u) => u * 0.1),
              values(n, seed + 2, false).map((u) => u * u * 0.01),
              values(n, seed + 3, false),
            ];
            await tf.setBackend('wasm');
            const a = update(vals, attrs);
            await tf.setBackend('cpu');
            const b = update(vals, attrs);
            await tf.setBackend('wasm');
            expectSameBits(a, b);
          },
        ),
        { numRuns: 50, seed: 71 },
      );
    });

    it('a range split into blocks writes the same update as one call', () => {
      const n = 23;
      tf.tidy(() => {
        const ins = [0, 1, 2, 3].map((i) =>
          tf.tensor1d(values(n, 80 + i, false).map((u) => (i === 2 ? u * u : u))),
        );
        const run = (blocks: number[]): Float32Array => {
          const outs = [0, 1, 2].map(() => tf.fill([n], Number.NaN));
          const coef = tf.tensor1d(new Float32Array(new Float64Array(COEF).buffer));
          const offs = offsets(backend, ...ins, ...outs, coef);
          for (let i = 0; i + 1 < blocks.length; i++)
            simd.exports.adamUpdate(...offs, blocks[i]!, blocks[i + 1]!);
          return tf.concat(outs).dataSync() as Float32Array;
        };
        const whole = run([0, n]);
        expect(whole.some(Number.isNaN)).toBe(false);
        expectSameBits(run(cuts(n, 3)), whole);
      });
    });
  });
}
