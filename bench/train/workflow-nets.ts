/**
 * Nets of the new workflows for `bragg bench train` (their PyTorch twins are in
 * bench/reference/torch_train_bench.py):
 * - the peaks U-Net (issue 16 item 11) as `bragg peaks train` trains it — 64² crops, batch 8,
 *   two sigmoid maps (foreground, interior) with per-pixel binary cross-entropy, Adam 1e-3;
 *   random inputs and random binary maps;
 * - the PACBED networks (issue 13 item 8) as `bragg pacbed train` trains them — the packed
 *   input (pattern + convergence angle), 15 classes (the thickness classes of the accuracy
 *   table), softmax + categorical cross-entropy, Adam 1e-3: `pacbed-compact-64` (the default,
 *   64 px, batch 16) and `pacbed-xception-128` (the seed's network at 128 px, batch 8, the
 *   seed's batch).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ReferenceNet } from '../../src/ml/models/reference.js';
import { PACBED_COMPACT_ARCHITECTURE as COMPACT } from '../../src/workflows/pacbed/models/compact.js';
import { PACBED_XCEPTION_ARCHITECTURE as XCEPTION } from '../../src/workflows/pacbed/models/xception.js';
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

function pacbed(which: 'compact' | 'xception', size: number, batchSize: number): ReferenceNet {
  const A = which === 'compact' ? COMPACT : XCEPTION;
  const arch = (classes: number) => A.resolve({ size, classes });
  return {
    name: `pacbed-${which}-${size}`,
    description: `${A.name}, ${size} px pattern + convergence angle (packed), 15 classes`,
    inputShape: [size * size + 1],
    batchSize,
    numClasses: 15,
    build: (seed, classes = 15) => A.build(arch(classes), seed),
  };
}

/** The PACBED networks, trained as classifiers (Adam + categorical cross-entropy). */
export const PACBED_BENCH_NETS: Readonly<Record<string, ReferenceNet>> = {
  'pacbed-compact-64': pacbed('compact', 64, 16),
  'pacbed-xception-128': pacbed('xception', 128, 8),
};
