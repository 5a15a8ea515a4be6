/**
 * Keras' Xception (`keras.applications.Xception(weights=None, input_shape=(71, 71, 3),
 * classes=5)`, its layer names and config, random weights written by make_keras_h5.py) imports
 * and gives the numpy reference pass's numbers: the last feature map (block14_sepconv2_act,
 * O(1) values, relative error) and the probabilities (absolute error).
 */
import * as tf from '@tensorflow/tfjs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kerasToLayersModel } from './convert.js';
import { readKerasH5 } from './read.js';
import {
  KERAS_SKIP_REASON,
  kerasPython,
  makeKerasFixtures,
  maxRelError,
  readNpyFloat,
} from '../../../test/support/ml/keras/fixtures.js';

const have = kerasPython() !== undefined;
let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  if (have) dir = makeKerasFixtures({ xception: true });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!have)(`Keras Xception import (${have ? 'h5py' : KERAS_SKIP_REASON})`, () => {
  it('every layer of Xception imports and the output matches numpy within 1e-5', async () => {
    const k = await readKerasH5(join(dir, 'xception.h5'));
    const model = await kerasToLayersModel(k);
    const names = model.layers.map((l) => l.name);
    expect(names).toContain('block14_sepconv2_act');
    expect(names).toContain('block1_conv1_bn');
    expect(model.layers.length).toBe(k.layers.length);
    expect(model.countParams()).toBe(
      k.layers.reduce((s, l) => s + l.weights.reduce((t, w) => t + w.data.length, 0), 0),
    );
    const x = readNpyFloat(join(dir, 'xception.input.npy'));
    const ref = readNpyFloat(join(dir, 'xception.output.npy'));
    const features = readNpyFloat(join(dir, 'xception.features.npy'));
    const last = model.getLayer('block14_sepconv2_act').output as tf.SymbolicTensor;
    const both = tf.model({ inputs: model.inputs, outputs: [model.outputs[0]!, last] });
    const [y, f] = tf.tidy(() =>
      (both.predict(tf.tensor(x.data, x.shape)) as tf.Tensor[]).map((t) => t.dataSync()),
    );
    model.dispose();
    expect(f!.length).toBe(3 * 3 * 2048);
    expect(Math.max(...Array.from(features.data))).toBeGreaterThan(1); // O(1) values, not all small
    expect(maxRelError(f!, features.data)).toBeLessThan(1e-5);
    expect(maxRelError(y!, ref.data)).toBeLessThan(1e-5);
  });
});
