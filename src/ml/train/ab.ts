/**
 * Interleaved A/B timing of training-step variants (e.g. a bragg kernel against the stock one):
 * every round runs one step of each variant, in rotating order, so that load from other
 * processes hits all variants alike; medians per variant are reported.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizers.js';
import { trainStep } from './step.js';
import type { LossName } from './step.js';

export interface StepVariant {
  name: string;
  /** Switches the variant on; returns the function that switches it off. */
  enable(): () => void;
}

export interface AbResult {
  name: string;
  /** Median ms per step (wall clock). */
  ms: number;
  /** Median CPU ms per step (all threads of the process; less sensitive to other load). */
  cpuMs: number;
  times: number[];
  /** Loss of this variant's last step (variants share weights, so losses drift together). */
  lastLoss: number;
}

export function abSteps(
  model: tf.LayersModel,
  optimizer: Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
  loss: LossName,
  variants: readonly StepVariant[],
  rounds: number,
): AbResult[] {
  const times = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  const lastLoss = variants.map(() => NaN);
  for (let r = -1; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + Math.max(r, 0)) % variants.length;
      const off = variants[i]!.enable();
      try {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        lastLoss[i] = trainStep(model, optimizer, x, y, 1e-3, loss, {}).loss;
        // Round −1 warms each variant up (operator caches, JIT) and is not timed.
        if (r >= 0) {
          times[i]!.push(performance.now() - t0);
          const c = process.cpuUsage(c0);
          cpu[i]!.push((c.user + c.system) / 1000);
        }
      } finally {
        off();
      }
    }
  }
  const median = (v: number[]): number =>
    [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
  return variants.map((v, i) => {
    return {
      name: v.name,
      ms: median(times[i]!),
      cpuMs: median(cpu[i]!),
      times: times[i]!,
      lastLoss: lastLoss[i]!,
    };
  });
}
