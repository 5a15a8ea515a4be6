/**
 * `small2d`, the small 2D reference net of issue 3: conv3×3(16)-relu-maxpool2 →
 * conv3×3(32)-relu-maxpool2 → conv3×3(64)-relu → global average pooling → dense softmax,
 * on size×size×channels images (default 64×64×1, 10 classes: 23,946 parameters, which do not
 * depend on the image size).
 */
import * as tf from '@tensorflow/tfjs';
import { registerLayers } from '../layers/registry.js';
import { intOption, seededKernel, withDefaults, type Architecture } from './architecture.js';

export interface Small2dOptions {
  /** Image height and width [px]; at least 4 (two 2× poolings). */
  size: number;
  channels: number;
  classes: number;
}

const DEFAULTS: Small2dOptions = { size: 64, channels: 1, classes: 10 };

function resolve(options?: Readonly<Partial<Small2dOptions>>): Small2dOptions {
  const o = withDefaults('small2d', DEFAULTS, options);
  return {
    size: intOption(o.size, 'size', 4, 4096),
    channels: intOption(o.channels, 'channels', 1, 64),
    classes: intOption(o.classes, 'classes', 2, 1000),
  };
}

function build(o: Small2dOptions, seed: number): tf.LayersModel {
  registerLayers();
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const input = tf.input({ shape: [o.size, o.size, o.channels] });
  let x: S = input;
  [16, 32, 64].forEach((filters, i) => {
    const name = `conv${i + 1}`;
    if (i > 0) x = L.maxPooling2d({ poolSize: 2 }).apply(x) as S;
    x = L.conv2d({
      name,
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      ...seededKernel(seed, name),
    }).apply(x) as S;
  });
  x = L.globalAveragePooling2d({}).apply(x) as S;
  const out = L.dense({
    name: 'out',
    units: o.classes,
    activation: 'softmax',
    ...seededKernel(seed, 'out'),
  }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: 'small2d' });
}

export const SMALL2D: Architecture<Small2dOptions> = {
  name: 'small2d',
  description:
    'conv3×3(16)-relu-pool → conv3×3(32)-relu-pool → conv3×3(64)-relu → GAP → dense(10); 64×64×1',
  defaults: DEFAULTS,
  resolve,
  inputShape: (o) => [o.size, o.size, o.channels],
  build,
};
