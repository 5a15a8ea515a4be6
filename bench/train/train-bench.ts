/** Training-step benchmark of the reference nets (random inputs and labels, seeded). */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../src/core/errors.js';
import { backendConfig, initBackend, type BackendConfig } from '../../src/ml/backend/select.js';
import type { BackendName } from '../../src/ml/backend/select.js';
import { REFERENCE_NETS, referenceNetNames } from '../../src/ml/models/reference.js';
import { createOptimizer } from '../../src/ml/train/optimizers.js';
import {
  alternativeWasmKernels,
  stockWasmKernel,
  swapWasmKernel,
} from '../../src/ml/backend/kernels/register.js';
import { ADAM_UPDATE, SGD_UPDATE } from '../../src/ml/backend/kernels/fused-optimizers.js';
import { BATCH_NORM } from '../../src/ml/backend/kernels/batch-norm.js';
import { abSteps } from '../../src/ml/train/ab.js';
import type { AbResult, StepVariant } from '../../src/ml/train/ab.js';
import { formatProfile, profileSteps } from '../../src/ml/train/kernel-profile.js';
import type { StepProfile } from '../../src/ml/train/kernel-profile.js';
import { trainStep } from '../../src/ml/train/step.js';
import type { LossName } from '../../src/ml/train/step.js';
import type { OptimizerSpec } from '../../src/ml/train/optimizers.js';
import { AIRYNET_BENCH_NETS } from './airynet-nets.js';
import { DENSE_BENCH_NETS, PACBED_BENCH_NETS } from './workflow-nets.js';

export interface TrainBenchOptions {
  net: string;
  steps: number;
  warmup?: number;
  threads?: number;
  batchSize?: number;
  backend?: BackendName | 'auto';
  seed?: number;
  /** The backend configuration the flags above refine (default: bragg's defaults). */
  config?: BackendConfig;
  /** After the timed steps, profile this many more steps kernel by kernel. */
  profileSteps?: number;
  /**
   * After the timed steps, time bragg's wasm kernels against the stock tfjs-backend-wasm ones
   * of these names, `steps` interleaved rounds (wasm only).
   */
  compareStock?: string[];
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
  /**
   * Median CPU time (user + system, all threads of the process) per step, ms: on a machine
   * shared with other work this moves much less than wall time.
   */
  cpu_ms_per_step: number;
  samples_per_s: number;
  final_loss: number;
  /** Per-kernel profile (with `profileSteps`). */
  profile?: StepProfile;
  /** Interleaved A/B medians (with `compareStock`). */
  ab?: AbResult[];
}

/**
 * Variants 'bragg' and the alternative: each name is a stock wasm kernel bragg replaced
 * (`MaxPoolGrad`), a bragg alternative (`Conv2DBackpropFilter/conv`) or a fused optimiser
 * kernel to switch off (`BraggAdamUpdate`: the composite update runs instead; `BraggBatchNorm`:
 * tfjs-layers' own training-mode batch normalisation runs instead).
 */
function stockVariants(names: readonly string[]): StepVariant[] {
  const swaps = names.map((n): (() => () => void) => {
    if (n === ADAM_UPDATE || n === SGD_UPDATE || n === BATCH_NORM) {
      return () => {
        const k = tf.getKernel(n, tf.getBackend());
        if (k === undefined) return () => undefined;
        tf.unregisterKernel(n, tf.getBackend());
        return () => tf.registerKernel(k);
      };
    }
    const k = stockWasmKernel(n);
    if (k === undefined) {
      const known = [...alternativeWasmKernels(), ADAM_UPDATE, SGD_UPDATE, BATCH_NORM];
      throw new ValidationError(
        `no alternative kernel '${n}'; known: ${known.join(', ')}`,
        '--compare-stock',
      );
    }
    return () => swapWasmKernel(k);
  });
  return [
    { name: 'bragg', enable: () => () => undefined },
    {
      name: `without ${names.join('+')}`,
      enable: () => {
        const undo = swaps.map((f) => f());
        return () => undo.reverse().forEach((f) => f());
      },
    },
  ];
}

export { formatProfile };

function medianOf(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

export async function benchTrain(o: TrainBenchOptions): Promise<TrainBenchResult> {
  const spec =
    REFERENCE_NETS[o.net] ??
    AIRYNET_BENCH_NETS[o.net] ??
    DENSE_BENCH_NETS[o.net] ??
    PACBED_BENCH_NETS[o.net];
  if (spec === undefined) {
    throw new ValidationError(
      `unknown net '${o.net}'; expected one of ${[...referenceNetNames(), ...Object.keys(AIRYNET_BENCH_NETS), ...Object.keys(DENSE_BENCH_NETS), ...Object.keys(PACBED_BENCH_NETS)].join(', ')}`,
      '--net',
    );
  }
  const info = await initBackend(
    backendConfig(
      {
        ...(o.backend === undefined ? {} : { backend: o.backend }),
        ...(o.threads === undefined ? {} : { threads: o.threads }),
      },
      o.config,
    ),
  );
  const batch = o.batchSize ?? spec.batchSize;
  const seed = o.seed ?? 1;
  const model = spec.build(seed);
  // the AiryNet nets train as the seed: SGD Nesterov + sigmoid cross-entropy on multi-hot labels
  const multi = 'multiLabel' in spec;
  // the dense nets (peaks U-Net) train as their workflow does: Adam + per-pixel cross-entropy
  const dense = 'dense' in spec;
  const lr = multi ? (0.1 * batch) / 128 : 1e-3;
  const optSpec: OptimizerSpec = multi
    ? { kind: 'sgd', learningRate: lr, momentum: 0.9, nesterov: true }
    : { kind: 'adam', learningRate: lr };
  const lossName: LossName = multi || dense ? 'binaryCrossentropy' : 'categoricalCrossentropy';
  const optimizer = createOptimizer(optSpec);
  const x = tf.randomNormal([batch, ...spec.inputShape], 0, 1, 'float32', seed);
  const classes = 'numClasses' in spec ? spec.numClasses : 1;
  const labels = tf.tidy(() => tf.randomUniform([batch], 0, classes, 'int32', seed + 1));
  const binary = (shape: number[]) =>
    tf.tidy(() =>
      tf
        .randomUniform(shape, 0, 1, 'float32', seed + 2)
        .less(0.3)
        .cast('float32'),
    );
  const y = dense
    ? binary([batch, ...spec.outputShape])
    : multi
      ? binary([batch, classes])
      : tf.oneHot(labels as tf.Tensor1D, classes);
  const times: number[] = [];
  const cpu: number[] = [];
  let loss = NaN;
  let profile: StepProfile | undefined;
  let ab: AbResult[] | undefined;
  try {
    for (let i = 0; i < (o.warmup ?? 3) + o.steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      loss = trainStep(model, optimizer, x, y, lr, lossName, {}).loss;
      if (i >= (o.warmup ?? 3)) {
        times.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
    }
    if (o.compareStock !== undefined && o.compareStock.length > 0) {
      const variants = stockVariants(o.compareStock);
      ab = abSteps(model, optimizer, x, y, lossName, variants, o.steps);
    }
    if (o.profileSteps !== undefined && o.profileSteps > 0) {
      profile = profileSteps(model, optimizer, x, y, lr, lossName, o.profileSteps);
    }
  } finally {
    optimizer.dispose();
    tf.dispose([x, y, labels]);
    model.dispose();
  }
  const median = medianOf(times);
  return {
    net: spec.name,
    backend: info.backend,
    threads: info.threads,
    batch_size: batch,
    steps: o.steps,
    ms_per_step: median,
    ms_per_step_mean: times.reduce((a, b) => a + b, 0) / times.length,
    cpu_ms_per_step: medianOf(cpu),
    samples_per_s: (1000 * batch) / median,
    final_loss: loss,
    ...(profile === undefined ? {} : { profile }),
    ...(ab === undefined ? {} : { ab }),
  };
}
