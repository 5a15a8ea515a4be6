/**
 * Test cases of bragg's SIMD Conv2D (conv2d-simd.ts), shared by the FMA and the plain-SIMD test
 * files: Conv2D forward, FusedConv2D (bias, activations, the cases left to the stock kernel) and
 * Conv2DBackpropInput against the tfjs cpu backend on random shapes
 * (filters 1..7, strides 1 and 2, same/valid, channel counts off multiples of 4 and 8, batch
 * 1..3), and each range kernel called in two halves against one call.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { initBackend } from '../../../../../src/ml/backend/select.js';
import { heapOffset } from '../../../../../src/ml/backend/simd/module.js';
import type { SimdKernels } from '../../../../../src/ml/backend/simd/module.js';
import { data, size, wasmVsCpu as compare } from './compare.js';

type Shape4 = [number, number, number, number];

const convCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 1, max: 12 }),
  w: fc.integer({ min: 1, max: 12 }),
  ci: fc.integer({ min: 1, max: 11 }),
  co: fc.integer({ min: 1, max: 19 }),
  kh: fc.integer({ min: 1, max: 7 }),
  kw: fc.integer({ min: 1, max: 7 }),
  stride: fc.constantFrom(1, 2),
  pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

const legal = (c: ConvCase): boolean => c.pad === 'same' || (c.kh <= c.h && c.kw <= c.w);
const outShape = (c: Omit<ConvCase, 'stride'> & { stride: number }): Shape4 =>
  tf.tidy(
    () =>
      tf.conv2d(
        tf.zeros([c.batch, c.h, c.w, c.ci]) as tf.Tensor4D,
        tf.zeros([c.kh, c.kw, c.ci, c.co]) as tf.Tensor4D,
        c.stride,
        c.pad,
      ).shape,
  ) as Shape4;

const TOL = 1e-4;
const RUNS = 40;

/** The test cases on the wasm backend started with the build `fma` asks for. */
export function convTests(fma: boolean): void {
  let simd: SimdKernels;
  beforeAll(async () => {
    const loaded = (await initBackend({ backend: 'wasm', threads: 1, fma })).simdKernels;
    expect(loaded).toBeDefined();
    simd = loaded!;
  });

  it(`loads the ${fma ? 'fused multiply-add' : 'plain SIMD'} build`, () => {
    expect(simd.fma).toBe(fma);
  });

  it('Conv2D matches cpu (filters 1..7, strides 1/2, same/valid, odd channels)', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, async (c) => {
        fc.pre(legal(c));
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
        const err = await compare(() =>
          tf.conv2d(
            tf.tensor4d(data(size(xs), c.seed), xs),
            tf.tensor4d(data(size(fs), c.seed + 1), fs),
            c.stride,
            c.pad,
          ),
        );
        expect(err).toBeLessThan(TOL);
      }),
      { numRuns: RUNS, seed: 21 },
    );
  });

  it('Conv2DBackpropInput matches cpu (filters 1..7, strides 1/2, same/valid)', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, async (c) => {
        fc.pre(legal(c));
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
        const ys = outShape(c);
        const err = await compare(() =>
          tf.conv2dTranspose(
            tf.tensor4d(data(size(ys), c.seed), ys),
            tf.tensor4d(data(size(fs), c.seed + 1), fs),
            xs,
            c.stride,
            c.pad,
          ),
        );
        expect(err).toBeLessThan(TOL);
      }),
      { numRuns: RUNS, seed: 22 },
    );
  });

  it('matches cpu where the cache blocking splits panels into groups and rows into chunks', async () => {
    // [2,5,6,256] 3×3 → 20: 73 KiB of weights per panel (3 groups), 24 KiB of input per output
    // row (2 chunks); [1,3,200,128] 1×1 → 40: 100 KiB per row (chunks of one row).
    const cases: [Shape4, Shape4, 'same' | 'valid'][] = [
      [[2, 5, 6, 256], [3, 3, 256, 20], 'same'],
      [[1, 3, 200, 128], [1, 1, 128, 40], 'valid'],
    ];
    for (const [xs, fs, pad] of cases) {
      const x = data(size(xs), 7);
      const f = data(size(fs), 8);
      const fwd = await compare(() => tf.conv2d(tf.tensor4d(x, xs), tf.tensor4d(f, fs), 1, pad));
      expect(fwd).toBeLessThan(TOL);
      const ys = tf.tidy(
        () => tf.conv2d(tf.zeros(xs) as tf.Tensor4D, tf.tensor4d(f, fs), 1, pad).shape,
      ) as Shape4;
      const dy = data(size(ys), 9);
      const grad = await compare(() =>
        tf.conv2dTranspose(tf.tensor4d(dy, ys), tf.tensor4d(f, fs), xs, 1, pad),
      );
      expect(grad).toBeLessThan(TOL);
    }
  });

  it('1×1 stride-2/3 input gradient (convolved, then spread) matches cpu', async () => {
    for (const [h, w, stride, pad] of [
      [7, 8, 2, 'same'],
      [8, 7, 2, 'valid'],
      [9, 10, 3, 'same'],
      [5, 5, 3, 'valid'],
    ] as const) {
      const xs: Shape4 = [2, h, w, 5];
      const fs: Shape4 = [1, 1, 5, 9];
      const c = { batch: 2, h, w, ci: 5, co: 9, kh: 1, kw: 1, stride, pad, seed: h };
      const ys = outShape(c);
      const err = await compare(() =>
        tf.conv2dTranspose(
          tf.tensor4d(data(size(ys), h), ys),
          tf.tensor4d(data(size(fs), w), fs),
          xs,
          stride,
          pad,
        ),
      );
      expect(err).toBeLessThan(TOL);
    }
  });

  it('filter gradients match cpu on both paths (GEMM on im2col rows below 8 output columns)', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, async (c) => {
        fc.pre(legal(c));
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
        const ys = outShape(c);
        const err = await compare(() => {
          const x = tf.tensor4d(data(size(xs), c.seed), xs);
          const wy = tf.tensor4d(data(size(ys), c.seed + 2), ys);
          return tf.grad((f: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.stride, c.pad), wy)),
          )(tf.tensor4d(data(size(fs), c.seed + 1), fs));
        });
        expect(err).toBeLessThan(TOL);
      }),
      { numRuns: RUNS, seed: 24 },
    );
  });

  it('the GEMM paths (conv2d-gemm.ts) match cpu on ResNet-like small-spatial layers', async () => {
    // 2×2 and 4×4 maps with many channels (forward and filter by GEMM), a 1-channel strided
    // 7×7 stem (input gradient by GEMM + col2im), a strided 3×3 (input gradient by GEMM).
    const cases: [Shape4, Shape4, number][] = [
      [[3, 2, 2, 40], [3, 3, 40, 24], 1],
      [[2, 4, 4, 16], [3, 3, 16, 20], 1],
      [[2, 12, 10, 1], [7, 7, 1, 9], 2],
      [[2, 9, 8, 12], [3, 3, 12, 10], 2],
    ];
    for (const [xs, fs, stride] of cases) {
      const xv = data(size(xs), 11);
      const fv = data(size(fs), 12);
      const f = (): tf.Tensor[] => {
        const x = tf.tensor4d(xv, xs);
        const w = tf.tensor4d(fv, fs);
        const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same')));
        return [tf.conv2d(x, w, stride, 'same'), ...tf.grads(loss)([x, w])];
      };
      for (let i = 0; i < 3; i++) {
        expect(await compare(() => f()[i]!)).toBeLessThan(TOL);
      }
    }
  });

  it('FusedConv2D matches cpu: bias [co] or none, linear / ReLU / leaky ReLU, odd shapes', async () => {
    const fused = fc.record({
      conv: convCase,
      bias: fc.boolean(),
      activation: fc.constantFrom<'linear' | 'relu' | 'leakyrelu'>('linear', 'relu', 'leakyrelu'),
      alpha: fc.constantFrom(0.2, 0.01, 0.5),
    });
    await fc.assert(
      fc.asyncProperty(fused, async ({ conv: c, bias, activation, alpha }) => {
        fc.pre(legal(c));
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
        const err = await compare(() =>
          tf.fused.conv2d({
            x: tf.tensor4d(data(size(xs), c.seed), xs),
            filter: tf.tensor4d(data(size(fs), c.seed + 1), fs),
            strides: c.stride,
            pad: c.pad,
            ...(bias ? { bias: tf.tensor1d(data(c.co, c.seed + 2)) } : {}),
            activation,
            leakyreluAlpha: alpha,
          }),
        );
        expect(err).toBeLessThan(TOL);
      }),
      { numRuns: RUNS, seed: 23 },
    );
  });

  it('FusedConv2D leaves relu6, PReLU, sigmoid and dilation to the stock kernel', async () => {
    const xs: Shape4 = [2, 6, 5, 3];
    const fs: Shape4 = [3, 3, 3, 6];
    const x = (): tf.Tensor4D => tf.tensor4d(data(size(xs), 1), xs);
    const f = (): tf.Tensor4D => tf.tensor4d(data(size(fs), 2), fs);
    const cases: (() => tf.Tensor)[] = [
      () => tf.fused.conv2d({ x: x(), filter: f(), strides: 1, pad: 'same', activation: 'relu6' }),
      () =>
        tf.fused.conv2d({
          x: x(),
          filter: f(),
          strides: 1,
          pad: 'same',
          activation: 'prelu',
          preluActivationWeights: tf.tensor1d(data(6, 3)),
        }),
      () =>
        tf.fused.conv2d({ x: x(), filter: f(), strides: 1, pad: 'same', activation: 'sigmoid' }),
      () => tf.fused.conv2d({ x: x(), filter: f(), strides: 1, pad: 'same', dilations: 2 }),
    ];
    for (const run of cases) expect(await compare(run)).toBeLessThan(TOL);
  });

  it('a Conv2D layer with a bias trains as on cpu (FusedConv2D forward, bragg gradients)', async () => {
    const xs: Shape4 = [3, 7, 6, 4];
    const grads = async (): Promise<Float32Array> => {
      const layer = tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', useBias: true });
      layer.build(xs);
      layer.setWeights([
        tf.tensor4d(data(3 * 3 * 4 * 5, 4), [3, 3, 4, 5]),
        tf.tensor1d(data(5, 5)),
      ]);
      const x = tf.tensor4d(data(size(xs), 6), xs);
      const w = tf.tensor4d(data(3 * 7 * 6 * 5, 7), [3, 7, 6, 5]);
      const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      const { grads: g, value } = tf.variableGrads(
        () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar,
        vars,
      );
      const out = Float32Array.from([
        value.dataSync()[0]!,
        ...vars.flatMap((v) => Array.from(g[v.name]!.dataSync())),
      ]);
      tf.dispose([x, w, value, g]);
      for (const v of layer.weights) v.dispose();
      return out;
    };
    const onWasm = await grads();
    await tf.setBackend('cpu');
    const onCpu = await grads();
    await tf.setBackend('wasm');
    let err = 0;
    for (let i = 0; i < onCpu.length; i++) {
      err = Math.max(err, Math.abs(onWasm[i]! - onCpu[i]!) / (1 + Math.abs(onCpu[i]!)));
    }
    expect(err).toBeLessThan(TOL);
  });

  it('each range kernel called in two halves equals one call', () => {
    const backend = tf.backend() as BackendWasm;
    const [n, h, w, ci, co, k, pad] = [3, 5, 7, 3, 11, 3, 1];
    const [hp, wp] = [h + 2 * pad, w + 2 * pad];
    const [oh, ow] = [hp - k + 1, wp - k + 1];
    const panels = Math.ceil(co / 8);
    const x = tf.tensor4d(data(n * h * w * ci, 5), [n, h, w, ci]);
    const f = tf.tensor4d(data(k * k * ci * co, 6), [k, k, ci, co]);
    const at = (t: tf.Tensor): number => heapOffset(backend, t);
    /** Runs the pad, pack and conv kernels, each over [0, total) in the given splits. */
    const run = (split: (total: number) => number[]): Float32Array => {
      const xp = tf.zeros([n, hp, wp, ci]);
      const packed = tf.zeros([panels * k * k * ci * 8]);
      const packedT = tf.zeros([Math.ceil(ci / 8) * k * k * co * 8]);
      const y = tf.zeros([n, oh, ow, co]);
      const parts = (total: number, call: (a: number, b: number) => void): void => {
        const cuts = [0, ...split(total), total];
        for (let i = 0; i + 1 < cuts.length; i++) call(cuts[i]!, cuts[i + 1]!);
      };
      const e = simd.exports;
      parts(n * hp, (a, b) => e.convPadInput(at(x), at(xp), h, w, ci, hp, wp, pad, pad, a, b));
      parts(panels, (a, b) => e.convPackFilter(at(f), at(packed), k * k * ci, co, a, b));
      const tp = Math.ceil(ci / 8);
      parts(tp, (a, b) => e.convPackFilterFlipped(at(f), at(packedT), k, k, ci, co, a, b));
      const geo = [hp, wp, ci, oh, ow, co, k, k, 1, 1] as const;
      parts(n * oh, (a, b) => e.conv2dForward(at(xp), at(packed), at(y), ...geo, a, b));
      const out = Float32Array.from([
        ...(y.dataSync() as Float32Array),
        ...(xp.dataSync() as Float32Array),
        ...(packedT.dataSync() as Float32Array),
      ]);
      tf.dispose([xp, packed, packedT, y]);
      return out;
    };
    const whole = run(() => []);
    const halves = run((total) => [Math.floor(total / 2)]);
    expect(halves).toEqual(whole);
    expect(whole.some((v) => v !== 0)).toBe(true);
    tf.dispose([x, f]);
  });
}
