/**
 * Nets of the new workflows for `bragg bench train` that are not classifiers (their PyTorch twins
 * are in bench/reference/torch_train_bench.py): the peaks U-Net (issue 16 item 11) as
 * `bragg peaks train` trains it — 64² crops, batch 8, two sigmoid maps (foreground, interior)
 * with per-pixel binary cross-entropy, Adam 1e-3. Random inputs and random binary maps.
 */
import type * as tf from '@tensorflow/tfjs';
import { PEAKS_UNET_ARCHITECTURE } from '../../src/workflows/peaks/models/unet.js';

export interface DenseBenchNet {
  readonly name: string;
  readonly description: string;
  readonly inputShape: readonly number[];
  /** The target's shape per sample (the maps). */
  readonly outputShape: readonly number[];
  readonly batchSize: number;
  readonly dense: true;
  build(seed: number): tf.LayersModel;
}

function peaksUnet(side: number): DenseBenchNet {
  const o = PEAKS_UNET_ARCHITECTURE.resolve({ height: side, width: side });
  return {
    name: `peaks-unet-${side}`,
    description: `peaks U-Net (${o.levels} levels, ${o.filters} filters), ${side}² crops → 2 sigmoid maps`,
    inputShape: [side, side, 1],
    outputShape: [side, side, 2],
    batchSize: 8,
    dense: true,
    build: (seed) => PEAKS_UNET_ARCHITECTURE.build(o, seed),
  };
}

export const DENSE_BENCH_NETS: Readonly<Record<string, DenseBenchNet>> = {
  'peaks-unet-64': peaksUnet(64),
};
