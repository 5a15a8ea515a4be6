/**
 * The reference nets of issue 3, as data: each entry builds a seeded tf.LayersModel and names
 * its input shape, batch size and class count. Layouts follow the issue text; `xception`
 * follows Keras `applications.Xception` (Chollet, CVPR 2017) built from scratch.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../core/rng.js';
import { SeededDropout } from '../layers/seeded-dropout.js';

export interface ReferenceNet {
  readonly name: string;
  readonly description: string;
  /** Input shape without the batch axis. */
  readonly inputShape: readonly number[];
  readonly batchSize: number;
  readonly numClasses: number;
  build(seed: number, numClasses?: number): tf.LayersModel;
}

/** Seeded initialisers: every layer's weights are a function of (seed, layer name). */
function init(
  seed: number,
  name: string,
): { kernelInitializer: ReturnType<typeof tf.initializers.glorotUniform> } {
  return { kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, name) }) };
}

function small2d(seed: number, numClasses = 10): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [64, 64, 1] });
  let x: tf.SymbolicTensor = input;
  // conv3×3(16)-relu-maxpool2 → conv3×3(32)-relu-maxpool2 → conv3×3(64)-relu
  [16, 32, 64].forEach((filters, i) => {
    const name = `conv${i + 1}`;
    if (i > 0) x = L.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    x = L.conv2d({
      name,
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      ...init(seed, name),
    }).apply(x) as tf.SymbolicTensor;
  });
  x = L.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = L.dense({
    name: 'out',
    units: numClasses,
    activation: 'softmax',
    ...init(seed, 'out'),
  }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'small2d' });
}

function phase1d(seed: number, numClasses = 3): tf.LayersModel {
  const L = tf.layers;
  const input = tf.input({ shape: [147, 1] });
  let x: tf.SymbolicTensor = input;
  for (let i = 1; i <= 3; i++) {
    const name = `conv${i}`;
    x = L.conv1d({
      name,
      filters: 64,
      kernelSize: 6,
      activation: 'relu',
      ...init(seed, name),
    }).apply(x) as tf.SymbolicTensor;
    x = L.maxPooling1d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    if (i === 2)
      x = new SeededDropout({ rate: 0.5, seed: deriveSeed(seed, 'dropout') }).apply(
        x,
      ) as tf.SymbolicTensor;
  }
  x = L.flatten().apply(x) as tf.SymbolicTensor;
  x = L.dense({ name: 'fc', units: 128, activation: 'relu', ...init(seed, 'fc') }).apply(
    x,
  ) as tf.SymbolicTensor;
  const out = L.dense({
    name: 'out',
    units: numClasses,
    activation: 'softmax',
    ...init(seed, 'out'),
  }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'phase1d' });
}

/**
 * Keras Xception, from scratch (no pretrained weights), with a GAP + softmax head, on
 * size×size×3 inputs (Keras accepts size ≥ 71; the reference benchmark uses 128).
 */
export function xception(seed: number, numClasses = 10, size = 128): tf.LayersModel {
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
      ...init(seed, name),
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
      depthwiseInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, name, 'dw') }),
      pointwiseInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, name, 'pw') }),
    }).apply(x) as S;
  };
  const pool = (x: S): S =>
    L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as S;
  const add = (a: S, b: S): S => L.add().apply([a, b]) as S;

  const input = tf.input({ shape: [size, size, 3] });
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
    units: numClasses,
    activation: 'softmax',
    ...init(seed, 'predictions'),
  }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: 'xception' });
}

export const REFERENCE_NETS: Readonly<Record<string, ReferenceNet>> = {
  small2d: {
    name: 'small2d',
    description:
      'conv3×3(16)-relu-pool → conv3×3(32)-relu-pool → conv3×3(64)-relu → GAP → dense(10); 64×64×1',
    inputShape: [64, 64, 1],
    batchSize: 16,
    numClasses: 10,
    build: small2d,
  },
  phase1d: {
    name: 'phase1d',
    description:
      '3 × [Conv1D(64,6,relu) + MaxPool(2)], dropout 0.5 after pool 2, dense(128), softmax(3); 147×1',
    inputShape: [147, 1],
    batchSize: 64,
    numClasses: 3,
    build: phase1d,
  },
  xception: {
    name: 'xception',
    description: 'Xception (Keras layout) from scratch, GAP + softmax(10); 128×128×3',
    inputShape: [128, 128, 3],
    batchSize: 8,
    numClasses: 10,
    build: (seed, k) => xception(seed, k),
  },
};

export function referenceNetNames(): string[] {
  return Object.keys(REFERENCE_NETS);
}
