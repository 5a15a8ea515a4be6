import * as tf from '@tensorflow/tfjs';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, UnsupportedError } from '../../core/errors.js';
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
  if (have) dir = makeKerasFixtures();
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function outputsOf(file: string, stem: string, config?: unknown): Promise<number> {
  const k = await readKerasH5(join(dir, file));
  const model = await kerasToLayersModel(k, config === undefined ? {} : { config });
  const x = readNpyFloat(join(dir, `${stem}.input.npy`));
  const ref = readNpyFloat(join(dir, `${stem}.output.npy`));
  const y = tf.tidy(() => (model.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync());
  model.dispose();
  expect([...ref.shape]).toEqual([x.shape[0], ref.data.length / x.shape[0]!]);
  return maxRelError(y, ref.data);
}

describe.skipIf(!have)(`Keras HDF5 import (${have ? 'h5py' : KERAS_SKIP_REASON})`, () => {
  it('Keras 2.2 Sequential (list config, fixed-length names, weightless layers) matches numpy', async () => {
    expect(await outputsOf('seq.h5', 'seq')).toBeLessThan(1e-5);
  });
  it('tf.keras 2.x Sequential (dict config, InputLayer, vlen names) matches numpy', async () => {
    expect(await outputsOf('seq-tf2.h5', 'seq')).toBeLessThan(1e-5);
  });
  it('tf.keras Functional with Add/Concatenate/SeparableConv2D/DepthwiseConv2D/BN matches numpy', async () => {
    expect(await outputsOf('func.h5', 'func')).toBeLessThan(1e-5);
  });
  it('nested weight paths (outer/inner/kernel:0) load', async () => {
    expect(await outputsOf('func-nested.h5', 'func')).toBeLessThan(1e-5);
  });
  it('Keras 3 config (module keys, batch_shape, dtype policies, keras_tensor nodes)', async () => {
    expect(await outputsOf('func-k3.h5', 'func')).toBeLessThan(1e-5);
  });
  it('Keras 2.2 Model class', async () => {
    expect(await outputsOf('func-k2.h5', 'func')).toBeLessThan(1e-5);
  });
});

describe.skipIf(!have)(`Keras HDF5 errors (${have ? 'h5py' : KERAS_SKIP_REASON})`, () => {
  const convert = async (file: string): Promise<unknown> =>
    kerasToLayersModel(await readKerasH5(join(dir, file))).then((m) => m.dispose());

  it('a weights-only file is read from the root group and loads with its to_json() config', async () => {
    const k = await readKerasH5(join(dir, 'seq.weights.h5'));
    expect(k.weightsGroup).toBe('/');
    expect(k.modelConfig).toBeUndefined();
    await expect(kerasToLayersModel(k)).rejects.toThrow(/weights only/);
    const config: unknown = JSON.parse(readFileSync(join(dir, 'seq.json'), 'utf8'));
    expect(await outputsOf('seq.weights.h5', 'seq', config)).toBeLessThan(1e-5);
  });
  it('an unsupported layer is an UnsupportedError naming its class and name', async () => {
    const err = await convert('bad-unsupported.h5').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(/'lstm_1' \(LSTM\)/);
  });
  it('a weight of the wrong shape is a FormatError naming layer and weight', async () => {
    const err = await convert('bad-mismatch.h5').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/'sep1\/pointwise_kernel:0' of layer 'sep1'/);
    expect((err as Error).message).toMatch(/expected \[1, 1, 8, 12\], found \[1, 1, 8, 11\]/);
  });
  it('a file without model_config says the file holds weights only', async () => {
    await expect(convert('bad-noconfig.h5')).rejects.toThrow(/no 'model_config' attribute/);
  });
  it('broken JSON in model_config is a FormatError naming the attribute', async () => {
    const err = await readKerasH5(join(dir, 'bad-json.h5')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/'model_config' attribute is not valid JSON/);
  });
  it('an HDF5 file that is not a Keras model is a FormatError saying what is missing', async () => {
    const err = await readKerasH5(join(dir, 'bad-notkeras.h5')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/not a Keras model.*model_config.*layer_names/);
  });
  it('a truncated file is a FormatError', async () => {
    await expect(readKerasH5(join(dir, 'bad-truncated.h5'))).rejects.toBeInstanceOf(FormatError);
  });
  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await outputsOf('func.h5', 'func');
    await convert('bad-mismatch.h5').catch(() => undefined);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.skipIf(!have)(`Keras nested models (${have ? 'h5py' : KERAS_SKIP_REASON})`, () => {
  it('a Functional base inside a Sequential loads its weights by name and matches numpy', async () => {
    expect(await outputsOf('nested-model.h5', 'nested-model')).toBeLessThan(1e-5);
  });
});
