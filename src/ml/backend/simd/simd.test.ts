/**
 * bragg's SIMD kernel module: it loads over the tfjs wasm memory, its Sum matches the cpu
 * backend, and the worker pool splits a kernel's range across threads with the same result
 * as one call (and reports a trap in a worker as an error instead of hanging).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BraggError } from '../../../core/errors.js';
import { registerWasmTrainingKernels } from '../kernels/register.js';
import { data } from '../../../../test/support/ml/backend/kernels/compare.js';
import { simdKernelDir, simdKernels } from './module.js';
import { SimdPool } from './kernel-pool.js';
import { wasmApi } from './wasm-api.js';
import type { WasmMemory } from './wasm-api.js';

const built = existsSync(join(simdKernelDir(), 'kernels-simd-private.wasm'));

describe.skipIf(!built)('SIMD kernel module', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  it('loads over the wasm backend memory and reports which build it is', () => {
    const simd = simdKernels(tf.backend() as BackendWasm);
    expect(simd).toBeDefined();
    expect(simd!.exports.features()).toBe(simd!.fma ? 2 : 1);
    expect(simd!.shared).toBe(false);
  });

  it('Sum over leading axes equals the cpu backend (any column count, keepDims)', async () => {
    for (const cols of [1, 3, 4, 5, 16, 17, 36, 64]) {
      for (const keepDims of [false, true]) {
        const shape = [3, 5, 7, cols];
        const x = data(
          shape.reduce((a, b) => a * b),
          cols,
        );
        const run = (): Float32Array =>
          tf.tidy(() => tf.tensor(x, shape).sum([0, 1, 2], keepDims)).dataSync() as Float32Array;
        await tf.setBackend('wasm');
        const a = run();
        await tf.setBackend('cpu');
        const b = run();
        await tf.setBackend('wasm');
        expect(a.length).toBe(b.length);
        for (let i = 0; i < b.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 4);
      }
    }
  });

  it('other reductions still go to the stock kernel', async () => {
    const x = data(2 * 3 * 4, 9);
    await tf.setBackend('wasm');
    const a = tf.tidy(() => tf.tensor(x, [2, 3, 4]).sum([1])).dataSync();
    await tf.setBackend('cpu');
    const b = tf.tidy(() => tf.tensor(x, [2, 3, 4]).sum([1])).dataSync();
    await tf.setBackend('wasm');
    expect(Array.from(a).map((v) => v.toFixed(5))).toEqual(Array.from(b).map((v) => v.toFixed(5)));
  });
});

describe.skipIf(!built)('SIMD worker pool', () => {
  const Memory = (
    globalThis as unknown as {
      WebAssembly: { Memory: new (d: object) => WasmMemory };
    }
  ).WebAssembly.Memory;
  const memory = new Memory({ initial: 16, maximum: 65536, shared: true });
  const module = new wasmApi.Module(
    readFileSync(join(simdKernelDir(), 'kernels-simd-shared.wasm')),
  );
  const exports = new wasmApi.Instance(module, { env: { memory } }).exports as Record<
    string,
    (...a: number[]) => unknown
  >;
  const names = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
  const pool = new SimdPool(module, memory, names, 1);
  afterAll(() => pool.close());

  it('splits a range across a worker and the caller with the same result as one call', async () => {
    for (let i = 0; i < 500 && pool.idle() < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(pool.idle()).toBe(1);
    const rows = 100;
    const cols = 64;
    const heap = new Float32Array(memory.buffer);
    heap.set(data(rows * cols, 3), 0);
    const outA = rows * cols * 4;
    const outB = outA + cols * 4;
    exports.sumRows!(0, outA, rows, cols, 0, cols / 4);
    pool.run('sumRows', exports.sumRows!, [0, outB, rows, cols, 0, 0], 4, cols / 4);
    const a = heap.slice(outA / 4, outA / 4 + cols);
    const b = heap.slice(outB / 4, outB / 4 + cols);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(pool.idle()).toBe(1);
  });

  it('a trap in a worker is an error on the caller, and the worker is not used again', () => {
    // One row of 8 columns whose last 4 lie past the end of the memory: the caller's block
    // (columns 0–3) is in bounds, the worker's (columns 4–7) traps.
    const x = memory.buffer.byteLength - 16;
    expect(() => pool.run('sumRows', exports.sumRows!, [x, 0, 1, 8, 0, 0], 4, 2)).toThrow(
      BraggError,
    );
    expect(pool.idle()).toBe(0);
  });
});
