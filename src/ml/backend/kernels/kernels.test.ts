/**
 * bragg's wasm training kernels against the tfjs `cpu` backend (the reference implementation),
 * property-based over shapes, strides 1 and 2, same/valid padding, dilation and batch size.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from './register.js';
import {
  data,
  size,
  wasmVsCpu as compare,
} from '../../../../test/support/ml/backend/kernels/compare.js';

type Shape4 = [number, number, number, number];

const convCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 3, max: 11 }),
  w: fc.integer({ min: 3, max: 11 }),
  ci: fc.integer({ min: 1, max: 5 }),
  co: fc.integer({ min: 1, max: 6 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  stride: fc.constantFrom(1, 2),
  dilation: fc.constantFrom(1, 2),
  pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
  mult: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

/** tfjs allows stride > 1 only with dilation 1; 'valid' needs the kernel to fit. */
function legal(c: ConvCase): boolean {
  if (c.stride > 1 && c.dilation > 1) return false;
  const effH = (c.kh - 1) * c.dilation + 1;
  const effW = (c.kw - 1) * c.dilation + 1;
  return c.pad === 'same' || (effH <= c.h && effW <= c.w);
}

const TOL = 1e-4;
const RUNS = 25;

describe('wasm training kernels vs cpu', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  it('Conv2DBackpropFilter matches cpu (strides 1/2, same/valid, batch ≥ 1)', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, async (c) => {
        fc.pre(legal(c) && c.dilation === 1);
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
        const ys = tf.tidy(
          () =>
            tf.conv2d(tf.zeros(xs) as tf.Tensor4D, tf.zeros(fs) as tf.Tensor4D, c.stride, c.pad)
              .shape,
        );
        const err = await compare(() => {
          const x = tf.tensor4d(data(size(xs), c.seed), xs);
          const dy = tf.tensor4d(data(size(ys), c.seed + 1), ys as Shape4);
          const f = tf.tensor4d(data(size(fs), c.seed + 2), fs);
          const g = tf.grad((b: tf.Tensor) =>
            tf
              .conv2d(x, b as tf.Tensor4D, c.stride, c.pad)
              .mul(dy)
              .sum(),
          );
          return g(f);
        });
        expect(err).toBeLessThan(TOL);
      }),
      { numRuns: RUNS, seed: 11 },
    );
  });

  it('Conv2DBackpropInput matches cpu (strides 1/2, same/valid, batch ≥ 1)', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, async (c) => {
        fc.pre(legal(c) && c.dilation === 1);
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.co];
        const ys = tf.tidy(
          () =>
            tf.conv2d(tf.zeros(xs) as tf.Tensor4D, tf.zeros(fs) as tf.Tensor4D, c.stride, c.pad)
              .shape,
        );
        const err = await compare(() =>
          tf.conv2dTranspose(
            tf.tensor4d(data(size(ys), c.seed), ys as Shape4),
            tf.tensor4d(data(size(fs), c.seed + 1), fs),
            xs,
            c.stride,
            c.pad,
          ),
        );
        expect(err).toBeLessThan(TOL);
      }),
      { numRuns: RUNS, seed: 12 },
    );
  });

  it('DepthwiseConv2dNative gradients (input and filter) match cpu, incl. dilation and multiplier', async () => {
    await fc.assert(
      fc.asyncProperty(convCase, async (c) => {
        fc.pre(legal(c));
        const xs: Shape4 = [c.batch, c.h, c.w, c.ci];
        const fs: Shape4 = [c.kh, c.kw, c.ci, c.mult];
        const grads = (): tf.Tensor[] => {
          const x = tf.tensor4d(data(size(xs), c.seed), xs);
          const f = tf.tensor4d(data(size(fs), c.seed + 1), fs);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf
              .depthwiseConv2d(
                a as tf.Tensor4D,
                b as tf.Tensor4D,
                c.stride,
                c.pad,
                'NHWC',
                c.dilation,
              )
              .mul(tf.sin(tf.range(0, 1).reshape([1, 1, 1, 1]).add(a.mean())).add(0.3))
              .square()
              .sum(),
          );
          return g([x, f]);
        };
        if (c.dilation === 1) {
          expect(await compare(() => grads()[0]!)).toBeLessThan(TOL);
          expect(await compare(() => grads()[1]!)).toBeLessThan(TOL);
        }
        if (c.dilation === 1) return;
        // tfjs's gradient (and the cpu backprop kernels) ignore dilation > 1, so check the
        // kernels by the adjoint identity against the cpu forward convolution:
        // <conv(x, W), dy> = <x, backpropInput(dy, W)> = <W, backpropFilter(x, dy)>.
        const ys = tf.tidy(
          () =>
            tf.depthwiseConv2d(
              tf.zeros(xs) as tf.Tensor4D,
              tf.zeros(fs) as tf.Tensor4D,
              c.stride,
              c.pad,
              'NHWC',
              c.dilation,
            ).shape,
        ) as Shape4;
        const xv = data(size(xs), c.seed + 3);
        const fv = data(size(fs), c.seed + 4);
        const dyv = data(size(ys), c.seed + 5);
        await tf.setBackend('cpu');
        const fwd = tf.tidy(() =>
          tf
            .depthwiseConv2d(
              tf.tensor4d(xv, xs),
              tf.tensor4d(fv, fs),
              c.stride,
              c.pad,
              'NHWC',
              c.dilation,
            )
            .mul(tf.tensor4d(dyv, ys)),
        );
        const ref = fwd.sum().dataSync()[0]!;
        const scale = fwd.abs().sum().dataSync()[0]! + 1e-6;
        fwd.dispose();
        await tf.setBackend('wasm');
        const attrs = { strides: c.stride, pad: c.pad, dilations: c.dilation };
        const inner = tf.tidy(() => {
          const dx = tf
            .engine()
            .runKernel(
              'DepthwiseConv2dNativeBackpropInput',
              { dy: tf.tensor4d(dyv, ys), filter: tf.tensor4d(fv, fs) },
              { ...attrs, inputShape: xs } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor;
          const dw = tf
            .engine()
            .runKernel(
              'DepthwiseConv2dNativeBackpropFilter',
              { x: tf.tensor4d(xv, xs), dy: tf.tensor4d(dyv, ys) },
              { ...attrs, filterShape: fs } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor;
          return [
            dx.mul(tf.tensor4d(xv, xs)).sum().dataSync()[0]!,
            dw.mul(tf.tensor4d(fv, fs)).sum().dataSync()[0]!,
          ];
        });
        expect(Math.abs(inner[0]! - ref) / scale).toBeLessThan(TOL);
        expect(Math.abs(inner[1]! - ref) / scale).toBeLessThan(TOL);
      }),
      { numRuns: RUNS, seed: 13 },
    );
  });

  it('BatchMatMul with transposes and batches matches cpu', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 1, max: 9 }),
          k: fc.integer({ min: 1, max: 9 }),
          n: fc.integer({ min: 1, max: 9 }),
          ta: fc.boolean(),
          tb: fc.boolean(),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        }),
        async (c) => {
          const as = c.ta ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k];
          const bs = c.tb ? [c.batch, c.n, c.k] : [c.batch, c.k, c.n];
          const err = await compare(() =>
            tf.matMul(
              tf.tensor3d(data(size(as), c.seed), as as [number, number, number]),
              tf.tensor3d(data(size(bs), c.seed + 1), bs as [number, number, number]),
              c.ta,
              c.tb,
            ),
          );
          expect(err).toBeLessThan(TOL);
        },
      ),
      { numRuns: RUNS, seed: 14 },
    );
  });

  it('kernels leak no wasm tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(data(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const f = tf.tensor4d(data(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const d = tf.tensor4d(data(3 * 3 * 3 * 2, 3), [3, 3, 3, 2]);
    const step = (): void =>
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, e: tf.Tensor) =>
          tf
            .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
            .sum()
            .add(tf.depthwiseConv2d(a as tf.Tensor4D, e as tf.Tensor4D, 2, 'same').sum()),
        )([x, f, d]);
        g.forEach((t) => t.dataSync());
      });
    step();
    const before = tf.memory().numTensors;
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const idsBefore = backend.numDataIds();
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(backend.numDataIds()).toBe(idsBefore);
    tf.dispose([x, f, d]);
  });
});
