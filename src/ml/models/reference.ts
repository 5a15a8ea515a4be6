/**
 * The reference nets of issue 3 as benchmark presets: an architecture of the registry at its
 * default options, with the batch size the benchmarks use (compared with the PyTorch nets of
 * bench/reference/torch_train_bench.py). The nets themselves are defined once, in
 * `small2d.ts`, `phase1d.ts` and `xception.ts`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Architecture } from './architecture.js';
import { PHASE1D } from './phase1d.js';
import { SMALL2D } from './small2d.js';
import { XCEPTION, xception } from './xception.js';

export { xception };

export interface ReferenceNet {
  readonly name: string;
  readonly description: string;
  /** Input shape without the batch axis. */
  readonly inputShape: readonly number[];
  readonly batchSize: number;
  readonly numClasses: number;
  build(seed: number, numClasses?: number): tf.LayersModel;
}

function preset<O extends { classes: number }>(
  a: Architecture<O>,
  batchSize: number,
): ReferenceNet {
  const defaults = a.resolve();
  return {
    name: a.name,
    description: a.description,
    inputShape: a.inputShape(defaults),
    batchSize,
    numClasses: defaults.classes,
    build: (seed, numClasses) =>
      a.build(
        numClasses === undefined ? defaults : a.resolve({ classes: numClasses } as Partial<O>),
        seed,
      ),
  };
}

export const REFERENCE_NETS: Readonly<Record<string, ReferenceNet>> = {
  small2d: preset(SMALL2D, 16),
  phase1d: preset(PHASE1D, 64),
  xception: preset(XCEPTION, 8),
};

export function referenceNetNames(): string[] {
  return Object.keys(REFERENCE_NETS);
}
