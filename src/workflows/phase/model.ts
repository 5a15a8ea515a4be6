/**
 * The phase CNN of the seed (ml_difsims `cnn_large_filter.py`, STUDY.md §4.7):
 * `depth` × [Conv1D(filters, kernel, relu) → MaxPool(2)], Dropout(0.5) after the second pool,
 * Flatten, Dense(dense, relu), Dense(n, softmax); optional batch normalisation after each
 * convolution. Defaults reproduce the seed: 3 × Conv1D(64, 6), Dense(128), input (147, 1).
 * Weights are seeded per layer name.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';
import { SeededDropout } from '../../ml/layers/seeded-dropout.js';

export interface PhaseCnnConfig {
  /** Profile length (q points). */
  inputLength: number;
  classes: number;
  /** Conv blocks (default 3). */
  depth?: number;
  /** Filters per Conv1D (default 64). */
  filters?: number;
  /** Conv1D kernel size (default 6). */
  kernelSize?: number;
  /** Units of the hidden dense layer (default 128). */
  dense?: number;
  /** Dropout rate after the second pool (default 0.5; 0 disables). */
  dropout?: number;
  /** Batch normalisation after each convolution (default false, as the seed). */
  batchNorm?: boolean;
}

export type ResolvedPhaseCnnConfig = Required<PhaseCnnConfig>;

function posInt(v: number, field: string, min = 1, max = 1 << 16): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`must be an integer in ${min}…${max}, got ${v}`, field);
  }
  return v;
}

export function resolvePhaseCnnConfig(c: PhaseCnnConfig): ResolvedPhaseCnnConfig {
  const r: ResolvedPhaseCnnConfig = {
    inputLength: posInt(c.inputLength, 'inputLength', 8),
    classes: posInt(c.classes, 'classes', 2, 1000),
    depth: posInt(c.depth ?? 3, '--depth', 1, 8),
    filters: posInt(c.filters ?? 64, '--width', 1, 1024),
    kernelSize: posInt(c.kernelSize ?? 6, '--kernel-size', 1, 64),
    dense: posInt(c.dense ?? 128, '--dense', 1, 4096),
    dropout: c.dropout ?? 0.5,
    batchNorm: c.batchNorm ?? false,
  };
  if (!(r.dropout >= 0 && r.dropout < 1)) {
    throw new ValidationError(`must be in [0, 1), got ${r.dropout}`, '--dropout');
  }
  // each block: valid convolution (− kernel + 1) then pool (÷ 2, floor)
  let len = r.inputLength;
  for (let i = 0; i < r.depth; i++) len = Math.floor((len - r.kernelSize + 1) / 2);
  if (len < 1) {
    throw new ValidationError(
      `${r.depth} blocks with kernel ${r.kernelSize} do not fit a profile of ${r.inputLength} points`,
      '--depth',
    );
  }
  return r;
}

/** Build the CNN; same (config, seed) → same initial weights. */
export function buildPhaseCnn(config: PhaseCnnConfig, seed: number): tf.LayersModel {
  const c = resolvePhaseCnnConfig(config);
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const init = (name: string) => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, name) }),
  });
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
      ...init(name),
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
  x = L.dense({ name: 'fc', units: c.dense, activation: 'relu', ...init('fc') }).apply(x) as S;
  const out = L.dense({
    name: 'out',
    units: c.classes,
    activation: 'softmax',
    ...init('out'),
  }).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: 'phase_cnn' });
}
