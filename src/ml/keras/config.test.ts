/** Config normalisation and weight matching on in-memory Keras data (no HDF5, no Python). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, UnsupportedError } from '../../core/errors.js';
import type { H5Node } from '../../formats/hdf5/protocol.js';
import { normalizeModelConfig } from './config.js';
import { kerasToLayersModel } from './convert.js';
import { nameList, type KerasFile } from './read.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const input = {
  class_name: 'InputLayer',
  config: { batch_input_shape: [null, 4, 4, 2], name: 'in' },
};
function seq(...layers: { class_name: string; config: Record<string, unknown> }[]): unknown {
  return { class_name: 'Sequential', config: { name: 's', layers: [input, ...layers] } };
}
const conv = (
  extra: Record<string, unknown> = {},
): { class_name: string; config: Record<string, unknown> } => ({
  class_name: 'Conv2D',
  config: {
    name: 'c',
    filters: 3,
    kernel_size: [1, 1],
    padding: 'same',
    activation: 'linear',
    use_bias: true,
    ...extra,
  },
});

function file(layers: KerasFile['layers'], modelConfig: unknown): KerasFile {
  return {
    file: 'mem.h5',
    sha256: '0'.repeat(64),
    kerasVersion: '2.9.0',
    backend: 'tensorflow',
    modelConfig,
    trainingConfig: undefined,
    weightsGroup: '/model_weights',
    layers,
  };
}

const w = (
  name: string,
  shape: number[],
): { name: string; shape: number[]; data: Float32Array } => ({
  name,
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5),
});

describe('normalizeModelConfig', () => {
  it('refuses options that change the numbers, naming layer and class', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ groups: 2 }, /'c' \(Conv2D\): grouped convolution/],
      [{ activation: 'gelu_approx' }, /'c' \(Conv2D\): activation 'gelu_approx'/],
      [{ dtype: 'int32' }, /dtype int32/],
    ];
    for (const [extra, msg] of cases) {
      expect(() => normalizeModelConfig(seq(conv(extra)), 'f.h5')).toThrow(msg);
    }
    const relu = { class_name: 'ReLU', config: { name: 'r', negative_slope: 0.1 } };
    expect(() => normalizeModelConfig(seq(relu), 'f.h5')).toThrow(UnsupportedError);
    const gap = { class_name: 'GlobalAveragePooling2D', config: { name: 'g', keepdims: true } };
    expect(() => normalizeModelConfig(seq(gap), 'f.h5')).toThrow(/keepdims/);
  });
  it('reads Keras 3 flat endpoints, batch_shape and dtype policies', () => {
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } };
    const t = normalizeModelConfig(
      {
        module: 'keras',
        class_name: 'Functional',
        config: {
          name: 'f',
          layers: [
            {
              class_name: 'InputLayer',
              name: 'x',
              config: { batch_shape: [null, 3], dtype: policy, name: 'x' },
              inbound_nodes: [],
            },
          ],
          input_layers: ['x', 0, 0],
          output_layers: ['x', 0, 0],
        },
      },
      'f.h5',
    ) as {
      class_name: string;
      config: { input_layers: unknown; layers: { config: Record<string, unknown> }[] };
    };
    expect(t.class_name).toBe('Model');
    expect(t.config.input_layers).toEqual([['x', 0, 0]]);
    expect(t.config.layers[0]!.config).toMatchObject({
      batch_input_shape: [null, 3],
      dtype: 'float32',
    });
  });
  it('a subclassed model (no config to build) is a FormatError', () => {
    expect(() => normalizeModelConfig({ class_name: 'MyModel', config: {} }, 'f.h5')).toThrow(
      FormatError,
    );
  });
});

describe('weight matching', () => {
  it('a weight count mismatch is a FormatError naming the layer', async () => {
    const k = file([{ layer: 'c', weights: [w('c/kernel:0', [1, 1, 2, 3])] }], seq(conv()));
    await expect(kerasToLayersModel(k)).rejects.toThrow(/layer 'c' has 1 weights in the file/);
  });
  it('weights for a layer the model lacks, or none for one it has, are FormatErrors', async () => {
    const ok = [w('c/kernel:0', [1, 1, 2, 3]), w('c/bias:0', [3])];
    await expect(
      kerasToLayersModel(
        file(
          [
            { layer: 'c', weights: ok },
            { layer: 'zz', weights: ok },
          ],
          seq(conv()),
        ),
      ),
    ).rejects.toThrow(/layers the model does not have.*zz/);
    await expect(kerasToLayersModel(file([], seq(conv())))).rejects.toThrow(
      /no weights for layer 'c'/,
    );
  });
  it('loads the values it is given', async () => {
    const k = file(
      [{ layer: 'c', weights: [w('c/kernel:0', [1, 1, 2, 3]), w('c/bias:0', [3])] }],
      seq(conv()),
    );
    const m = await kerasToLayersModel(k);
    const y = tf.tidy(() => (m.predict(tf.ones([1, 4, 4, 2])) as tf.Tensor).dataSync());
    m.dispose();
    expect(Array.from(y.slice(0, 3))).toEqual([1.5, 1.5, 1.5]); // 2 × 0.5 × 1 + 0.5
  });
});

describe('nameList', () => {
  const node = (attrs: Record<string, unknown>): H5Node => ({
    kind: 'group',
    path: '/',
    children: [],
    attrs: Object.entries(attrs).map(([name, value]) => ({
      name,
      value: value as never,
      shape: null,
      type: null,
    })),
  });
  it("joins Keras' split lists (name0, name1, …) and reads an empty list as none", () => {
    expect(
      nameList(node({ layer_names0: ['a', 'b'], layer_names1: ['c'] }), 'layer_names'),
    ).toEqual(['a', 'b', 'c']);
    expect(nameList(node({ weight_names: [] }), 'weight_names')).toEqual([]);
    expect(nameList(node({}), 'weight_names')).toBeUndefined();
  });
});
