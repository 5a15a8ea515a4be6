/**
 * Two backend configurations in one process: each backend runs bragg's kernels with its own
 * configuration's settings (SIMD build, worker pool, split threshold), never with the other's,
 * and the environment changed after start-up changes nothing. tfjs has one active backend per
 * process, so the configurations take turns; what each one's kernels use is checked while it is
 * active, through the handle `initBackend` returned and the SIMD pool its kernels call.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backendConfig, backendConfigFromEnv } from './config.js';
import { initBackend } from './select.js';
import type { BackendHandle } from './select.js';
import { simdKernels } from './simd/module.js';
import type { SimdKernels } from './simd/module.js';

/** A matrix product through the registered BatchMatMul kernel (bragg's SIMD one on wasm). */
function product(): Float32Array {
  return tf.tidy(() => {
    const a = tf.tensor2d(
      Float32Array.from({ length: 48 * 40 }, (_, i) => ((i * 7) % 13) - 6),
      [48, 40],
    );
    const b = tf.tensor2d(
      Float32Array.from({ length: 40 * 24 }, (_, i) => ((i * 5) % 11) - 5),
      [40, 24],
    );
    return tf.matMul(a, b).dataSync() as Float32Array;
  });
}

/** The product, and how many calls went through `kernels`' worker pool on the way. */
function pooledCalls(kernels: SimdKernels): { value: Float32Array; calls: number } {
  const run = vi.spyOn(kernels.pool!, 'run');
  try {
    return { value: product(), calls: run.mock.calls.length };
  } finally {
    run.mockRestore();
  }
}

/** The SIMD kernels the active backend's kernels find (what a kernel function calls). */
function activeKernels(): SimdKernels | undefined {
  return simdKernels(tf.backend() as unknown as BackendWasm);
}

const ENV = ['BRAGG_BACKEND', 'BRAGG_THREADS', 'BRAGG_SIMD_KERNELS', 'BRAGG_WASM_FMA'];

describe('two backend configurations in one process', () => {
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('each backend uses its own thread count, SIMD build and split threshold', async () => {
    const a = await initBackend({ backend: 'wasm', threads: 2, fma: true, parallelMinWork: 0 });
    const ka = a.simdKernels!;
    expect(ka).toBeDefined();
    expect([ka.threads, ka.pool?.size, ka.fma, ka.parallelMinWork]).toEqual([2, 1, true, 0]);
    expect(activeKernels()).toBe(ka);
    const onA = pooledCalls(ka);
    expect(onA.calls).toBeGreaterThan(0);

    const b = await initBackend({
      backend: 'wasm',
      threads: 3,
      fma: false,
      parallelMinWork: Number.POSITIVE_INFINITY,
    });
    const kb = b.simdKernels!;
    expect(kb).not.toBe(ka);
    expect([kb.threads, kb.pool?.size, kb.fma, kb.parallelMinWork]).toEqual([
      3,
      2,
      false,
      Number.POSITIVE_INFINITY,
    ]);
    expect([b.threads, b.config.threads, b.config.fma]).toEqual([3, 3, false]);
    expect(activeKernels()).toBe(kb);
    const onB = pooledCalls(kb);
    expect(onB.calls).toBe(0);
    // The same product (integer data: exact in either build).
    expect(Array.from(onB.value)).toEqual(Array.from(onA.value));

    // The first configuration kept its own settings; starting it again gives its settings back.
    expect([ka.threads, ka.pool?.size, ka.fma, a.config.threads]).toEqual([2, 1, true, 2]);
    const again = await initBackend(a.config);
    expect(again.simdKernels?.fma).toBe(true);
    expect(again.simdKernels?.pool?.size).toBe(1);
    expect(activeKernels()).toBe(again.simdKernels);
    expect(pooledCalls(again.simdKernels!).calls).toBeGreaterThan(0);
  });

  it('on one tfjs wasm backend, switching configurations switches the kernels', async () => {
    const plain = await initBackend({ backend: 'wasm', threads: 1, fma: false });
    expect(plain.simdKernels?.fma).toBe(false);
    expect(activeKernels()).toBe(plain.simdKernels);
    const fused = await initBackend({ backend: 'wasm', threads: 1, fma: true });
    expect(fused.simdKernels?.fma).toBe(true);
    expect(activeKernels()).toBe(fused.simdKernels);
    const off = await initBackend({ backend: 'wasm', threads: 1, simdKernels: false });
    expect(off.simdKernels).toBeUndefined();
    expect(activeKernels()).toBeUndefined();
    // The fallback kernels compute the same product.
    const reference = product();
    await initBackend(plain.config);
    expect(activeKernels()?.fma).toBe(false);
    expect(Array.from(product())).toEqual(Array.from(reference));
  });

  it('changing the environment after start-up changes nothing', async () => {
    for (const k of ENV) delete process.env[k];
    const config = backendConfig(
      { backend: 'wasm', threads: 2 },
      backendConfigFromEnv(process.env),
    );
    const started: BackendHandle = await initBackend(config);
    const kernels = started.simdKernels!;
    expect([kernels.fma, kernels.pool?.size]).toEqual([true, 1]);

    process.env.BRAGG_BACKEND = 'cpu';
    process.env.BRAGG_THREADS = '1';
    process.env.BRAGG_SIMD_KERNELS = '0';
    process.env.BRAGG_WASM_FMA = '0';
    expect(config).toEqual(backendConfig({ backend: 'wasm', threads: 2 }));
    expect(await initBackend(config)).toBe(started);
    expect(tf.getBackend()).toBe('wasm');
    expect(activeKernels()).toBe(kernels);
    expect([kernels.fma, kernels.pool?.size]).toEqual([true, 1]);
    const { calls } = pooledCalls(kernels);
    // Default split threshold: this small product's packing is below it, its panels are not.
    expect(calls).toBeGreaterThan(0);
    // The environment is read only when asked: now it says something else.
    expect(backendConfigFromEnv(process.env)).toMatchObject({
      backend: 'cpu',
      threads: 1,
      simdKernels: false,
      fma: false,
    });
  });
});
