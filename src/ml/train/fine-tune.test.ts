import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { initBackend } from '../backend/select.js';
import { arraySource } from './data.js';
import {
  copyWeightsByName,
  outputLayerName,
  setTrainableLayers,
  thawAll,
  trainAllButBatchNorm,
} from './fine-tune.js';
import { train } from './trainer.js';

/** conv → BN → relu → GAP → dense → softmax(classes), every layer named. */
function net(classes: number, seed: number): tf.LayersModel {
  const L = tf.layers;
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 10 + s });
  const input = tf.input({ shape: [8, 8, 1], name: 'x' });
  let x = L.conv2d({ name: 'conv', filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor; // prettier-ignore
  x = L.batchNormalization({ name: 'bn', momentum: 0.5 }).apply(x) as tf.SymbolicTensor;
  x = L.activation({ name: 'relu', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = L.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  x = L.dense({ name: 'dense', units: 6, activation: 'relu', kernelInitializer: init(2) }).apply(x) as tf.SymbolicTensor; // prettier-ignore
  const out = L.dense({ name: 'predictions', units: classes, activation: 'softmax', kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor; // prettier-ignore
  return tf.model({ inputs: input, outputs: out });
}

function data(n: number, classes: number, seed: number) {
  const rng = createRng(seed);
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    y[i * classes + k] = 1;
    for (let j = 0; j < 64; j++) x[i * 64 + j] = (j % (k + 2) === 0 ? 1 : 0) + 0.2 * rng.normal();
  }
  return { x, y };
}

const values = (l: tf.layers.Layer) => l.getWeights().map((w) => Array.from(w.dataSync()));

describe('fine-tuning', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  it('copies every layer by name but the excluded classifier; a misfit is an error naming the layer', () => {
    const a = net(3, 1);
    const b = net(5, 2);
    const r = copyWeightsByName(a, b, { except: [outputLayerName(b)] });
    expect(r.copied.sort()).toEqual(['bn', 'conv', 'dense']);
    expect(r.excluded).toEqual(['predictions']);
    for (const name of ['conv', 'bn', 'dense']) {
      expect(values(b.getLayer(name))).toEqual(values(a.getLayer(name)));
    }
    expect(values(b.getLayer('predictions'))[0]).not.toEqual(values(a.getLayer('predictions'))[0]);
    expect(() => copyWeightsByName(a, net(5, 3))).toThrow(
      /layer 'predictions'.*\[6, 3\].*\[6, 5\]/,
    );
  });

  it('a frozen batch normalisation runs in inference mode and keeps its statistics under training', () => {
    const m = net(3, 1);
    const bn = m.getLayer('bn');
    const x = tf.randomNormal([4, 8, 8, 1], 2, 3, 'float32', 7);
    const before = values(bn);
    const inference = Array.from((m.predict(x) as tf.Tensor).dataSync());
    const training = () => Array.from((m.apply(x, { training: true }) as tf.Tensor).dataSync());
    // unfrozen: batch statistics differ from the moving ones (mean 0, variance 1 at the start)
    expect(training()).not.toEqual(inference);
    expect(values(bn)[2]).not.toEqual(before[2]); // the moving mean moved
    const moved = values(bn);
    trainAllButBatchNorm(m);
    expect(bn.trainable).toBe(false);
    const frozenInference = Array.from((m.predict(x) as tf.Tensor).dataSync());
    expect(training()).toEqual(frozenInference);
    expect(values(bn)).toEqual(moved);
    thawAll(m);
    expect(bn.trainable).toBe(true);
    expect(training()).not.toEqual(frozenInference);
    tf.dispose(x);
  });

  it('the head stage changes only the head; the next stage changes all but batch normalisation', async () => {
    const m = net(3, 4);
    const d = data(48, 3, 5);
    const src = arraySource({ ...d, sampleShape: [8, 8, 1], labelShape: [3], batchSize: 16, shuffle: true, seed: 1 }); // prettier-ignore
    const opts = { epochs: 2, optimizer: { kind: 'adam' as const, learningRate: 1e-2 } };
    const snap = () => Object.fromEntries(['conv', 'bn', 'dense', 'predictions'].map((n) => [n, values(m.getLayer(n))])); // prettier-ignore

    const head = setTrainableLayers(m, (l) => l.getClassName() === 'Dense');
    expect(head.sort()).toEqual(['dense', 'predictions']);
    const s0 = snap();
    await train(m, src, opts);
    const s1 = snap();
    expect(s1.conv).toEqual(s0.conv);
    expect(s1.bn).toEqual(s0.bn); // γ, β and the moving statistics
    expect(s1.dense).not.toEqual(s0.dense);
    expect(s1.predictions).not.toEqual(s0.predictions);

    expect(trainAllButBatchNorm(m).sort()).toEqual(['conv', 'dense', 'predictions']);
    await train(m, src, opts);
    const s2 = snap();
    expect(s2.conv).not.toEqual(s1.conv);
    expect(s2.bn).toEqual(s1.bn);
    expect(s2.dense).not.toEqual(s1.dense);
  });
});
