/** Training-step benchmark of the reference nets (random inputs and labels, seeded). */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { initBackend } from '../backend/select.js';
import type { BackendName } from '../backend/select.js';
import { REFERENCE_NETS, referenceNetNames } from '../models/reference.js';
import { createOptimizer } from '../train/optimizers.js';
import { trainStep } from '../train/step.js';

export interface TrainBenchOptions {
  net: string;
  steps: number;
  warmup?: number;
  threads?: number;
  batchSize?: number;
  backend?: BackendName | 'auto';
  seed?: number;
}

export interface TrainBenchResult {
  net: string;
  backend: string;
  threads: number;
  batch_size: number;
  steps: number;
  /** Median over the timed steps. */
  ms_per_step: number;
  ms_per_step_mean: number;
  samples_per_s: number;
  final_loss: number;
}

export async function benchTrain(o: TrainBenchOptions): Promise<TrainBenchResult> {
  const spec = REFERENCE_NETS[o.net];
  if (spec === undefined) {
    throw new ValidationError(
      `unknown net '${o.net}'; expected one of ${referenceNetNames().join(', ')}`,
      '--net',
    );
  }
  const info = await initBackend({
    ...(o.backend === undefined ? {} : { backend: o.backend }),
    ...(o.threads === undefined ? {} : { threads: o.threads }),
  });
  const batch = o.batchSize ?? spec.batchSize;
  const seed = o.seed ?? 1;
  const model = spec.build(seed);
  const optimizer = createOptimizer({ kind: 'adam', learningRate: 1e-3 });
  const x = tf.randomNormal([batch, ...spec.inputShape], 0, 1, 'float32', seed);
  const labels = tf.tidy(() => tf.randomUniform([batch], 0, spec.numClasses, 'int32', seed + 1));
  const y = tf.oneHot(labels as tf.Tensor1D, spec.numClasses);
  const times: number[] = [];
  let loss = NaN;
  try {
    for (let i = 0; i < (o.warmup ?? 3) + o.steps; i++) {
      const t0 = performance.now();
      loss = trainStep(model, optimizer, x, y, 1e-3, 'categoricalCrossentropy', {}).loss;
      if (i >= (o.warmup ?? 3)) times.push(performance.now() - t0);
    }
  } finally {
    optimizer.dispose();
    tf.dispose([x, y, labels]);
    model.dispose();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return {
    net: spec.name,
    backend: info.backend,
    threads: info.threads,
    batch_size: batch,
    steps: o.steps,
    ms_per_step: median,
    ms_per_step_mean: times.reduce((a, b) => a + b, 0) / times.length,
    samples_per_s: (1000 * batch) / median,
    final_loss: loss,
  };
}
