/**
 * `pacbed-xception` is Keras' Xception with the seed's head: Keras' parameter counts and layer
 * names. Keras' documentation lists Xception at 22,910,480 parameters with its 1000-class top
 * (https://keras.io/api/applications/), i.e. 20,861,480 without it (the top is 2048 × 1000 + 1000);
 * of those, 54,528 are batch-norm moving statistics (non-trainable), as `model.summary()` shows.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../ml/backend/select.js';
import { PACBED_XCEPTION_ARCHITECTURE as X } from './xception.js';

describe('pacbed-xception', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    model = X.build(X.resolve({ size: 71, classes: 7 }), 1);
  });
  const count = (ws: tf.LayerVariable[]) =>
    ws.reduce((a, w) => a + (w.shape as number[]).reduce((p, q) => p * q, 1), 0);
  const layer = (name: string) => model.getLayer(name);

  it("has Keras' Xception (no top) parameters plus the seed's head", () => {
    const backbone = model.layers
      .filter((l) => /^(block\d+_|conv2d|batch_normalization)/.test(l.name))
      .flatMap((l) => l.weights);
    expect(count(backbone)).toBe(20_861_480);
    expect(count(backbone.filter((w) => !w.trainable))).toBe(54_528);
    // head: dense 2048→512, dense 512→512, dense (512 + 1 angle)→7
    expect(count(layer('dense').weights)).toBe(2048 * 512 + 512);
    expect(count(layer('dense_1').weights)).toBe(512 * 512 + 512);
    expect(count(layer('dense_2').weights)).toBe(513 * 7 + 7);
    expect(count(model.weights)).toBe(20_861_480 + 1_049_088 + 262_656 + 513 * 7 + 7);
  });

  it("uses Keras' layer names, residual branches and adds numbered as a fresh session does", () => {
    const names = new Set(model.layers.map((l) => l.name));
    for (const n of [
      'block1_conv1', 'block1_conv1_bn', 'block1_conv1_act', 'block1_conv2_act',
      'block2_sepconv1', 'block2_sepconv2_act', 'block2_pool', 'block4_sepconv1_act',
      'block12_sepconv3_bn', 'block13_pool', 'block14_sepconv2_act', 'avg_pool',
      'conv2d', 'conv2d_3', 'batch_normalization', 'batch_normalization_3', 'add', 'add_11',
      'dense', 'dropout', 'dense_1', 'dropout_1', 'concatenate', 'dense_2',
    ]) expect(names.has(n), n).toBe(true); // prettier-ignore
    expect(names.has('conv2d_4') || names.has('add_12') || names.has('block2_sepconv1_act')).toBe(
      false,
    );
    // the 3 × 3 stem sees 3 channels (ImageNet's weights fit), from the one-channel pattern
    expect(layer('block1_conv1').weights[0]!.shape).toEqual([3, 3, 3, 32]);
  });

  it('takes the pattern and the angle packed, and the angle reaches the output', () => {
    const side = 71;
    const img = tf.randomUniform([2, side * side], -1, 1, 'float32', 3);
    const a = tf.concat([img, tf.tensor2d([[0], [0]])], 1);
    const b = tf.concat([img, tf.tensor2d([[1], [1]])], 1);
    const pa = model.predict(a) as tf.Tensor;
    const pb = model.predict(b) as tf.Tensor;
    expect(pa.shape).toEqual([2, 7]);
    const sums = pa.sum(1).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    expect(tf.abs(pa.sub(pb)).max().dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([img, a, b, pa, pb]);
  });

  it('refuses a size Keras would refuse', () => {
    expect(() => X.resolve({ size: 64 })).toThrow(/size/);
  });
});
