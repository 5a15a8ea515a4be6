/**
 * `pacbed-xception`, the seed's PACBED-CNN network (`Training_CNN.ipynb`, STUDY.md §1.3): Keras'
 * `applications.Xception(include_top=False, pooling='avg')` layer for layer with Keras' layer
 * names, then `Dense(512, relu)` + `Dropout(0.3)` twice, the convergence angle concatenated,
 * and `Dense(classes, softmax)`. The names are those a fresh Keras session gives: the named
 * layers of keras/applications/xception.py (`block1_conv1`, `block2_sepconv1_bn`, …,
 * `block14_sepconv2_act`, `avg_pool`), its four unnamed residual branches (`conv2d`…`conv2d_3`,
 * `batch_normalization`…`batch_normalization_3`) and adds (`add`…`add_11`), and the seed's
 * unnamed head (`dense`, `dropout`, `dense_1`, `dropout_1`, `concatenate`, `dense_2`) — so
 * weights saved by Keras (ImageNet's `…_notop.h5`, or a seed model) load by name.
 *
 * Keras' Xception takes 3 channels (the seed feeds grey patterns as RGB); here the pattern
 * travels as one channel, packed with the angle in one vector as `pacbed-compact` does
 * (size² + 1 values), and is repeated to 3 channels inside the model (`rgb`). Keras needs
 * size ≥ 71. Batch norm as Keras' defaults (momentum 0.99, ε 1e-3).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../../core/rng.js';
import { registerLayers } from '../../../ml/layers/registry.js';
import { SeededDropout } from '../../../ml/layers/seeded-dropout.js';
import {
  intOption,
  rateOption,
  seededGlorot,
  seededKernel,
  withDefaults,
  type Architecture,
} from '../../../ml/models/architecture.js';
import { packedInput } from './packed.js';

export interface PacbedXceptionOptions {
  /** Image side [px], ≥ 71 as Keras' Xception. */
  size: number;
  classes: number;
  /** Units of the two dense layers of the head (the seed's 512). */
  dense: number;
  dropout: number;
}

export const PACBED_XCEPTION = 'pacbed-xception';

const DEFAULTS: PacbedXceptionOptions = { size: 128, classes: 10, dense: 512, dropout: 0.3 };

function resolve(options?: Readonly<Partial<PacbedXceptionOptions>>): PacbedXceptionOptions {
  const o = withDefaults(PACBED_XCEPTION, DEFAULTS, options);
  return {
    size: intOption(o.size, 'size', 71, 1024),
    classes: intOption(o.classes, 'classes', 2, 100_000),
    dense: intOption(o.dense, 'dense', 1, 8192),
    dropout: rateOption(o.dropout, 'dropout'),
  };
}

function build(o: PacbedXceptionOptions, seed: number): tf.LayersModel {
  registerLayers();
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const { input, image: grey, angle } = packedInput(o.size);
  const rgb = L.concatenate({ axis: -1, name: 'rgb' }).apply([grey, grey, grey]) as S;

  const bn = (x: S, name: string): S =>
    L.batchNormalization({ name, momentum: 0.99, epsilon: 1e-3 }).apply(x) as S;
  const act = (x: S, name: string): S => L.activation({ activation: 'relu', name }).apply(x) as S;
  const conv = (x: S, name: string, filters: number, k: number, strides: number, padding: 'same' | 'valid'): S => // prettier-ignore
    L.conv2d({ name, filters, kernelSize: k, strides, padding, useBias: false, ...seededKernel(seed, name) }).apply(x) as S; // prettier-ignore
  const sep = (x: S, name: string, filters: number): S =>
    L.separableConv2d({
      name,
      filters,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: seededGlorot(seed, name, 'dw'),
      pointwiseInitializer: seededGlorot(seed, name, 'pw'),
    }).apply(x) as S;
  const pool = (x: S, name: string): S =>
    L.maxPooling2d({ name, poolSize: 3, strides: 2, padding: 'same' }).apply(x) as S;
  let adds = 0;
  const add = (a: S, b: S): S => {
    const name = adds === 0 ? 'add' : `add_${adds}`;
    adds++;
    return L.add({ name }).apply([a, b]) as S;
  };
  let residuals = 0;
  const residual = (x: S, filters: number): S => {
    const k = residuals++;
    const sfx = k === 0 ? '' : `_${k}`;
    return bn(conv(x, `conv2d${sfx}`, filters, 1, 2, 'same'), `batch_normalization${sfx}`);
  };

  // Entry flow
  let x = act(bn(conv(rgb, 'block1_conv1', 32, 3, 2, 'valid'), 'block1_conv1_bn'), 'block1_conv1_act'); // prettier-ignore
  x = act(bn(conv(x, 'block1_conv2', 64, 3, 1, 'valid'), 'block1_conv2_bn'), 'block1_conv2_act');
  for (const [i, f] of [128, 256, 728].entries()) {
    const b = `block${i + 2}`;
    const r = residual(x, f);
    let y = i === 0 ? x : act(x, `${b}_sepconv1_act`);
    y = bn(sep(y, `${b}_sepconv1`, f), `${b}_sepconv1_bn`);
    y = bn(sep(act(y, `${b}_sepconv2_act`), `${b}_sepconv2`, f), `${b}_sepconv2_bn`);
    x = add(pool(y, `${b}_pool`), r);
  }
  // Middle flow: blocks 5–12
  for (let m = 5; m <= 12; m++) {
    const b = `block${m}`;
    let y = x;
    for (let j = 1; j <= 3; j++) {
      y = bn(sep(act(y, `${b}_sepconv${j}_act`), `${b}_sepconv${j}`, 728), `${b}_sepconv${j}_bn`);
    }
    x = add(y, x);
  }
  // Exit flow
  const r = residual(x, 1024);
  let y = bn(sep(act(x, 'block13_sepconv1_act'), 'block13_sepconv1', 728), 'block13_sepconv1_bn');
  y = bn(sep(act(y, 'block13_sepconv2_act'), 'block13_sepconv2', 1024), 'block13_sepconv2_bn');
  x = add(pool(y, 'block13_pool'), r);
  x = act(bn(sep(x, 'block14_sepconv1', 1536), 'block14_sepconv1_bn'), 'block14_sepconv1_act');
  x = act(bn(sep(x, 'block14_sepconv2', 2048), 'block14_sepconv2_bn'), 'block14_sepconv2_act');
  x = L.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as S;

  // The seed's head
  const dense = (v: S, name: string, units: number, activation: 'relu' | 'softmax'): S =>
    L.dense({ name, units, activation, ...seededKernel(seed, name) }).apply(v) as S;
  const drop = (v: S, name: string): S =>
    o.dropout > 0
      ? (new SeededDropout({ name, rate: o.dropout, seed: deriveSeed(seed, name) }).apply(v) as S)
      : v;
  x = drop(dense(x, 'dense', o.dense, 'relu'), 'dropout');
  x = drop(dense(x, 'dense_1', o.dense, 'relu'), 'dropout_1');
  x = L.concatenate({ name: 'concatenate' }).apply([x, angle]) as S;
  const out = dense(x, 'dense_2', o.classes, 'softmax');
  return tf.model({ inputs: input, outputs: out, name: PACBED_XCEPTION });
}

export const PACBED_XCEPTION_ARCHITECTURE: Architecture<PacbedXceptionOptions> = {
  name: PACBED_XCEPTION,
  description:
    "the seed's PACBED-CNN: Keras Xception (no top, avg pooling; Keras layer names) on the pattern as RGB → dense(512)-dropout(0.3) ×2 → ⊕ convergence angle → softmax; packed input as pacbed-compact",
  defaults: DEFAULTS,
  resolve,
  inputShape: (o) => [o.size * o.size + 1],
  build,
};
