/**
 * Keras' Xception (`keras.applications.Xception(weights=None, input_shape=(71, 71, 3), classes=5)`
 * in Keras' HDF5 layout with Keras' layer names, written by test/support/ml/keras/make_keras_h5.py)
 * against `pacbed-xception`: the same layers with the same inputs (the file's model config), and
 * its weights load by name into the network (`loadKerasWeightsByName`) — every backbone layer,
 * the seed's new head kept, the file's 1000-class-style top left out.
 */
import * as tf from '@tensorflow/tfjs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KERAS_SKIP_REASON,
  kerasPython,
  makeKerasFixtures,
} from '../../../../test/support/ml/keras/fixtures.js';
import { ValidationError } from '../../../core/errors.js';
import { loadKerasWeightsByName } from '../../../ml/keras/load-weights.js';
import { readKerasH5, type KerasFile } from '../../../ml/keras/read.js';
import { PACBED_XCEPTION_ARCHITECTURE as X } from './xception.js';

const have = kerasPython() !== undefined;

/** Layer names found in a Keras inbound_nodes value (either serialisation). */
function inboundNames(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) {
    if (typeof v[0] === 'string' && typeof v[1] === 'number') out.push(v[0]);
    else for (const x of v) inboundNames(x, out);
  } else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.keras_history) && typeof o.keras_history[0] === 'string')
      out.push(o.keras_history[0]);
    else for (const x of Object.values(o)) inboundNames(x, out);
  }
  return out;
}

describe.skipIf(!have)(
  `pacbed-xception and Keras' Xception file (${have ? 'h5py' : KERAS_SKIP_REASON})`,
  () => {
    let dir = '';
    let file: KerasFile;
    let model: tf.LayersModel;
    beforeAll(async () => {
      await tf.setBackend('cpu');
      dir = makeKerasFixtures({ xception: true });
      file = await readKerasH5(join(dir, 'xception.h5'));
      model = X.build(X.resolve({ size: 71, classes: 4 }), 3);
    }, 120_000);
    afterAll(() => {
      model?.dispose();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("has every layer of Keras' Xception with the same class and the same inputs", () => {
      const cfg = file.modelConfig as { config: { layers: { class_name: string; name: string; inbound_nodes: unknown }[] } }; // prettier-ignore
      const keras = cfg.config.layers.filter(
        (l) => l.name !== 'input_1' && l.name !== 'predictions',
      );
      expect(keras.length).toBeGreaterThan(100);
      for (const l of keras) {
        const mine = model.getLayer(l.name);
        expect(mine.getClassName(), l.name).toBe(l.class_name);
        const inputs = mine.inboundNodes[0]!.inboundLayers.map((x) => (x.name === 'rgb' ? 'input_1' : x.name)); // prettier-ignore
        expect(inputs, l.name).toEqual(inboundNames(l.inbound_nodes));
      }
    });

    it('takes the weights by name: the whole backbone, a new head, the top left out', () => {
      const r = loadKerasWeightsByName(model, file);
      expect(r.notInFile).toEqual(['dense', 'dense_1', 'dense_2']);
      expect(r.unused).toEqual(['predictions']);
      const weighted = model.layers.filter((l) => l.weights.length > 0).length;
      expect(r.loaded).toHaveLength(weighted - 3);
      for (const name of ['block1_conv1', 'conv2d_3', 'block7_sepconv2', 'block14_sepconv2_bn']) {
        const theirs = file.layers.find((l) => l.layer === name)!.weights;
        model
          .getLayer(name)
          .getWeights()
          .forEach((w, i) => {
            expect(Buffer.from((w.dataSync() as Float32Array).buffer).equals(Buffer.from(theirs[i]!.data.buffer)), `${name} ${i}`).toBe(true); // prettier-ignore
          });
      }
    });

    it('refuses weights that do not fit, naming the layer, and a file with no shared layer', () => {
      const small = X.build(X.resolve({ size: 71, classes: 4, dense: 8 }), 1);
      const bad: KerasFile = {
        ...file,
        layers: file.layers.map((l) =>
          l.layer === 'block1_conv1'
            ? { ...l, weights: [{ ...l.weights[0]!, shape: [3, 3, 1, 32], data: l.weights[0]!.data.subarray(0, 288) }] } // prettier-ignore
            : l,
        ),
      };
      try {
        expect(() => loadKerasWeightsByName(small, bad)).toThrow(/block1_conv1/);
        // a layer left out on purpose (a classifier to replace) is not checked and keeps its own
        const own = small
          .getLayer('block1_conv1')
          .getWeights()
          .map((w) => Array.from(w.dataSync()));
        const r = loadKerasWeightsByName(small, bad, 'from', { except: ['block1_conv1'] });
        expect(r.notInFile).toContain('block1_conv1');
        expect(r.loaded).not.toContain('block1_conv1');
        expect(small.getLayer('block1_conv1').getWeights().map((w) => Array.from(w.dataSync()))).toEqual(own); // prettier-ignore
        expect(() => loadKerasWeightsByName(small, { ...file, layers: [] })).toThrow(
          ValidationError,
        );
      } finally {
        small.dispose();
      }
    });
  },
);
