/**
 * `pacbed-compact`, the PACBED workflow's default network: two inputs — the pattern
 * (size × size, one channel, in [-1, 1]) and the normalised convergence angle — like the seed's
 * Xception model (STUDY.md §1.3), at a size that trains on 2 cores in minutes. Image branch:
 * `blocks` × [conv3×3 → batch norm → relu → maxpool 2] with `filters`·2^b filters, global
 * average pooling, dense(`dense`, relu), dropout; the angle joins it (concatenate) before
 * dense(`dense`/2, relu) and the softmax over the classes.
 *
 * bragg's trainer feeds one tensor per batch, so both inputs travel packed in one vector of
 * size² + 1 values (the image row-major, then the angle); the first layers split it again with
 * Keras layers only (reshape, cropping), so the bundle loads anywhere TF.js layers load.
 */
import * as tf from '@tensorflow/tfjs';
import { registerLayers } from '../../../ml/layers/registry.js';
import { SeededDropout } from '../../../ml/layers/seeded-dropout.js';
import {
  intOption,
  rateOption,
  seededKernel,
  withDefaults,
  type Architecture,
} from '../../../ml/models/architecture.js';
import { deriveSeed } from '../../../core/rng.js';
import { ValidationError } from '../../../core/errors.js';
import { packedInput } from './packed.js';

export interface PacbedCompactOptions {
  /** Image side [px]. */
  size: number;
  classes: number;
  /** Filters of the first block (doubled per block). */
  filters: number;
  blocks: number;
  /** Units of the first dense layer. */
  dense: number;
  dropout: number;
  /**
   * How the last feature map becomes a vector: `avg` — global average pooling (the seed's
   * Xception head; it keeps no layout), `flatten` — every cell, so where a feature lies
   * relative to the disc's centre reaches the head.
   */
  pooling: 'avg' | 'flatten';
}

export const PACBED_COMPACT = 'pacbed-compact';

const DEFAULTS: PacbedCompactOptions = {
  size: 64,
  classes: 10,
  filters: 16,
  blocks: 4,
  dense: 128,
  dropout: 0.3,
  pooling: 'avg',
};

function poolingOption(v: unknown): 'avg' | 'flatten' {
  if (v !== 'avg' && v !== 'flatten') {
    throw new ValidationError(`must be avg or flatten, got ${String(v)}`, 'pooling');
  }
  return v;
}

function resolve(options?: Readonly<Partial<PacbedCompactOptions>>): PacbedCompactOptions {
  const o = withDefaults(PACBED_COMPACT, DEFAULTS, options);
  const r: PacbedCompactOptions = {
    size: intOption(o.size, 'size', 8, 1024),
    classes: intOption(o.classes, 'classes', 2, 100_000),
    filters: intOption(o.filters, 'filters', 1, 512),
    blocks: intOption(o.blocks, 'blocks', 1, 8),
    dense: intOption(o.dense, 'dense', 2, 8192),
    dropout: rateOption(o.dropout, 'dropout'),
    pooling: poolingOption(o.pooling),
  };
  if (r.size >> r.blocks < 1) {
    throw new ValidationError(`${r.blocks} poolings do not fit a ${r.size} px image`, 'blocks');
  }
  return r;
}

function build(o: PacbedCompactOptions, seed: number): tf.LayersModel {
  registerLayers();
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const { input, image, angle } = packedInput(o.size);
  let x = image;
  for (let b = 0; b < o.blocks; b++) {
    const name = `block${b + 1}_conv`;
    x = L.conv2d({
      name,
      filters: o.filters << b,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      ...seededKernel(seed, name),
    }).apply(x) as S;
    x = L.batchNormalization({ name: `block${b + 1}_bn`, momentum: 0.9 }).apply(x) as S;
    x = L.activation({ activation: 'relu', name: `block${b + 1}_relu` }).apply(x) as S;
    x = L.maxPooling2d({ poolSize: 2, name: `block${b + 1}_pool` }).apply(x) as S;
  }
  x = (
    o.pooling === 'avg'
      ? L.globalAveragePooling2d({ name: 'avg_pool' })
      : L.flatten({ name: 'flatten' })
  ).apply(x) as S;
  x = L.dense({
    name: 'dense1',
    units: o.dense,
    activation: 'relu',
    ...seededKernel(seed, 'dense1'),
  }).apply(x) as S;
  if (o.dropout > 0) {
    x = new SeededDropout({ rate: o.dropout, seed: deriveSeed(seed, 'dropout1') }).apply(x) as S;
  }
  x = L.concatenate({ name: 'with_angle' }).apply([x, angle]) as S;
  const h = Math.max(2, o.dense >> 1);
  x = L.dense({
    name: 'dense2',
    units: h,
    activation: 'relu',
    ...seededKernel(seed, 'dense2'),
  }).apply(x) as S;
  const out = L.dense({
    name: 'predictions',
    units: o.classes,
    activation: 'softmax',
    ...seededKernel(seed, 'predictions'),
  }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: PACBED_COMPACT });
}

export const PACBED_COMPACT_ARCHITECTURE: Architecture<PacbedCompactOptions> = {
  name: PACBED_COMPACT,
  description:
    'PACBED image (size², [-1, 1]) + convergence angle, packed: 4 × [conv3×3-BN-relu-pool] → GAP → dense(128) → ⊕ angle → dense(64) → softmax',
  defaults: DEFAULTS,
  resolve,
  inputShape: (o) => [o.size * o.size + 1],
  build,
};
