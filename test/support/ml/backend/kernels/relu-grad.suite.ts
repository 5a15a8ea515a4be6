/**
 * The fused ReLU gradient (BraggReluGrad under tfjs's gradient of Relu) against tfjs's own
 * gradient expression dy · cast(step(x)), on wasm (SIMD kernel) and cpu, for one SIMD build.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimdKernels } from '../../../../../src/ml/backend/simd/module.js';
import {
  RELU_GRAD,
  registerReluGradient,
  reluGradConfig,
} from '../../../../../src/ml/backend/kernels/relu-grad.js';
import { cuts, expectBuild, expectSameBits, offsets, values, wasmWithSimd } from './simd-mem.js';

/** tfjs-core's Relu gradient (gradients/Relu_grad.ts), for the comparison. */
const stockConfig: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const x = saved[0]!;
    return { x: () => tf.mul(dy as tf.Tensor, tf.cast(tf.step(x), 'float32')) };
  },
};

/** Gradients of a small conv + dense ReLU net's loss w.r.t. input and weights, flattened. */
function netGrads(seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(2 * 6 * 6 * 3, seed, false), [2, 6, 6, 3]);
    const k = tf.tensor4d(values(3 * 3 * 3 * 5, seed + 1, false), [3, 3, 3, 5]);
    const w = tf.tensor2d(values(6 * 6 * 5 * 4, seed + 2, false), [6 * 6 * 5, 4]);
    const f = (xi: tf.Tensor, ki: tf.Tensor, wi: tf.Tensor): tf.Scalar => {
      const h = tf.relu(tf.conv2d(xi as tf.Tensor4D, ki as tf.Tensor4D, 1, 'same'));
      return tf
        .relu(
          h
            .reshape([2, -1])
            .matMul(wi as tf.Tensor2D)
            .sub(0.1),
        )
        .square()
        .sum();
    };
    const gs = tf.grads(f)([x, k, w]);
    return tf.concat(gs.map((g) => g.flatten())).dataSync() as Float32Array;
  });
}

/** Runs f with tfjs's stock Relu gradient registered, then bragg's again. */
function withStockGradient<T>(f: () => T): T {
  tf.registerGradient(stockConfig);
  try {
    return f();
  } finally {
    registerReluGradient();
  }
}

export function reluGradSuite(): void {
  describe('fused ReLU gradient (BraggReluGrad)', () => {
    let backend: BackendWasm;
    let simd: SimdKernels;
    beforeAll(async () => {
      ({ backend, simd } = await wasmWithSimd());
      expectBuild(simd);
    });
    afterAll(async () => {
      await tf.setBackend('wasm');
    });

    it('is registered once: Relu’s gradient is bragg’s after repeated registration', () => {
      registerReluGradient();
      registerReluGradient();
      expect(tf.getGradient('Relu')).toBe(reluGradConfig);
    });

    it('gives the same gradients of a small net as before, on wasm and cpu, bit for bit', async () => {
      for (const name of ['wasm', 'cpu']) {
        await tf.setBackend(name);
        for (const seed of [1, 2]) {
          const before = withStockGradient(() => netGrads(seed));
          expectSameBits(netGrads(seed), before);
        }
      }
      await tf.setBackend('wasm');
    });

    it('runs one kernel instead of Step, Cast and Multiply', async () => {
      const x = tf.tensor1d([-1, 0, 2, 3]);
      const info = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.relu(t).sum())(x));
      const names = info.kernels.map((k) => k.name);
      expect(names).toContain(RELU_GRAD);
      expect(names).not.toContain('Step');
      x.dispose();
      (info.result as tf.Tensor).dispose();
    });

    it('equals dy · cast(step(x)) with NaN, ±∞, ±0 in x and dy, any length (cpu, wasm)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 70 }), fc.nat(), async (n, seed) => {
          const specials = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45];
          const pick = (v: Float32Array, s: number): Float32Array =>
            v.map((u, i) => ((i * 7 + s) % 5 === 0 ? specials[(i + s) % specials.length]! : u));
          const xv = pick(values(n, seed, false), seed);
          const dv = pick(values(n, seed + 1, false), seed + 3);
          for (const name of ['wasm', 'cpu']) {
            await tf.setBackend(name);
            const [fused, stock] = tf.tidy(() => {
              const x = tf.tensor1d(xv);
              const dy = tf.tensor1d(dv);
              const a = tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor;
              const b = tf.mul(dy, tf.cast(tf.step(x), 'float32'));
              return [a.dataSync() as Float32Array, b.dataSync() as Float32Array];
            });
            expectSameBits(fused, stock);
          }
          await tf.setBackend('wasm');
        }),
        { numRuns: 40, seed: 41 },
      );
    });

    it('does not leak tensors or wasm buffers over repeated gradients', () => {
      const ids = backend as unknown as { numDataIds(): number };
      const x = tf.tensor2d(values(64, 3, false), [8, 8]);
      const step = (): void => {
        const g = tf.grad((t: tf.Tensor) => tf.relu(t.matMul(t)).sum())(x);
        g.dispose();
      };
      step();
      const tensors = tf.memory().numTensors;
      const buffers = ids.numDataIds();
      for (let i = 0; i < 5; i++) step();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(ids.numDataIds()).toBe(buffers);
      x.dispose();
    });

    it('second derivatives equal the stock gradient’s', () => {
      const xv = values(12, 9, false);
      const second = (): Float32Array =>
        tf.tidy(() => {
          const x = tf.tensor1d(xv);
          const g = tf.grad((t: tf.Tensor) =>
            tf
              .grad((u: tf.Tensor) => tf.relu(u).square().sum())(t)
              .mul(t)
              .sum(),
          );
          return g(x).dataSync() as Float32Array;
        });
      expectSameBits(second(), withStockGradient(second));
    });

    it('a range split into blocks writes the same dx as one call', () => {
      for (const n of [1, 7, 8, 9, 37, 64]) {
        tf.tidy(() => {
          const x = tf.tensor1d(values(n, n, false));
          const dy = tf.tensor1d(values(n, n + 1, false));
          const run = (blocks: number[]): Float32Array => {
            const dx = tf.fill([n], Number.NaN);
            const [a, b, c] = offsets(backend, dy, x, dx) as [number, number, number];
            for (let i = 0; i + 1 < blocks.length; i++)
              simd.exports.reluGrad(a, b, c, blocks[i]!, blocks[i + 1]!);
            return dx.dataSync() as Float32Array;
          };
          const whole = run([0, n]);
          expect(whole.some(Number.isNaN)).toBe(false);
          expectSameBits(run(cuts(n, n)), whole);
        });
      }
    });
  });
}
