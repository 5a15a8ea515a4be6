/**
 * Custom layers: every custom layer class in src/ is in the registry, nothing registers by
 * side effect, `registerLayers()` is idempotent, and models using them (LogActivation,
 * SeededDropout) load back from a bundle folder with the loader registering them.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isClassRegistered,
  roundTrip,
  unregisterCustomLayers,
} from '../../../test/support/ml/store/round-trip.js';
import { LogActivation, logActivation } from './log-activation.js';
import { CUSTOM_LAYERS, customLayerNames, registerLayers } from './registry.js';
import { SeededDropout } from './seeded-dropout.js';

const SRC = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('custom layer registry', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('lists every custom layer class of src/ (SeededDropout, LogActivation)', () => {
    const classes = sourceFiles(SRC).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/static readonly className = '(\w+)'/g)].map(
        (m) => m[1]!,
      ),
    );
    expect(classes.length).toBeGreaterThanOrEqual(2);
    expect(customLayerNames().sort()).toEqual([...new Set(classes)].sort());
    expect(customLayerNames()).toEqual(
      expect.arrayContaining([SeededDropout.className, LogActivation.className]),
    );
    for (const l of CUSTOM_LAYERS) expect(l.layer.className).toBe(l.className);
  });

  it('is the only place that registers classes (no side-effect registration)', () => {
    const registering = sourceFiles(SRC)
      .filter((f) => /registerClass\s*\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(registering).toEqual([join('ml', 'layers', 'registry.ts')]);
  });

  it('registerLayers() registers each layer once and is idempotent', () => {
    unregisterCustomLayers();
    for (const n of customLayerNames()) expect(isClassRegistered(n)).toBe(false);
    expect(registerLayers().sort()).toEqual(customLayerNames().sort());
    for (const n of customLayerNames()) expect(isClassRegistered(n)).toBe(true);
    expect(registerLayers()).toEqual([]);
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(map[SeededDropout.className]?.[0]).toBe(SeededDropout);
    expect(map[LogActivation.className]?.[0]).toBe(LogActivation);
  });

  it('logActivation is odd, 0 at 0 and α(ln(x + 1/e) + 1) for x > 0', () => {
    const y = Array.from(logActivation(tf.tensor1d([-2, -0.5, 0, 0.5, 2]), 0.2).dataSync());
    const f = (x: number): number => 0.2 * (Math.log(x + Math.exp(-1)) + 1);
    expect(y[2]).toBeCloseTo(0, 6);
    expect(y[3]).toBeCloseTo(f(0.5), 6);
    expect(y[4]).toBeCloseTo(f(2), 6);
    expect(y[0]).toBeCloseTo(-f(2), 6);
    expect(y[1]).toBeCloseTo(-f(0.5), 6);
  });

  it('a model with LogActivation loads back from its bundle with the same predictions', async () => {
    registerLayers();
    const input = tf.input({ shape: [8, 1] });
    let x = tf.layers
      .conv1d({
        filters: 4,
        kernelSize: 3,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      })
      .apply(input) as tf.SymbolicTensor;
    x = new LogActivation({ alpha: 0.3, beta: 0.1, name: 'log_act' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
      })
      .apply(x) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    const r = await roundTrip(m, 'log-activation-test');
    expect(r.layerClasses).toContain(LogActivation.className);
    expect(r.paramsAfter).toBe(r.paramsBefore);
    expect(Array.from(r.after)).toEqual(Array.from(r.before));
  });

  it('without registration tfjs cannot read a bragg model (what registerLayers is for)', async () => {
    registerLayers();
    const input = tf.input({ shape: [3] });
    const h = new LogActivation({ alpha: 0.5 }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    const artifacts = await new Promise<tf.io.ModelArtifacts>((resolve) => {
      void m.save(
        tf.io.withSaveHandler((a) => {
          resolve(a);
          return Promise.resolve({
            modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' },
          });
        }),
      );
    });
    m.dispose();
    unregisterCustomLayers();
    await expect(tf.loadLayersModel(tf.io.fromMemory(artifacts))).rejects.toThrow(
      /BraggLogActivation/,
    );
    registerLayers();
    const back = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(back.layers[1]!.getClassName()).toBe(LogActivation.className);
    expect((back.layers[1] as LogActivation).alpha).toBe(0.5);
    back.dispose();
  });
});
