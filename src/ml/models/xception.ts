/**
 * `xception`: Keras `applications.Xception` (Chollet, CVPR 2017) built from scratch (no
 * pretrained weights) with a GAP + softmax head, on size×size×channels images. Keras accepts
 * size ≥ 71 for its pretrained weights; the layout itself needs size ≥ 7 (the stem's valid
 * 3×3 convolutions) and the reference benchmark uses 128×128×3. The PACBED-CNN models of the
 * seed are Xception classifiers.
 */
import * as tf from '@tensorflow/tfjs';
import { registerLayers } from '../layers/registry.js';
import {
  intOption,
  seededGlorot,
  seededKernel,
  withDefaults,
  type Architecture,
} from './architecture.js';

export interface XceptionOptions {
  /** Image height and width [px], at least 7. */
  size: number;
  channels: number;
  classes: number;
}

const DEFAULTS: XceptionOptions = { size: 128, channels: 3, classes: 10 };

function resolve(options?: Readonly<Partial<XceptionOptions>>): XceptionOptions {
  const o = withDefaults('xception', DEFAULTS, options);
  return {
    size: intOption(o.size, 'size', 7, 4096),
    channels: intOption(o.channels, 'channels', 1, 64),
    classes: intOption(o.classes, 'classes', 2, 100_000),
  };
}

function build(o: XceptionOptions, seed: number): tf.LayersModel {
  registerLayers();
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  let n = 0;
  const bn = (x: S): S =>
    L.batchNormalization({ name: `bn${n++}`, momentum: 0.99, epsilon: 1e-3 }).apply(x) as S;
  const relu = (x: S): S => L.activation({ activation: 'relu' }).apply(x) as S;
  const conv = (
    x: S,
    filters: number,
    k: number,
    strides: number,
    padding: 'same' | 'valid',
  ): S => {
    const name = `conv${n++}`;
    return L.conv2d({
      name,
      filters,
      kernelSize: k,
      strides,
      padding,
      useBias: false,
      ...seededKernel(seed, name),
    }).apply(x) as S;
  };
  const sep = (x: S, filters: number): S => {
    const name = `sep${n++}`;
    return L.separableConv2d({
      name,
      filters,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: seededGlorot(seed, name, 'dw'),
      pointwiseInitializer: seededGlorot(seed, name, 'pw'),
    }).apply(x) as S;
  };
  const pool = (x: S): S =>
    L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as S;
  const add = (a: S, b: S): S => L.add().apply([a, b]) as S;

  const input = tf.input({ shape: [o.size, o.size, o.channels] });
  let x = relu(bn(conv(input, 32, 3, 2, 'valid')));
  x = relu(bn(conv(x, 64, 3, 1, 'valid')));
  // Entry flow: 128 (no relu before the first separable conv), 256, 728.
  for (const [i, f] of [128, 256, 728].entries()) {
    const residual = bn(conv(x, f, 1, 2, 'same'));
    let y = i === 0 ? x : relu(x);
    y = bn(sep(y, f));
    y = bn(sep(relu(y), f));
    x = add(pool(y), residual);
  }
  // Middle flow: 8 blocks of three separable convs.
  for (let b = 0; b < 8; b++) {
    let y = x;
    for (let j = 0; j < 3; j++) y = bn(sep(relu(y), 728));
    x = add(y, x);
  }
  // Exit flow.
  const residual = bn(conv(x, 1024, 1, 2, 'same'));
  let y = bn(sep(relu(x), 728));
  y = bn(sep(relu(y), 1024));
  x = add(pool(y), residual);
  x = relu(bn(sep(x, 1536)));
  x = relu(bn(sep(x, 2048)));
  x = L.globalAveragePooling2d({}).apply(x) as S;
  const out = L.dense({
    name: 'predictions',
    units: o.classes,
    activation: 'softmax',
    ...seededKernel(seed, 'predictions'),
  }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: 'xception' });
}

export const XCEPTION: Architecture<XceptionOptions> = {
  name: 'xception',
  description: 'Xception (Keras layout) from scratch, GAP + softmax(10); 128×128×3 (size ≥ 7)',
  defaults: DEFAULTS,
  resolve,
  inputShape: (o) => [o.size, o.size, o.channels],
  build,
};

/** Xception with `numClasses` outputs on size×size×3 inputs (the benchmarks' shorthand). */
export function xception(seed: number, numClasses = 10, size = 128): tf.LayersModel {
  return build(resolve({ size, classes: numClasses }), seed);
}
