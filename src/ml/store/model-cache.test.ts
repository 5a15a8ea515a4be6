/**
 * The model cache: one load for repeated and concurrent requests, a reload when the bundle in
 * the folder is registered again, LRU eviction that disposes the evicted tfjs model (the
 * engine's tensor count goes back down), never under a lease, and the same predictions as a
 * bundle loaded directly.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { loadBundle, newModelId, saveBundle, type ModelBundle } from './bundle.js';
import { ModelCache, modelCacheOf } from './model-cache.js';
import { BUNDLE_FORMAT, type BundleMeta } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'bragg-model-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [4, 1] });
  const x = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: 2,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const meta = (): BundleMeta => ({
  format: BUNDLE_FORMAT,
  id: newModelId(),
  workflow: 'phase',
  labels: ['a', 'b'],
  input: { shape: [4, 1], axis: [0.1, 0.2, 0.3, 0.4], preprocessing: 'minmax-per-profile' },
  architecture: { name: 'test', config: {} },
  datasetIds: ['d'],
  training: {},
  metrics: {},
  createdAt: new Date().toISOString(),
  braggVersion: '0',
});

async function bundleAt(name: string, seed: number): Promise<string> {
  const d = join(dir, name);
  const m = model(seed);
  await saveBundle(d, m, meta());
  m.dispose();
  return d;
}

function predict(b: ModelBundle): number[] {
  return tf.tidy(() => {
    const y = b.model.predict(tf.tensor3d([[[1], [2], [3], [4]]])) as tf.Tensor;
    return Array.from(y.dataSync());
  });
}

/** A cache that counts its loads. */
function counting(maxModels?: number): { cache: ModelCache; loads: string[] } {
  const loads: string[] = [];
  const cache = new ModelCache({
    ...(maxModels !== undefined ? { maxModels } : {}),
    load: (d) => {
      loads.push(d);
      return loadBundle(d);
    },
  });
  return { cache, loads };
}

describe('model cache', () => {
  it('loads a bundle once for repeated and concurrent requests, with the same answers', async () => {
    const d = await bundleAt('one', 1);
    const { cache, loads } = counting();
    const direct = await loadBundle(d);
    const expected = predict(direct);
    direct.model.dispose();
    const first = await cache.use(d, predict);
    const second = await cache.use(d, predict);
    const concurrent = await Promise.all([1, 2, 3].map(() => cache.use(d, predict)));
    expect(loads).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ loads: 1, hits: 4, size: 1, disposed: 0 });
    for (const p of [first, second, ...concurrent]) expect(p).toEqual(expected);
    cache.clear();
    expect(cache.stats()).toMatchObject({ size: 0, disposed: 1 });
  });

  it('concurrent first requests share one load', async () => {
    const d = await bundleAt('shared', 2);
    const { cache, loads } = counting();
    const leases = await Promise.all([cache.acquire(d), cache.acquire(d)]);
    expect(loads).toHaveLength(1);
    expect(leases[0]!.bundle).toBe(leases[1]!.bundle);
    for (const l of leases) l.release();
    cache.clear();
  });

  it('reloads a bundle registered again in the same folder', async () => {
    const d = await bundleAt('changed', 3);
    const { cache, loads } = counting();
    const before = await cache.use(d, predict);
    const m = model(99);
    await saveBundle(d, m, meta());
    const expected = predict({ model: m } as ModelBundle);
    m.dispose();
    const after = await cache.use(d, predict);
    expect(loads).toHaveLength(2);
    expect(after).toEqual(expected);
    expect(after).not.toEqual(before);
    // the replaced model was disposed, the cache holds only the new one
    expect(cache.stats()).toMatchObject({ size: 1, disposed: 1 });
    cache.clear();
  });

  it('evicts the least recently used bundle and disposes its model', async () => {
    const ds = await Promise.all([10, 11, 12].map((s) => bundleAt(`lru-${s}`, s)));
    const { cache, loads } = counting(2);
    const base = tf.memory().numTensors;
    await cache.use(ds[0]!, predict);
    const one = tf.memory().numTensors - base;
    expect(one).toBeGreaterThan(0);
    await cache.use(ds[1]!, predict);
    await cache.use(ds[0]!, predict); // ds[1] is now the least recently used
    expect(tf.memory().numTensors - base).toBe(2 * one);
    await cache.use(ds[2]!, predict);
    expect(cache.stats()).toMatchObject({ size: 2, disposed: 1 });
    expect(tf.memory().numTensors - base).toBe(2 * one);
    await cache.use(ds[0]!, predict); // still cached
    expect(loads).toHaveLength(3);
    await cache.use(ds[1]!, predict); // evicted: loaded again
    expect(loads).toHaveLength(4);
    cache.clear();
    expect(tf.memory().numTensors).toBe(base);
  });

  it('never disposes a model under a lease: it goes on the last release', async () => {
    const ds = await Promise.all([20, 21].map((s) => bundleAt(`held-${s}`, s)));
    const { cache } = counting(1);
    const base = tf.memory().numTensors;
    const held = await cache.acquire(ds[0]!);
    const expected = predict(held.bundle);
    await cache.use(ds[1]!, predict); // evicts ds[0], which is held
    expect(predict(held.bundle)).toEqual(expected);
    expect(cache.stats().disposed).toBe(0);
    held.release();
    held.release(); // idempotent
    expect(cache.stats().disposed).toBe(1);
    cache.clear();
    expect(tf.memory().numTensors).toBe(base);
  });

  it('refuses a bad size and caches no failed load', async () => {
    expect(() => new ModelCache({ maxModels: 0 })).toThrow(ValidationError);
    const { cache, loads } = counting();
    await expect(cache.acquire(join(dir, 'nowhere'))).rejects.toThrow(NotFoundError);
    expect(loads).toHaveLength(0);
    expect(cache.stats().size).toBe(0);
  });

  it('gives one cache per owner', () => {
    const a = {};
    expect(modelCacheOf(a)).toBe(modelCacheOf(a));
    expect(modelCacheOf(a)).not.toBe(modelCacheOf({}));
  });
});
