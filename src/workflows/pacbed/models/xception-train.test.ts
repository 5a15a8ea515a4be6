/**
 * `bragg pacbed train --model xception`: the seed's network trains through the same trainer as
 * the compact one, is saved as a `pacbed-xception` bundle that loads back and predicts the same,
 * and options it does not have are refused naming the option.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyPattern } from '../../../../test/support/workflows/pacbed/tiny-models.js';
import { ndarray } from '../../../core/ndarray.js';
import { ValidationError } from '../../../core/errors.js';
import { writeNpy } from '../../../formats/npy/npy.js';
import { initBackend } from '../../../ml/backend/select.js';
import { loadBundle } from '../../../ml/store/bundle.js';
import { trainPacbedModel } from '../train.js';

const SIDE = 72;

describe('pacbed train --model xception', () => {
  let dir: string;
  let table: string;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    dir = await mkdtemp(join(tmpdir(), 'bragg-pacbed-x-'));
    mkdirSync(join(dir, 'images'));
    const rows = ['Path;Thickness;Mistilt;Conv_Angle;Electron_Energy;Azimuth;Direction;Material'];
    let i = 0;
    for (const t of [10, 20]) {
      for (const c of [19, 21]) {
        for (const az of [0, 1]) {
          const name = `images/p${i++}.npy`;
          const img = tinyPattern(3 * t, az, SIDE);
          writeFileSync(join(dir, name), writeNpy(ndarray('float32', [SIDE, SIDE], img)));
          rows.push(`${name};${t};0;${c};80000;${az};(0, 0, 1);Rutile`);
        }
      }
    }
    table = join(dir, 'df.csv');
    writeFileSync(table, rows.join('\n') + '\n');
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('trains, saves a pacbed-xception bundle that loads and predicts as trained', async () => {
    const r = await trainPacbedModel({
      table,
      target: 'thickness',
      model: 'xception',
      modelsRoot: join(dir, 'models'),
      epochs: 1,
      batchSize: 4,
      valSplit: 0.25,
      size: SIDE,
      architecture: { dense: 16 },
    });
    expect(r.meta.architecture.name).toBe('pacbed-xception');
    expect(r.meta.input.shape).toEqual([SIDE * SIDE + 1]);
    expect(r.history).toHaveLength(1);
    expect(Number.isFinite(r.history[0]!.loss)).toBe(true);
    const bundle = await loadBundle(r.modelDir);
    try {
      expect(bundle.model.getLayer('block14_sepconv2_act')).toBeDefined();
      expect(bundle.model.getLayer('dense').getConfig().units).toBe(16);
      const x = tf.randomUniform([2, SIDE * SIDE + 1], -1, 1, 'float32', 5);
      const p = bundle.model.predict(x) as tf.Tensor;
      expect(p.shape).toEqual([2, 2]);
      for (const s of p.sum(1).dataSync()) expect(s).toBeCloseTo(1, 5);
      tf.dispose([x, p]);
    } finally {
      bundle.model.dispose();
    }
  }, 120_000);

  it('refuses what the xception network does not take, naming the option', async () => {
    const base = { table, target: 'thickness' as const, model: 'xception' as const, modelsRoot: join(dir, 'm2'), epochs: 1 }; // prettier-ignore
    await expect(trainPacbedModel({ ...base, size: SIDE, architecture: { filters: 8 } })).rejects.toMatchObject({ field: 'filters' }); // prettier-ignore
    await expect(trainPacbedModel({ ...base, size: 64 })).rejects.toBeInstanceOf(ValidationError);
    await expect(trainPacbedModel({ ...base, size: 64 })).rejects.toMatchObject({ field: 'size' });
  });
});
