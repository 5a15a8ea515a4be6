/**
 * The fused training-mode batch normalisation (src/ml/backend/kernels/batch-norm.ts, SIMD
 * kernels wasm/assembly/batchnorm.ts) against tfjs-layers' own path (the same layer with the
 * BraggBatchNorm kernel unregistered) on wasm and against the tfjs cpu backend: output, moving
 * statistics after a training call and dx, dγ, dβ of a random loss, within 1e-4 relative, over
 * random shapes (rank 2 and 4, 1–20 channels, odd sizes), ε and momentum; the JS reference
 * loops against the kernels; plus the cases that must not take the fused path. Run once per
 * SIMD build and thread count (batch-norm.test.ts, simd-mem-plain.test.ts,
 * simd-mem-threads.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../../../src/core/rng.js';
import { setBatchNormFrozen } from '../../../../../src/ml/train/fine-tune.js';
import {
  BATCH_NORM,
  BATCH_NORM_GRAD,
  batchNormBackwardInto,
  batchNormCallHooked,
  batchNormConfig,
  batchNormForwardInto,
} from '../../../../../src/ml/backend/kernels/batch-norm.js';
import { registerWasmTrainingKernels } from '../../../../../src/ml/backend/kernels/register.js';
import { expectBuild, wasmWithSimd } from './simd-mem.js';

const RUNS = Number(process.env.BN_RUNS ?? 25);

function randoms(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = offset + scale * rng.normal();
  return out;
}

interface Case {
  shape: number[];
  epsilon: number;
  momentum: number;
  seed: number;
}

interface Outcome {
  y: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
  kernels: string[];
  /**
   * The size of the terms the parameter gradients sum, per channel: Σ|dy| for dβ and
   * Σ|dy·x̂| for dγ (float64). A sum of random terms can cancel to near zero, so its
   * rounding error is measured against these, not against the sum itself.
   */
  dgammaTerms: number;
  dbetaTerms: number;
  /** The same for the moving mean: momentum·|old| + (1 − momentum)·mean |x|. */
  movingMeanTerms: number;
}

/** One training call of a fresh BN layer with seeded weights: outputs, statistics, gradients. */
async function runCase(k: Case): Promise<Outcome> {
  const c = k.shape[k.shape.length - 1]!;
  const n = k.shape.reduce((a, b) => a * b, 1);
  const layer = tf.layers.batchNormalization({ momentum: k.momentum, epsilon: k.epsilon });
  layer.build(k.shape);
  const oldMean = randoms(c, k.seed + 3, 0.5);
  layer.setWeights([
    tf.tensor1d(randoms(c, k.seed + 1, 0.5, 1)),
    tf.tensor1d(randoms(c, k.seed + 2, 0.5)),
    tf.tensor1d(oldMean),
    tf.tensor1d(randoms(c, k.seed + 4, 0.2, 1).map(Math.abs)),
  ]);
  // Channel offsets and scales differ, so each channel has its own statistics.
  const base = randoms(n, k.seed + 5);
  for (let i = 0; i < n; i++) base[i] = base[i]! * (1 + (i % c)) + 3 * (i % c) - 2;
  const x = tf.variable(tf.tensor(base, k.shape));
  const wv = randoms(n, k.seed + 6);
  const w = tf.tensor(wv, k.shape);
  const [gamma, beta] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  let y: Float32Array | undefined;
  const profile = await tf.profile(() => {
    const { grads } = tf.variableGrads(() => {
      const out = layer.apply(x, { training: true }) as tf.Tensor;
      y = out.dataSync() as Float32Array;
      return tf.sum(tf.mul(out, w));
    }, [x, gamma!, beta!]);
    const read = (v: tf.Variable): Float32Array => grads[v.name]!.dataSync() as Float32Array;
    const r = { dx: read(x), dgamma: read(gamma!), dbeta: read(beta!) };
    tf.dispose(grads);
    return r as unknown as tf.TensorContainer;
  });
  const grads = profile.result as unknown as Pick<Outcome, 'dx' | 'dgamma' | 'dbeta'>;
  const weights = layer.getWeights();
  const out: Outcome = {
    y: y!,
    movingMean: weights[2]!.dataSync() as Float32Array,
    movingVariance: weights[3]!.dataSync() as Float32Array,
    ...grads,
    kernels: profile.kernelNames,
    ...gradientTerms(base, wv, c),
    movingMeanTerms: 0,
  };
  const { meanTerms } = gradientTerms(base, wv, c);
  out.movingMeanTerms =
    k.momentum * Math.max(...oldMean.map(Math.abs)) + (1 - k.momentum) * meanTerms;
  tf.dispose([x, w]);
  for (const v of layer.weights) v.dispose();
  return out;
}

/**
 * max over channels of Σ|dy|, Σ|dy·x̂| (x̂ the batch-normalised input) and mean |x| (float64):
 * the scales of the rounding errors of dβ, dγ and the batch mean.
 */
function gradientTerms(
  x: Float32Array,
  dy: Float32Array,
  c: number,
): { dgammaTerms: number; dbetaTerms: number; meanTerms: number } {
  const rows = x.length / c;
  let dgammaTerms = 0;
  let dbetaTerms = 0;
  let meanTerms = 0;
  for (let j = 0; j < c; j++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m += x[r * c + j]!;
    m /= rows;
    let v = 0;
    for (let r = 0; r < rows; r++) v += (x[r * c + j]! - m) ** 2;
    const sd = Math.sqrt(v / rows) || 1;
    let g = 0;
    let b = 0;
    let a = 0;
    for (let r = 0; r < rows; r++) {
      g += Math.abs((dy[r * c + j]! * (x[r * c + j]! - m)) / sd);
      b += Math.abs(dy[r * c + j]!);
      a += Math.abs(x[r * c + j]!);
    }
    dgammaTerms = Math.max(dgammaTerms, g);
    dbetaTerms = Math.max(dbetaTerms, b);
    meanTerms = Math.max(meanTerms, a / rows);
  }
  return { dgammaTerms, dbetaTerms, meanTerms };
}

/** max |a − b| / max(max |b|, floor) (0 when both are 0). */
function relErr(a: Float32Array, b: Float32Array, floor = 0): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = floor;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d === 0 ? 0 : d / m;
}

function expectClose(a: Outcome, b: Outcome, tol = 1e-4): void {
  for (const key of ['y', 'movingMean', 'movingVariance', 'dx', 'dgamma', 'dbeta'] as const) {
    const floor =
      key === 'dgamma'
        ? b.dgammaTerms
        : key === 'dbeta'
          ? b.dbetaTerms
          : key === 'movingMean'
            ? b.movingMeanTerms
            : 0;
    const e = relErr(a[key], b[key], floor);
    if (!(e <= tol)) throw new Error(`${key}: relative error ${e} > ${tol}`);
  }
}

/** Runs f with the fused path switched off (BraggBatchNorm unregistered on wasm). */
async function unfused<T>(f: () => Promise<T>): Promise<T> {
  tf.unregisterKernel(BATCH_NORM, 'wasm');
  try {
    return await f();
  } finally {
    tf.registerKernel(batchNormConfig);
  }
}

async function onCpu<T>(f: () => Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return await f();
  } finally {
    await tf.setBackend('wasm');
  }
}

/**
 * At least 3 rows a channel: with 2, x̂ = ±1 whatever x, dx is 0 up to rounding and a relative
 * error means nothing.
 */
const caseArb = fc.record({
  shape: fc.oneof(
    fc.tuple(fc.integer({ min: 3, max: 41 }), fc.integer({ min: 1, max: 20 })),
    fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: 3, max: 9 }),
      fc.integer({ min: 1, max: 20 }),
    ),
  ),
  epsilon: fc.constantFrom(1e-3, 1e-5, 0.1),
  momentum: fc.constantFrom(0.99, 0.9, 0.5, 0),
  seed: fc.nat({ max: 1e6 }),
});

export function batchNormSuite(): void {
  describe('fused training-mode batch normalisation (BraggBatchNorm)', () => {
    beforeAll(async () => {
      const { simd } = await wasmWithSimd();
      expectBuild(simd);
    });
    afterAll(async () => {
      await tf.setBackend('wasm');
    });

    it('is registered and BatchNormalization.call is wrapped once', () => {
      registerWasmTrainingKernels();
      expect(tf.getKernel(BATCH_NORM, 'wasm')).toBeDefined();
      expect(batchNormCallHooked()).toBe(true);
    });

    it('equals tfjs-layers on wasm and cpu: output, moving statistics, dx, dγ, dβ', async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (k) => {
          const fused = await runCase(k);
          expect(fused.kernels).toContain(BATCH_NORM);
          const stock = await unfused(() => runCase(k));
          expect(stock.kernels).not.toContain(BATCH_NORM);
          expect(stock.kernels).toContain('FusedBatchNorm');
          expectClose(fused, stock);
          const cpu = await onCpu(() => runCase(k));
          expect(cpu.kernels).not.toContain(BATCH_NORM);
          expectClose(fused, cpu);
        }),
        { numRuns: RUNS },
      );
    });

    it('equals tfjs-layers over several row blocks (a partial last one)', async () => {
      // blockRows: 585 rows a block at 7 channels, 1365 at 3, 8 at 600.
      const cases: Case[] = [
        { shape: [3, 37, 41, 7], epsilon: 1e-3, momentum: 0.9, seed: 5 },
        { shape: [3001, 3], epsilon: 1e-5, momentum: 0.99, seed: 6 },
        { shape: [2, 3, 7, 600], epsilon: 1e-3, momentum: 0.5, seed: 7 },
      ];
      for (const k of cases) {
        const fused = await runCase(k);
        expect(fused.kernels).toContain(BATCH_NORM);
        expectClose(fused, await unfused(() => runCase(k)));
        expectClose(fused, await onCpu(() => runCase(k)));
      }
    });

    it('keeps the variance accurate for |μ| ≫ σ (shifted sums, float64 totals): kernel and JS', () => {
      const rows = 1001;
      const x = randoms(rows * 2, 7, 1e-3, 1e3);
      const kernel = tf.tidy(() => {
        const outs = tf
          .engine()
          .runKernel(
            BATCH_NORM,
            { x: tf.tensor2d(x, [rows, 2]), gamma: tf.ones([2]), beta: tf.zeros([2]) },
            { epsilon: 0 },
          ) as tf.Tensor[];
        return outs.map((t) => t.dataSync() as Float32Array);
      });
      const y = new Float32Array(x.length);
      const mean = new Float32Array(2);
      const variance = new Float32Array(2);
      batchNormForwardInto(
        x,
        new Float32Array([1, 1]),
        new Float32Array(2),
        2,
        0,
        y,
        mean,
        variance,
      );
      for (const [m1, v1] of [
        [mean, variance],
        [kernel[1]!, kernel[2]!],
      ] as const) {
        for (let j = 0; j < 2; j++) {
          let m = 0;
          for (let r = 0; r < rows; r++) m += x[r * 2 + j]!;
          m /= rows;
          let v = 0;
          for (let r = 0; r < rows; r++) v += (x[r * 2 + j]! - m) ** 2;
          v /= rows;
          expect(Math.abs(v1[j]! - v) / v).toBeLessThan(1e-5);
          expect(Math.abs(m1[j]! - m) / m).toBeLessThan(1e-7);
        }
      }
    });

    it('the JS reference loops equal the kernels (forward and gradient)', () => {
      fc.assert(
        fc.property(caseArb, (k) => {
          const c = k.shape[k.shape.length - 1]!;
          const n = k.shape.reduce((a, b) => a * b, 1);
          const xv = randoms(n, k.seed, 2, 0.5);
          const dyv = randoms(n, k.seed + 1);
          const gv = randoms(c, k.seed + 2, 0.5, 1);
          const bv = randoms(c, k.seed + 3);
          const [y, mean, variance, dx, dgamma, dbeta] = tf.tidy(() => {
            const x = tf.tensor(xv, k.shape);
            const gamma = tf.tensor1d(gv);
            const attrs = { epsilon: k.epsilon };
            const fwd = tf
              .engine()
              .runKernel(BATCH_NORM, { x, gamma, beta: tf.tensor1d(bv) }, attrs) as tf.Tensor[];
            const bwd = tf
              .engine()
              .runKernel(
                BATCH_NORM_GRAD,
                { dy: tf.tensor(dyv, k.shape), x, gamma, mean: fwd[1]!, variance: fwd[2]! },
                attrs,
              ) as tf.Tensor[];
            return [...fwd, ...bwd].map((t) => t.dataSync() as Float32Array);
          }) as [
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
          ];
          const ref = {
            y: new Float32Array(n),
            mean: new Float32Array(c),
            variance: new Float32Array(c),
            dx: new Float32Array(n),
            dgamma: new Float32Array(c),
            dbeta: new Float32Array(c),
          };
          batchNormForwardInto(xv, gv, bv, c, k.epsilon, ref.y, ref.mean, ref.variance);
          batchNormBackwardInto(
            dyv,
            xv,
            gv,
            mean,
            variance,
            c,
            k.epsilon,
            ref.dx,
            ref.dgamma,
            ref.dbeta,
          );
          const got = { y, mean, variance, dx, dgamma, dbeta };
          const terms = gradientTerms(xv, dyv, c);
          for (const key of Object.keys(ref) as (keyof typeof ref)[]) {
            const floor =
              key === 'dgamma'
                ? terms.dgammaTerms
                : key === 'dbeta'
                  ? terms.dbetaTerms
                  : key === 'mean'
                    ? terms.meanTerms
                    : 0;
            const e = relErr(got[key], ref[key], floor);
            if (!(e <= 1e-5)) throw new Error(`${key}: relative error ${e}`);
          }
        }),
        { numRuns: RUNS },
      );
    });

    it('leaves inference, a non-last axis and a frozen BN to tfjs-layers', async () => {
      const k: Case = { shape: [2, 5, 3, 4], epsilon: 1e-3, momentum: 0.9, seed: 3 };
      const x = tf.tensor(randoms(120, 11, 1, 2), k.shape);
      const kernelsOf = async (f: () => tf.Tensor): Promise<string[]> =>
        (await tf.profile(() => f() as unknown as tf.TensorContainer)).kernelNames;

      const inference = tf.layers.batchNormalization({});
      expect(
        await kernelsOf(() => inference.apply(x, { training: false }) as tf.Tensor),
      ).not.toContain(BATCH_NORM);

      const channelsFirst = tf.layers.batchNormalization({ axis: 1 });
      const viaAxis1 = await kernelsOf(
        () => channelsFirst.apply(x, { training: true }) as tf.Tensor,
      );
      expect(viaAxis1).not.toContain(BATCH_NORM);
      expect(viaAxis1).toContain('FusedBatchNorm');

      const frozen = tf.layers.batchNormalization({ momentum: 0.5 });
      frozen.build(k.shape);
      frozen.setWeights([
        tf.tensor1d([1, 2, 3, 4]),
        tf.tensor1d([0, 1, 0, 1]),
        tf.tensor1d([2, 2, 2, 2]),
        tf.tensor1d([1, 4, 1, 4]),
      ]);
      setBatchNormFrozen(frozen, true);
      const before = frozen.getWeights().map((t) => t.arraySync());
      let trained: number[] = [];
      const ks = await kernelsOf(() => {
        const yt = frozen.apply(x, { training: true }) as tf.Tensor;
        trained = Array.from(yt.dataSync());
        return yt;
      });
      expect(ks).not.toContain(BATCH_NORM);
      expect(frozen.getWeights().map((t) => t.arraySync())).toEqual(before);
      const inferred = tf.tidy(() => Array.from((frozen.apply(x) as tf.Tensor).dataSync()));
      expect(trained).toEqual(inferred);

      setBatchNormFrozen(frozen, false);
      const thawed = await kernelsOf(() => frozen.apply(x, { training: true }) as tf.Tensor);
      expect(thawed).toContain(BATCH_NORM);
      expect(frozen.getWeights()[2]!.arraySync()).not.toEqual(before[2]);
      x.dispose();
    });

    it('does not leak tensors in a training step', () => {
      const layer = tf.layers.batchNormalization({});
      const x = tf.variable(tf.tensor(randoms(3 * 5 * 5 * 6, 1), [3, 5, 5, 6]));
      layer.apply(x, { training: true });
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)),
        [x, ...layer.trainableWeights.map((v) => v.read() as tf.Variable)],
      );
      tf.dispose([value, grads]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  });
}
