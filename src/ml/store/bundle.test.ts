import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/hash.js';
import { FormatError } from '../../core/errors.js';
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
    const written = await saveBundle(d, m, info);
    expect(written).toEqual({ ...info, files: expect.any(Object) as unknown });
    const b = await loadBundle(d);
    expect(b.meta).toEqual(written);
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

  it('records the sha256 and size of model.json and weights.bin in bragg.json', async () => {
    const d = join(dir, 'sums');
    await saveBundle(d, model(), meta());
    const recorded = (
      JSON.parse(readFileSync(join(d, 'bragg.json'), 'utf8')) as Pick<BundleMeta, 'files'>
    ).files;
    for (const f of ['model.json', 'weights.bin']) {
      const bytes = readFileSync(join(d, f));
      expect(recorded?.[f]).toEqual({ sha256: sha256Hex(bytes), size: bytes.byteLength });
    }
  });
  it('refuses a bit-flipped weights.bin of the same size: a FormatError naming the file', async () => {
    const d = join(dir, 'flipped');
    await saveBundle(d, model(), meta());
    const w = readFileSync(join(d, 'weights.bin'));
    w[17]! ^= 0x04; // one bit of one float32: still a valid, loadable model without the check
    writeFileSync(join(d, 'weights.bin'), w);
    const err = await loadBundle(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(join(d, 'weights.bin'));
    expect((err as FormatError).message).toMatch(/does not match its sha256/);
  });
  it('refuses an edited model.json, a truncated or missing weights.bin, naming the file', async () => {
    const d = join(dir, 'edited');
    await saveBundle(d, model(), meta());
    const json = readFileSync(join(d, 'model.json'));
    // Same size, still a loadable model: the kernel initialiser's seed 1 → 2.
    const edited = json.toString('utf8').replace('"seed":1', '"seed":2');
    expect(edited).not.toBe(json.toString('utf8'));
    writeFileSync(join(d, 'model.json'), edited);
    await expect(loadBundle(d)).rejects.toMatchObject({
      file: join(d, 'model.json'),
      message: expect.stringMatching(/does not match its sha256/) as unknown,
    });
    writeFileSync(join(d, 'model.json'), json);
    const w = readFileSync(join(d, 'weights.bin'));
    writeFileSync(join(d, 'weights.bin'), w.subarray(0, 20));
    await expect(loadBundle(d)).rejects.toThrow(
      /weights size does not match.*expected 40 bytes.*found 20 bytes/,
    );
    rmSync(join(d, 'weights.bin'));
    const err = await loadBundle(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(join(d, 'weights.bin'));
    expect((err as FormatError).message).toMatch(/missing/);
  });
  it('still loads a bundle written before checksums (no files in bragg.json)', async () => {
    const d = join(dir, 'old');
    const m = model();
    const written = await saveBundle(d, m, meta());
    const { files: _files, ...old } = written;
    writeFileSync(join(d, 'bragg.json'), JSON.stringify(old));
    const b = await loadBundle(d);
    expect(b.meta.files).toBeUndefined();
    const x = tf.tensor3d([[[1], [2], [3], [4]]]);
    expect(Array.from((b.model.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((m.predict(x) as tf.Tensor).dataSync()),
    );
  });
});
