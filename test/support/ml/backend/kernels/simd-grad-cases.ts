/**
 * Property tests of bragg's SIMD filter-gradient kernel against the tfjs `cpu` backend, shared
 * by the test files of the fused multiply-add build and of the plain one (each attaches the
 * build it tests to the wasm backend).
 */
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  attachSimdKernels,
  DEFAULT_SIMD_SETTINGS,
} from '../../../../../src/ml/backend/simd/module.js';
import type { SimdKernels } from '../../../../../src/ml/backend/simd/module.js';
import { conv2dBackpropFilterSimdWith } from '../../../../../src/ml/backend/kernels/conv2d-filter-simd.js';
import { batchMatMulSimd } from '../../../../../src/ml/backend/kernels/matmul-simd.js';

type Shape4 = [number, number, number, number];

import { data, relErr, size } from './compare.js';

export { data, relErr, size };

export const TOL = 1e-4;

/**
 * The SIMD module of the active wasm backend with the build `fma` asks for (fails the test if
 * it does not load).
 */
export async function loadedSimd(
  fma: boolean,
): Promise<{ backend: BackendWasm; simd: SimdKernels }> {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const simd = attachSimdKernels(backend, { ...DEFAULT_SIMD_SETTINGS, fma });
  expect(simd).toBeDefined();
  expect(simd!.fma).toBe(fma);
  return { backend, simd: simd! };
}

export const filterCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 1, max: 12 }),
  w: fc.integer({ min: 1, max: 12 }),
  ci: fc.oneof(fc.constantFrom(1, 3, 4, 8), fc.integer({ min: 1, max: 13 })),
  co: fc.oneof(fc.constantFrom(1, 8, 16), fc.integer({ min: 1, max: 19 })),
  kh: fc.integer({ min: 1, max: 7 }),
  kw: fc.integer({ min: 1, max: 7 }),
  stride: fc.constantFrom(1, 2, 3),
  dilation: fc.constantFrom(1, 1, 2),
  pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
  cuts: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
export type FilterCase = typeof filterCase extends fc.Arbitrary<infer T> ? T : never;

/** tfjs allows stride > 1 only with dilation 1; 'valid' needs the kernel to fit. */
export function legal(c: FilterCase): boolean {
  if (c.stride > 1 && c.dilation > 1) return false;
  const effH = (c.kh - 1) * c.dilation + 1;
  const effW = (c.kw - 1) * c.dilation + 1;
  return c.pad === 'same' || (effH <= c.h && effW <= c.w);
}

/**
 * The defining sum in float64, for dilated cases: tfjs has no gradient of a dilated conv2d
 * (its Conv2DBackpropFilter takes no dilations), so the cpu backend cannot be the reference.
 */
function directSum(c: FilterCase, x: Float32Array, dy: Float32Array): Float32Array {
  const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
  const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
  const info = backend_util.computeConv2DInfo(xs, fs, c.stride, c.dilation, c.pad);
  const { outHeight: oh, outWidth: ow } = info;
  const out = new Float64Array(size(fs));
  for (let b = 0; b < c.batch; b++)
    for (let y = 0; y < oh; y++)
      for (let q = 0; q < ow; q++)
        for (let i = 0; i < c.kh; i++)
          for (let j = 0; j < c.kw; j++) {
            const r = y * c.stride + i * c.dilation - info.padInfo.top;
            const s = q * c.stride + j * c.dilation - info.padInfo.left;
            if (r < 0 || r >= c.h || s < 0 || s >= c.w) continue;
            for (let k = 0; k < c.ci; k++) {
              const xv = x[((b * c.h + r) * c.w + s) * c.ci + k]!;
              for (let o = 0; o < c.co; o++) {
                out[((i * c.kw + j) * c.ci + k) * c.co + o]! +=
                  xv * dy[((b * oh + y) * ow + q) * c.co + o]!;
              }
            }
          }
  return Float32Array.from(out);
}

/** The filter gradient of the case from the cpu backend (the reference; dilated: directSum). */
async function reference(c: FilterCase, x: Float32Array, dy: Float32Array): Promise<Float32Array> {
  if (c.dilation > 1) return directSum(c, x, dy);
  await tf.setBackend('cpu');
  const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
  const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
  const out = tf.tidy(() => {
    const xt = tf.tensor4d(x, xs);
    const g = tf.grad((f: tf.Tensor) => {
      const y = tf.conv2d(xt, f as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation);
      return y.mul(tf.tensor(dy, y.shape)).sum();
    });
    return g(tf.zeros(fs));
  });
  const v = out.dataSync() as Float32Array;
  out.dispose();
  return v;
}

/** Runs the case through the SIMD kernel with the case's range cuts; returns dW. */
async function simdFilter(
  fma: boolean,
  c: FilterCase,
  x: Float32Array,
  dy: Float32Array,
  cuts: number[] | undefined,
): Promise<Float32Array> {
  const { backend, simd } = await loadedSimd(fma);
  const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
  const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
  const info = backend_util.computeConv2DInfo(xs, fs, c.stride, c.dilation, c.pad);
  const ys: Shape4 = [c.batch, info.outHeight, info.outWidth, c.co];
  const xt = tf.tensor4d(x, xs);
  const dyt = tf.tensor4d(dy, ys);
  const out = conv2dBackpropFilterSimdWith(backend, simd, xt, dyt, info, cuts);
  const v = (backend.typedArrayFromHeap(out) as Float32Array).slice();
  backend.disposeData(out.dataId);
  tf.dispose([xt, dyt]);
  return v;
}

/** Registers the filter-gradient property tests for one build. */
export function filterGradientTests(fma: boolean): void {
  it('Conv2DBackpropFilter SIMD equals cpu (ci 1/3/any, co any, strides 1-3, dilation, kernels 1-7)', async () => {
    await fc.assert(
      fc.asyncProperty(filterCase, async (c) => {
        fc.pre(legal(c));
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
        const info = backend_util.computeConv2DInfo(xs, fs, c.stride, c.dilation, c.pad);
        const ys: Shape4 = [c.batch, info.outHeight, info.outWidth, c.co];
        const x = data(size(xs), c.seed);
        const dy = data(size(ys), c.seed + 1);
        const ref = await reference(c, x, dy);
        const got = await simdFilter(fma, c, x, dy, undefined);
        expect(got.length).toBe(ref.length);
        expect(relErr(got, ref)).toBeLessThan(TOL);
      }),
      { numRuns: 60, seed: fma ? 21 : 22 },
    );
  });

  it('Conv2DBackpropFilter SIMD: split tile ranges give exactly the result of one call', async () => {
    await fc.assert(
      fc.asyncProperty(filterCase, async (c) => {
        fc.pre(legal(c) && c.cuts.length > 0);
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
        const info = backend_util.computeConv2DInfo(xs, fs, c.stride, c.dilation, c.pad);
        const ys: Shape4 = [c.batch, info.outHeight, info.outWidth, c.co];
        const x = data(size(xs), c.seed);
        const dy = data(size(ys), c.seed + 1);
        const whole = await simdFilter(fma, c, x, dy, undefined);
        const split = await simdFilter(fma, c, x, dy, c.cuts);
        expect(split).toEqual(whole);
      }),
      { numRuns: 25, seed: fma ? 23 : 24 },
    );
  });

  // Larger than one cache block: several row blocks (small2d's first layer) and column
  // chunks within a row (phase1d's second layer).
  const large: [string, FilterCase][] = [
    ['small2d layer 1, row blocks', { ...LARGE, h: 64, w: 64, ci: 1, co: 16, kh: 3, kw: 3 }],
    [
      'phase1d layer 2, column chunks',
      { ...LARGE, batch: 1, h: 1, w: 71, ci: 64, co: 64, kh: 1, kw: 6, pad: 'valid' },
    ],
    // Many channels: dy (and a 1×1 convolution's x) copied into panels; odd counts.
    ['1x1, ci 100, co 90, packed x and dy', { ...LARGE, h: 5, w: 6, ci: 100, co: 90, cuts: [7] }],
    [
      '3x3 stride 2, ci 20, co 72, packed dy',
      { ...LARGE, h: 9, w: 7, ci: 20, co: 72, kh: 3, kw: 3, stride: 2, cuts: [1, 4] },
    ],
  ];
  it.each(large)('Conv2DBackpropFilter SIMD equals cpu on %s', async (_, c) => {
    const info = backend_util.computeConv2DInfo(
      [c.batch, c.h, c.w, c.ci],
      [c.kh, c.kw, c.ci, c.co],
      c.stride,
      c.dilation,
      c.pad,
    );
    const x = data(size([c.batch, c.h, c.w, c.ci]), 5);
    const dy = data(size([c.batch, info.outHeight, info.outWidth, c.co]), 6);
    const ref = await reference(c, x, dy);
    const got = await simdFilter(fma, c, x, dy, undefined);
    expect(relErr(got, ref)).toBeLessThan(TOL);
    if (c.cuts.length > 0) expect(await simdFilter(fma, c, x, dy, c.cuts)).toEqual(got);
  });
}

const LARGE: FilterCase = {
  batch: 2,
  h: 1,
  w: 1,
  ci: 1,
  co: 1,
  kh: 1,
  kw: 1,
  stride: 1,
  dilation: 1,
  pad: 'same',
  cuts: [],
  seed: 5,
};

const matmulCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  m: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 60, max: 90 })),
  k: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 30, max: 80 })),
  n: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 60, max: 90 })),
  ta: fc.boolean(),
  tb: fc.boolean(),
  cuts: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type MatmulCase = typeof matmulCase extends fc.Arbitrary<infer T> ? T : never;

function matmulShapes(c: MatmulCase): [number, number, number][] {
  return [
    c.ta ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k],
    c.tb ? [c.batch, c.n, c.k] : [c.batch, c.k, c.n],
  ];
}

async function matmulReference(
  c: MatmulCase,
  a: Float32Array,
  b: Float32Array,
): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const [as, bs] = matmulShapes(c);
  const out = tf.tidy(() => tf.matMul(tf.tensor3d(a, as!), tf.tensor3d(b, bs!), c.ta, c.tb));
  const v = out.dataSync() as Float32Array;
  out.dispose();
  return v;
}

async function matmulSimd(
  fma: boolean,
  c: MatmulCase,
  a: Float32Array,
  b: Float32Array,
  cuts: number[] | undefined,
): Promise<Float32Array> {
  const { backend, simd } = await loadedSimd(fma);
  const [as, bs] = matmulShapes(c);
  const at = tf.tensor3d(a, as!);
  const bt = tf.tensor3d(b, bs!);
  const shape = { m: c.m, n: c.n, k: c.k, transposeA: c.ta, transposeB: c.tb };
  const out = batchMatMulSimd(backend, simd, at, bt, shape, c.batch, [c.batch, c.m, c.n], cuts);
  const v = (backend.typedArrayFromHeap(out) as Float32Array).slice();
  backend.disposeData(out.dataId);
  tf.dispose([at, bt]);
  return v;
}

/** Registers the matrix-product property tests for one build. */
export function matmulTests(fma: boolean): void {
  it('BatchMatMul SIMD equals cpu (all four transposes, batch ≥ 1, packed and odd sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(matmulCase, async (c) => {
        const [as, bs] = matmulShapes(c);
        const a = data(size(as!), c.seed);
        const b = data(size(bs!), c.seed + 1);
        const ref = await matmulReference(c, a, b);
        const got = await matmulSimd(fma, c, a, b, undefined);
        expect(got.length).toBe(ref.length);
        expect(relErr(got, ref)).toBeLessThan(TOL);
        if (c.cuts.length > 0) expect(await matmulSimd(fma, c, a, b, c.cuts)).toEqual(got);
      }),
      { numRuns: 60, seed: fma ? 31 : 32 },
    );
  });

  it('BatchMatMul SIMD: every transpose combination of the phase1d dense-layer shapes', async () => {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const c: MatmulCase = { batch: 1, m: 64, k: 896, n: 128, ta, tb, cuts: [], seed: 9 };
        const [as, bs] = matmulShapes(c);
        const a = data(size(as!), 9);
        const b = data(size(bs!), 10);
        const ref = await matmulReference(c, a, b);
        expect(relErr(await matmulSimd(fma, c, a, b, undefined), ref)).toBeLessThan(TOL);
      }
    }
  });
}
