/**
 * `bragg pacbed train --from MODEL`: a trained PACBED network fine-tuned on a new table — the
 * trained network's architecture and options carried over, every layer but the classifier
 * starting from the trained weights, batch normalisation frozen throughout (the base's
 * statistics are the trained ones, bit for bit), the head and then the rest trained, the
 * provenance in `bragg.json`; and the refusals.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyPattern } from '../../../test/support/workflows/pacbed/tiny-models.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { writeNpy } from '../../formats/npy/npy.js';
import { initBackend } from '../../ml/backend/select.js';
import { loadBundle } from '../../ml/store/bundle.js';
import { trainPacbedModel } from './train.js';

const SIDE = 16;

/** A table of tiny patterns with these thicknesses (2 convergence angles × 2 azimuths each). */
function table(dir: string, name: string, thicknesses: number[], kv: number): string {
  mkdirSync(join(dir, name), { recursive: true });
  const rows = ['Path;Thickness;Mistilt;Conv_Angle;Electron_Energy;Azimuth;Direction;Material'];
  let i = 0;
  for (const t of thicknesses) {
    for (const c of [19, 21]) {
      for (const az of [0, 1]) {
        const img = `${name}/p${i++}.npy`;
        writeFileSync(join(dir, img), writeNpy(ndarray('float32', [SIDE, SIDE], tinyPattern(t, 0.2 * az, SIDE)))); // prettier-ignore
        rows.push(`${img};${t};0;${c};${kv * 1000};${az};(0, 0, 1);Rutile`);
      }
    }
  }
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

const weightsOf = async (dir: string, layer: string) => {
  const b = await loadBundle(dir);
  try {
    return b.model
      .getLayer(layer)
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
  } finally {
    b.model.dispose();
  }
};

describe('pacbed train --from (fine-tuning)', () => {
  let dir: string;
  let source: string;
  let newTable: string;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    dir = await mkdtemp(join(tmpdir(), 'bragg-pacbed-ft-'));
    const old = table(dir, 'old', [10, 20], 80);
    newTable = table(dir, 'new', [10, 20, 30], 200);
    const r = await trainPacbedModel({
      table: old,
      target: 'thickness',
      modelsRoot: join(dir, 'models'),
      epochs: 2,
      batchSize: 4,
      valSplit: 0.25,
      size: SIDE,
      architecture: { filters: 4, blocks: 2, dense: 8 },
    });
    source = r.modelDir;
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the trained network, starts from its weights, freezes batch norm, records where it came from', async () => {
    const r = await trainPacbedModel({
      table: newTable,
      target: 'thickness',
      modelsRoot: join(dir, 'models'),
      epochs: 2,
      batchSize: 4,
      valSplit: 0.25,
      fineTune: { from: source, headEpochs: 1 },
    });
    const src = JSON.parse(await readFile(join(source, 'bragg.json'), 'utf8'));
    // the trained network's options and side without giving them; the new table's classes
    expect(r.meta.architecture.config).toEqual({ ...src.architecture.config, classes: 3 });
    expect(r.meta.labels).toEqual(['10', '20', '30']);
    expect(r.key.kv).toBe(200);
    // one head epoch, then two of fine-tuning, as one history
    expect(r.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    const ft = (r.meta.training as { fineTune: Record<string, unknown> }).fineTune;
    expect(ft).toMatchObject({
      id: src.id,
      labels: ['10', '20'],
      newLayers: ['predictions'],
      head: { layers: ['dense1', 'dense2', 'predictions'], epochs: 1, learningRate: 1e-3 },
      tune: { epochs: 2, learningRate: 1e-3 },
    });
    expect(ft.copiedLayers).toBe(6); // 2 conv, 2 batch norm, 2 dense
    // batch normalisation frozen in both stages: γ, β and the moving statistics as trained
    for (const bn of ['block1_bn', 'block2_bn']) {
      expect(await weightsOf(r.modelDir, bn)).toEqual(await weightsOf(source, bn));
    }
    // the rest trained (the conv layers in the second stage only)
    expect(await weightsOf(r.modelDir, 'block1_conv')).not.toEqual(await weightsOf(source, 'block1_conv')); // prettier-ignore
    expect(await weightsOf(r.modelDir, 'dense1')).not.toEqual(await weightsOf(source, 'dense1'));
    // the bundle's layers are trainable again (a later fine-tuning or training starts clean)
    const topology = JSON.parse(await readFile(join(r.modelDir, 'model.json'), 'utf8'));
    const layers = topology.modelTopology.config.layers as { config: { trainable?: boolean } }[]; // prettier-ignore
    expect(layers.every((l) => l.config.trainable !== false)).toBe(true);
  }, 120_000);

  it('refuses a missing model, another network, a misfit side and Keras weights besides', async () => {
    const base = { table: newTable, target: 'thickness' as const, modelsRoot: join(dir, 'm2'), epochs: 1, batchSize: 4, valSplit: 0.25 }; // prettier-ignore
    await expect(trainPacbedModel({ ...base, fineTune: { from: join(dir, 'nope') } })).rejects.toBeInstanceOf(NotFoundError); // prettier-ignore
    await expect(trainPacbedModel({ ...base, model: 'xception', fineTune: { from: source } })).rejects.toMatchObject({ field: 'model' }); // prettier-ignore
    await expect(trainPacbedModel({ ...base, weights: 'x.h5', fineTune: { from: source } })).rejects.toBeInstanceOf(ValidationError); // prettier-ignore
    // with flatten pooling the first dense layer's weights depend on the side: a clear misfit
    const flat = await trainPacbedModel({ ...base, size: SIDE, architecture: { filters: 4, blocks: 2, dense: 8, pooling: 'flatten' } }); // prettier-ignore
    await expect(trainPacbedModel({ ...base, size: 2 * SIDE, fineTune: { from: flat.modelDir } })).rejects.toThrow(/layer 'dense1'.*do not fit/); // prettier-ignore
  });
});
