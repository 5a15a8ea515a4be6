/**
 * Winograd F(2×2, 3×3) (conv2d-winograd.ts) against the cpu backend's conv2d, both roles
 * (forward: w as is; flipped: the input-gradient filter, checked against cpu's conv2d with the
 * transposed, reversed filter), odd/even maps, channels off multiples of 4 and 8, padded and
 * valid, 2 threads, both builds.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../select.js';
import { simdKernelDir } from '../simd/module.js';
import { conv2dWinograd, winogradStats } from './conv2d-winograd.js';

const built = existsSync(join(simdKernelDir(), 'kernels-relaxed-shared.wasm'));
const data = (n: number, s: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + s * 78.233));

const CASES: [number, number, number, number, number, number][] = [
  // batch, h, w, ci, co, pad (1: 'same', 0: valid)
  [1, 1, 1, 3, 5, 1],
  [2, 5, 7, 13, 8, 1],
  [3, 16, 16, 64, 64, 1],
  [1, 7, 3, 5, 13, 0],
  [2, 3, 5, 8, 3, 1],
  [1, 16, 7, 64, 13, 0],
  [2, 2, 16, 5, 64, 1],
];

describe.skipIf(!built)('Winograd F(2×2, 3×3)', () => {
  for (const fma of [true, false]) {
    it(`matches cpu, both roles (${fma ? 'fused multiply-add' : 'plain SIMD'} build, 2 threads)`, async () => {
      const simd = (await initBackend({ backend: 'wasm', threads: 2, fma, parallelMinWork: 0 }))
        .simdKernels!;
      expect(simd.fma).toBe(fma);
      const before = winogradStats.calls;
      let runs = 0;
      for (const [b, h, w, ci, co, p] of CASES) {
        for (const role of ['forward', 'flipped'] as const) {
          const fs: [number, number, number, number] =
            role === 'forward' ? [3, 3, ci, co] : [3, 3, co, ci];
          const xv = data(b * h * w * ci, h + w);
          const fv = data(9 * ci * co, ci + co);
          await tf.setBackend('wasm');
          const x = tf.tensor4d(xv, [b, h, w, ci]);
          const f = tf.tensor4d(fv, fs);
          const pad = { top: p, bottom: p, left: p, right: p };
          const info = conv2dWinograd(tf.backend() as BackendWasm, simd, x, f, pad, role);
          const y = tf.engine().makeTensorFromTensorInfo(info);
          const got = y.dataSync() as Float32Array;
          tf.dispose([x, f, y]);
          await tf.setBackend('cpu');
          const want = tf.tidy(() => {
            let f2 = tf.tensor4d(fv, fs);
            if (role === 'flipped') f2 = tf.reverse(tf.transpose(f2, [0, 1, 3, 2]), [0, 1]);
            const x2 = tf.tensor4d(xv, [b, h, w, ci]);
            return tf.conv2d(x2, f2, 1, p === 1 ? 'same' : 'valid').dataSync();
          });
          expect(got.length).toBe(want.length);
          let err = 0;
          let big = 1e-30;
          for (let i = 0; i < want.length; i++) {
            err = Math.max(err, Math.abs(got[i]! - want[i]!));
            big = Math.max(big, Math.abs(want[i]!));
          }
          expect(err / big).toBeLessThan(1e-5);
          runs++;
        }
      }
      await tf.setBackend('wasm');
      expect(winogradStats.calls - before).toBe(runs);
    });
  }

  it('tf.conv2d and its input gradient route 3×3 stride 1 with ≥ 32 channels to Winograd', async () => {
    await initBackend({ backend: 'wasm', threads: 2, parallelMinWork: 0 });
    const xs: [number, number, number, number] = [2, 7, 6, 32];
    const fs: [number, number, number, number] = [3, 3, 32, 40];
    const xv = data(2 * 7 * 6 * 32, 3);
    const fv = data(9 * 32 * 40, 4);
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor4d(xv, xs);
        const f = tf.tensor4d(fv, fs);
        const loss = (a: tf.Tensor): tf.Scalar =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, f, 1, 'same')));
        return [tf.conv2d(x, f, 1, 'same'), tf.grad(loss)(x)].map(
          (t) => t.dataSync() as Float32Array,
        );
      });
    await tf.setBackend('wasm');
    const before = winogradStats.calls;
    const got = run();
    // forward, the gradient's forward and its input gradient (flipped role)
    expect(winogradStats.calls - before).toBe(3);
    await tf.setBackend('cpu');
    const want = run();
    await tf.setBackend('wasm');
    for (let k = 0; k < 2; k++) {
      let err = 0;
      let big = 1e-30;
      for (let i = 0; i < want[k]!.length; i++) {
        err = Math.max(err, Math.abs(got[k]![i]! - want[k]![i]!));
        big = Math.max(big, Math.abs(want[k]![i]!));
      }
      expect(err / big).toBeLessThan(1e-5);
    }
  });
});
