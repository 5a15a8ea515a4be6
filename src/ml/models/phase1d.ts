/**
 * `phase1d`, the phase CNN of the seed (ml_difsims `cnn_large_filter.py`, STUDY.md §4.7), the
 * one definition the phase workflow and the benchmarks build:
 * `depth` × [Conv1D(filters, kernelSize, relu) → MaxPool(2)], dropout after the second pool,
 * Flatten, Dense(dense, relu), Dense(classes, softmax); optional batch normalisation after each
 * convolution. The defaults are the seed network: 3 × Conv1D(64, 6), dropout 0.5, Dense(128),
 * input (147, 1), 3 classes — Flatten 14 × 64 = 896 and 164,931 parameters.
 * Weights are seeded per layer name.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';
import { registerLayers } from '../layers/registry.js';
import { SeededDropout } from '../layers/seeded-dropout.js';
import {
  boolOption,
  intOption,
  rateOption,
  seededKernel,
  withDefaults,
  type Architecture,
} from './architecture.js';

export interface Phase1dOptions {
  /** Profile length (q points). */
  inputLength: number;
  classes: number;
  /** Conv blocks. */
  depth: number;
  /** Filters per Conv1D (the network's width). */
  filters: number;
  /** Conv1D kernel size. */
  kernelSize: number;
  /** Units of the hidden dense layer. */
  dense: number;
  /** Dropout rate after the second pool (0 disables). */
  dropout: number;
  /** Batch normalisation after each convolution (the seed has none). */
  batchNorm: boolean;
}

export const PHASE1D_DEFAULTS: Readonly<Phase1dOptions> = {
  inputLength: 147,
  classes: 3,
  depth: 3,
  filters: 64,
  kernelSize: 6,
  dense: 128,
  dropout: 0.5,
  batchNorm: false,
};

/** Profile length left after `depth` blocks of valid convolution (− kernel + 1) and pool (÷ 2). */
export function phase1dFeatureLength(o: Phase1dOptions): number {
  let len = o.inputLength;
  for (let i = 0; i < o.depth; i++) len = Math.floor((len - o.kernelSize + 1) / 2);
  return len;
}

function resolve(options?: Readonly<Partial<Phase1dOptions>>): Phase1dOptions {
  const o = withDefaults('phase1d', PHASE1D_DEFAULTS, options);
  const r: Phase1dOptions = {
    inputLength: intOption(o.inputLength, 'inputLength', 8, 1 << 16),
    classes: intOption(o.classes, 'classes', 2, 1000),
    depth: intOption(o.depth, 'depth', 1, 8),
    filters: intOption(o.filters, 'filters', 1, 1024),
    kernelSize: intOption(o.kernelSize, 'kernelSize', 1, 64),
    dense: intOption(o.dense, 'dense', 1, 4096),
    dropout: rateOption(o.dropout, 'dropout'),
    batchNorm: boolOption(o.batchNorm, 'batchNorm'),
  };
  if (phase1dFeatureLength(r) < 1) {
    throw new ValidationError(
      `${r.depth} blocks with kernel ${r.kernelSize} do not fit a profile of ${r.inputLength} points`,
      'depth',
    );
  }
  return r;
}

function build(c: Phase1dOptions, seed: number): tf.LayersModel {
  registerLayers();
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const input = tf.input({ shape: [c.inputLength, 1], name: 'profile' });
  let x: S = input;
  for (let i = 1; i <= c.depth; i++) {
    const name = `conv${i}`;
    x = L.conv1d({
      name,
      filters: c.filters,
      kernelSize: c.kernelSize,
      activation: c.batchNorm ? 'linear' : 'relu',
      useBias: !c.batchNorm,
      ...seededKernel(seed, name),
    }).apply(x) as S;
    if (c.batchNorm) {
      x = L.batchNormalization({ name: `bn${i}` }).apply(x) as S;
      x = L.activation({ activation: 'relu', name: `relu${i}` }).apply(x) as S;
    }
    x = L.maxPooling1d({ poolSize: 2, name: `pool${i}` }).apply(x) as S;
    if (i === Math.min(2, c.depth) && c.dropout > 0) {
      x = new SeededDropout({
        rate: c.dropout,
        seed: deriveSeed(seed, 'dropout'),
        name: 'dropout',
      }).apply(x) as S;
    }
  }
  x = L.flatten({ name: 'flatten' }).apply(x) as S;
  x = L.dense({
    name: 'fc',
    units: c.dense,
    activation: 'relu',
    ...seededKernel(seed, 'fc'),
  }).apply(x) as S;
  const out = L.dense({
    name: 'out',
    units: c.classes,
    activation: 'softmax',
    ...seededKernel(seed, 'out'),
  }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: 'phase1d' });
}

export const PHASE1D: Architecture<Phase1dOptions> = {
  name: 'phase1d',
  description:
    'depth × [Conv1D(filters, kernelSize, relu) + MaxPool(2)], dropout after pool 2, dense, softmax; ' +
    'default 3 × Conv1D(64, 6), dropout 0.5, dense(128), softmax(3) on 147×1 (the seed CNN)',
  defaults: PHASE1D_DEFAULTS,
  resolve,
  inputShape: (o) => [o.inputLength, 1],
  build,
};
