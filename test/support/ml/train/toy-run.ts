/**
 * Test support: one small, fully seeded training run with checkpoints (dense layers,
 * SeededDropout, Adam, a toy 3-class task), the same in a test process and in the killed child
 * process of `train-child.ts`, so their histories and weights can be compared bit for bit.
 * Runs on tfjs's `cpu` backend (started here).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { createRng } from '../../../../src/core/rng.js';
import { initBackend } from '../../../../src/ml/backend/select.js';
import { SeededDropout } from '../../../../src/ml/layers/seeded-dropout.js';
import { arraySource } from '../../../../src/ml/train/data.js';
import type { OptimizerSpec } from '../../../../src/ml/train/optimizers.js';
import { train } from '../../../../src/ml/train/trainer.js';

export interface ToyRunOptions {
  /** The checkpoint directory. */
  dir: string;
  resume?: boolean;
  /** Epochs (default 3). */
  epochs?: number;
  /** Called at the end of every epoch, before its checkpoint. */
  onEpoch?: (epoch: number) => void;
  /** Units of the hidden layer (default 16): another value is another architecture. */
  units?: number;
  /** Default: Adam, learning rate 0.01. */
  optimizer?: OptimizerSpec;
}

export interface ToyRunResult {
  startEpoch: number;
  /** [loss, accuracy, val_loss, val_accuracy] per epoch (no timings). */
  history: (number | undefined)[][];
  /** sha256 of the final weights' float32 bytes. */
  weights: string;
}

/** The toy model: 24 inputs → dense `units` (relu) → SeededDropout 0.3 → dense 3 (softmax). */
export function toyModel(units = 16): tf.LayersModel {
  const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [24] });
  let x = tf.layers
    .dense({ units, activation: 'relu', kernelInitializer: init(3) })
    .apply(input) as tf.SymbolicTensor;
  x = new SeededDropout({ rate: 0.3, seed: 11 }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: init(4) })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function toy(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = createRng(seed);
  const x = new Float32Array(n * 24);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    y[i * 3 + k] = 1;
    for (let j = 0; j < 24; j++) x[i * 24 + j] = (j % 3 === k ? 1 : 0) + 0.3 * rng.normal();
  }
  return { x, y };
}

const shape = { sampleShape: [24], labelShape: [3], batchSize: 10 };

/** Trains the toy model (45 samples, batches of 10: a partial last batch) with checkpoints. */
export async function toyRun(o: ToyRunOptions): Promise<ToyRunResult> {
  await initBackend({ backend: 'cpu' });
  const m = toyModel(o.units);
  try {
    const r = await train(m, arraySource({ ...toy(45, 1), ...shape, shuffle: true, seed: 5 }), {
      epochs: o.epochs ?? 3,
      optimizer: o.optimizer ?? { kind: 'adam', learningRate: 1e-2 },
      validation: arraySource({ ...toy(15, 2), ...shape }),
      checkpointDir: o.dir,
      resume: o.resume === true,
      callbacks: [{ onEvent: (e) => void (e.type === 'epoch' && o.onEpoch?.(e.epoch)) }],
    });
    const weights = createHash('sha256');
    for (const w of m.getWeights()) weights.update(w.dataSync() as Float32Array);
    return {
      startEpoch: r.startEpoch,
      history: r.history.map((h) => [h.loss, h.accuracy, h.val_loss, h.val_accuracy]),
      weights: weights.digest('hex'),
    };
  } finally {
    m.dispose();
  }
}
