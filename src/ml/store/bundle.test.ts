import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundle, newModelId, saveBundle } from './bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from './schema.js';
import { PHASE1D } from '../models/phase1d.js';
import { roundTrip } from '../../../test/support/ml/store/round-trip.js';

const dir = mkdtempSync(join(tmpdir(), 'bragg-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(): tf.LayersModel {
  const input = tf.input({ shape: [4, 1] });
  const x = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: 2,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
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

describe('model bundle', () => {
  it('round-trips the model weights and bragg.json', async () => {
    const m = model();
    const d = join(dir, 'ok');
    const info = meta();
    await saveBundle(d, m, info);
    const b = await loadBundle(d);
    expect(b.meta).toEqual(info);
    const x = tf.tensor3d([[[1], [2], [3], [4]]]);
    const p1 = (m.predict(x) as tf.Tensor).dataSync();
    const p2 = (b.model.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(p2)).toEqual(Array.from(p1));
    expect(info.id).toMatch(/^[0-9a-f-]{36}$/);
  });
  it('says which part is missing or wrong', async () => {
    await expect(loadBundle(join(dir, 'none'))).rejects.toThrow(/does not exist/);
    const d = join(dir, 'bad');
    const info = meta();
    await saveBundle(d, model(), info);
    writeFileSync(join(d, 'bragg.json'), JSON.stringify({ ...info, labels: ['a', 'b', 'c'] }));
    await expect(loadBundle(d)).rejects.toThrow(/does not match bragg\.json/);
    writeFileSync(join(d, 'bragg.json'), JSON.stringify({ ...info, id: 'not-a-uuid' }));
    await expect(loadBundle(d)).rejects.toThrow(/at id/);
    writeFileSync(join(d, 'bragg.json'), '{');
    await expect(loadBundle(d)).rejects.toThrow(/not valid JSON/);
    writeFileSync(join(d, 'bragg.json'), JSON.stringify(info));
    rmSync(join(d, 'weights.bin'));
    await expect(loadBundle(d)).rejects.toThrow(/cannot load the TF\.js model/);
    await expect(saveBundle(join(dir, 'x'), model(), { ...info, labels: [] })).rejects.toThrow();
  });
  it('registers the custom layers itself: a phase1d model (SeededDropout) loads in a fresh state', async () => {
    const m = PHASE1D.build(PHASE1D.resolve({ inputLength: 32, depth: 2 }), 4);
    expect(m.layers.map((l) => l.getClassName())).toContain('BraggSeededDropout');
    // roundTrip unregisters bragg's layers and disposes every variable before loadBundle
    const r = await roundTrip(m, 'phase1d');
    expect(r.layerClasses).toContain('BraggSeededDropout');
    expect(r.paramsAfter).toBe(r.paramsBefore);
    expect(Array.from(r.after)).toEqual(Array.from(r.before));
  });
});
