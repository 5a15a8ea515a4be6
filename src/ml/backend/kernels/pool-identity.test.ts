/**
 * bragg's wasm MaxPoolGrad, Identity and Tile, and the GEMM filter gradient on the shapes the
 * reference nets use, against the tfjs `cpu` backend.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { registerWasmTrainingKernels } from './register.js';

type Shape4 = [number, number, number, number];

/** Values on a coarse grid (many exact ties inside pooling windows) or continuous. */
function data(n: number, seed: number, ties: boolean): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () =>
    ties ? Math.round(rng.uniform(-2, 2)) : rng.uniform(-1, 1),
  );
}
const size = (s: readonly number[]): number => s.reduce((p, q) => p * q, 1);

async function onBoth(f: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend('wasm');
  const a = tf.tidy(f);
  const av = a.dataSync() as Float32Array;
  a.dispose();
  await tf.setBackend('cpu');
  const b = tf.tidy(f);
  const bv = b.dataSync() as Float32Array;
  b.dispose();
  await tf.setBackend('wasm');
  return [av, bv];
}

describe('wasm MaxPoolGrad, Identity, Tile, filter-gradient GEMM vs cpu', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  it('MaxPoolGrad equals cpu exactly, including the first-maximum rule for ties', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 9 }),
          w: fc.integer({ min: 1, max: 9 }),
          c: fc.integer({ min: 1, max: 5 }),
          ph: fc.integer({ min: 1, max: 3 }),
          pw: fc.integer({ min: 1, max: 3 }),
          sh: fc.integer({ min: 1, max: 3 }),
          sw: fc.integer({ min: 1, max: 3 }),
          pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
          ties: fc.boolean(),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        }),
        async (c) => {
          fc.pre(c.pad === 'same' || (c.ph <= c.h && c.pw <= c.w));
          const xs: Shape4 = [c.batch, c.h, c.w, c.c];
          const xv = data(size(xs), c.seed, c.ties);
          const [a, b] = await onBoth(() => {
            const x = tf.tensor4d(xv, xs);
            const g = tf.grad((t: tf.Tensor) => {
              const y = tf.maxPool(t as tf.Tensor4D, [c.ph, c.pw], [c.sh, c.sw], c.pad);
              // Distinct weights per output element so that every routing error shows.
              return y.mul(tf.range(1, y.size + 1).reshape(y.shape)).sum();
            });
            return g(x);
          });
          expect(Array.from(a)).toEqual(Array.from(b));
        },
      ),
      { numRuns: 60, seed: 21 },
    );
  });

  it('MaxPoolGrad routes like cpu when windows hold NaN or only -Infinity', async () => {
    const xv = Float32Array.from([NaN, 1, 2, NaN, NaN, NaN, -Infinity, -Infinity, 3, NaN, 3, 0]);
    const [a, b] = await onBoth(() =>
      tf.grad((t: tf.Tensor) => {
        const y = tf.maxPool(t as tf.Tensor4D, [1, 2], [1, 2], 'valid');
        return y.mul(tf.range(1, y.size + 1).reshape(y.shape)).sum();
      })(tf.tensor4d(xv, [1, 1, 12, 1])),
    );
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('Tile equals cpu for ranks 0–5, reps 1–3 (and 0), float32/int32/bool', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }),
        fc.constantFrom<'float32' | 'int32' | 'bool'>('float32', 'int32', 'bool'),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (shape, reps5, dtype, seed) => {
          const reps = reps5.slice(0, shape.length);
          const v = data(size(shape), seed, true);
          // bool via a comparison (the stock wasm Cast float32→bool keeps values like 2).
          const make = (): tf.Tensor => {
            const t = tf.tensor(v, shape, 'float32');
            return dtype === 'bool' ? tf.greater(t, 0) : t.cast(dtype);
          };
          const [a, b] = await onBoth(() => tf.tile(make(), reps).cast('float32'));
          expect(Array.from(a)).toEqual(Array.from(b));
        },
      ),
      { numRuns: 80, seed: 23 },
    );
  });

  it('MaxPool1D gradient (as used by phase1d) equals cpu', async () => {
    const xv = data(2 * 17 * 4, 3, true);
    const [a, b] = await onBoth(() =>
      tf.grad((t: tf.Tensor) =>
        (tf.layers.maxPooling1d({ poolSize: 2 }).apply(t) as tf.Tensor).square().sum(),
      )(tf.tensor3d(xv, [2, 17, 4])),
    );
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('Identity shares the buffer: clones survive their source, no tensor or buffer leaks', async () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = tf.memory().numTensors;
    const idsBefore = backend.numDataIds();
    const x = tf.tensor1d([1, 2, 3]);
    const y = x.clone();
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    // Gradients through saved (cloned) tensors, repeated: counts stay constant.
    const w = tf.tidy(() => tf.variable(tf.tensor2d([0.5, -1, 2, 0.25], [2, 2])));
    const step = (): void =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.relu(w.matMul(w)).square().sum(), [w]);
        w.assign(w.sub(grads[w.name]!.mul(0.01)));
      });
    step();
    const mid = tf.memory().numTensors;
    const midIds = backend.numDataIds();
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(mid);
    expect(backend.numDataIds()).toBe(midIds);
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(backend.numDataIds()).toBe(idsBefore);
  });

  it('Conv2DBackpropFilter (im2col GEMM) matches cpu on the reference nets’ layer shapes', async () => {
    // [x shape, filter shape, stride, pad]: small2d conv1/conv2, phase1d conv2 (as 2D),
    // xception stem (stride 2, valid), an entry-flow 1×1 stride-2 residual and a pointwise conv.
    const cases: [Shape4, Shape4, number, 'same' | 'valid'][] = [
      [[2, 16, 16, 1], [3, 3, 1, 16], 1, 'same'],
      [[2, 8, 8, 16], [3, 3, 16, 8], 1, 'same'],
      [[3, 1, 40, 8], [1, 6, 8, 8], 1, 'valid'],
      [[2, 19, 19, 3], [3, 3, 3, 8], 2, 'valid'],
      [[2, 9, 9, 8], [1, 1, 8, 12], 2, 'same'],
      [[2, 5, 5, 12], [1, 1, 12, 7], 1, 'same'],
    ];
    for (const [i, [xs, fs, s, pad]] of cases.entries()) {
      const xv = data(size(xs), 100 + i, false);
      const [a, b] = await onBoth(() =>
        tf.grad((f: tf.Tensor) =>
          tf
            .conv2d(tf.tensor4d(xv, xs), f as tf.Tensor4D, s, pad)
            .sin()
            .sum(),
        )(tf.tensor4d(data(size(fs), 200 + i, false), fs)),
      );
      let num = 0;
      let den = 0;
      for (let k = 0; k < b.length; k++) {
        num = Math.max(num, Math.abs(a[k]! - b[k]!));
        den = Math.max(den, Math.abs(b[k]!));
      }
      expect(num / den, `case ${i}`).toBeLessThan(1e-4);
    }
  });
});
