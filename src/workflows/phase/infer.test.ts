/**
 * The phase map through the fused 1D-CNN kernel (the default on the wasm backend) equals the
 * map through `model.predict`: same classes, probabilities within 1e-5, on a small map given on
 * another q-axis (resampled) in batches that do not divide the pixels.
 */
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { VERSION } from '../../core/version.js';
import { initBackend } from '../../ml/backend/select.js';
import { compileNet1d } from '../../ml/backend/net1d.js';
import { simdKernelsBuilt } from '../../ml/backend/simd/module.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../../ml/store/schema.js';
import { seed147Axis } from '../../simulate/kinematic/profile.js';
import { PHASE_PREPROCESSING, predictProfiles } from './infer.js';
import { PHASE_CNN_ARCHITECTURE, buildPhaseCnn } from './model.js';
import { predictPhaseMap } from './predict.js';

const argmax = (p: Float32Array, k: number): number[] =>
  Array.from({ length: p.length / k }, (_, r) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (p[r * k + j]! > p[r * k + best]!) best = j;
    return best;
  });

describe.skipIf(!simdKernelsBuilt())('phase map: fused kernel against model.predict', () => {
  const q = seed147Axis();
  let model: tf.LayersModel;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    model = buildPhaseCnn({ inputLength: q.length, classes: 3 }, 4);
  });
  afterAll(() => model.dispose());

  it('same classes and probabilities within 1e-5 on a 9 × 7 map (resampled, batches of 10)', async () => {
    expect(compileNet1d(model)).toBeDefined(); // the default path is the fused one here
    const meta: BundleMeta = {
      format: BUNDLE_FORMAT,
      id: 'test-phase-fused',
      workflow: 'phase',
      labels: ['a', 'b', 'c'],
      input: { shape: [q.length, 1], axis: Array.from(q), preprocessing: PHASE_PREPROCESSING },
      architecture: { name: PHASE_CNN_ARCHITECTURE, config: {} },
      datasetIds: [],
      training: {},
      metrics: {},
      createdAt: new Date(0).toISOString(),
      braggVersion: VERSION,
    };
    const bundle = { dir: '(in memory)', model, meta };
    const nq = 160;
    const mq = Float64Array.from({ length: nq }, (_, i) => 0.1 + (1.33 * i) / (nq - 1));
    const rng = createRng(3);
    // peaks at random positions on a sloping background: profiles that differ in shape
    const [ny, nx] = [9, 7];
    const y = new Float32Array(ny * nx * nq);
    for (let p = 0; p < ny * nx; p++) {
      const centres = [rng.uniform(0.2, 1.3), rng.uniform(0.2, 1.3), rng.uniform(0.2, 1.3)];
      for (let i = 0; i < nq; i++) {
        const x = mq[i]!;
        let v = 0.3 * (1.5 - x) + 0.05 * rng.next();
        for (const c of centres) v += Math.exp(-(((x - c) / 0.02) ** 2));
        y[p * nq + i] = v;
      }
    }
    const map = { file: 'test', name: 'test', q: mq, y, ny, nx, nq };
    const batches: number[] = [];
    const fused = await predictPhaseMap(bundle, map, {
      batchSize: 10,
      onBatch: (d) => batches.push(d),
    });
    const plain = await predictPhaseMap(bundle, map, { batchSize: 10, fused: false });
    expect(batches).toEqual([10, 20, 30, 40, 50, 60, 63]);
    expect(fused.resampled).toBe(true);
    expect(fused.pred.length).toBe(ny * nx * 3);
    let err = 0;
    for (let i = 0; i < plain.pred.length; i++) {
      err = Math.max(err, Math.abs(fused.pred[i]! - plain.pred[i]!));
    }
    expect(err).toBeLessThan(1e-5);
    const classes = argmax(plain.pred, 3);
    expect(argmax(fused.pred, 3)).toEqual(classes);
    // the map is not one class (the comparison of classes means something)
    expect(new Set(classes).size).toBeGreaterThan(1);
  });

  it('a model of another input width keeps model.predict and its error', async () => {
    await expect(predictProfiles(model, new Float32Array(2 * 100), 100)).rejects.toThrow();
  });
});
