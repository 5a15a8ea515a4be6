/**
 * `peaks-sslm`, the peaks workflow's self-supervised clustering network — the seed's SSLM
 * (DiPID `SSLModel`, STUDY.md §3.3, after Kim, Kanezaki & Tanaka, "Unsupervised learning of
 * image segmentation based on differentiable feature clustering", IEEE TIP 2020,
 * arXiv:2007.09990, and the spatially guided variant arXiv:2107.04934):
 *
 *   conv3×3(1 → C) → ReLU → BN,
 *   (convs − 1) × [conv3×3(C → C) → ReLU → BN],
 *   conv1×1(C → C) → ReLU → BN
 *
 * with C = `channels` (100, the seed's cluster count) and `convs` = 2 (the seed's `num_conv`):
 * three conv layers, ~101.8 k weights at C = 100 (the seed's 415,539-byte state dict). The
 * output is the C-channel response map; a pixel's cluster is its argmax (`ssl/`). Batch
 * normalisation uses PyTorch's defaults (momentum 0.1 = tfjs' 0.9, ε 1e-5). Fully
 * convolutional: built at the frame size for prediction and the trained weights copied in.
 */
import * as tf from '@tensorflow/tfjs';
import {
  intOption,
  seededKernel,
  withDefaults,
  type Architecture,
} from '../../../ml/models/architecture.js';

export interface PeaksSslmOptions {
  /** Input rows and columns. */
  height: number;
  width: number;
  /** Cluster channels of every layer (the seed's 100). */
  channels: number;
  /** conv3×3 layers (the seed's `num_conv`, 2), followed by the 1×1 layer. */
  convs: number;
}

export const PEAKS_SSLM = 'peaks-sslm';

const DEFAULTS: PeaksSslmOptions = { height: 64, width: 64, channels: 100, convs: 2 };

function resolve(options?: Readonly<Partial<PeaksSslmOptions>>): PeaksSslmOptions {
  const o = withDefaults(PEAKS_SSLM, DEFAULTS, options);
  return {
    height: intOption(o.height, 'height', 2, 8192),
    width: intOption(o.width, 'width', 2, 8192),
    channels: intOption(o.channels, 'channels', 2, 1024),
    convs: intOption(o.convs, 'convs', 1, 8),
  };
}

/** The cluster names (the bundle's `labels`: one per output channel). */
export function sslmLabels(channels: number): string[] {
  return Array.from({ length: channels }, (_, c) => `cluster${c}`);
}

function build(o: PeaksSslmOptions, seed: number): tf.LayersModel {
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const input = tf.input({ shape: [o.height, o.width, 1], name: 'frame' });
  const block = (x: S, kernelSize: number, name: string): S => {
    const c = L.conv2d({
      name,
      filters: o.channels,
      kernelSize,
      padding: 'same',
      activation: 'relu',
      ...seededKernel(seed, name),
    }).apply(x) as S;
    return L.batchNormalization({ name: `${name}_bn`, momentum: 0.9, epsilon: 1e-5 }).apply(c) as S;
  };
  let x = input;
  for (let k = 0; k < o.convs; k++) x = block(x, 3, `conv${k + 1}`);
  const out = block(x, 1, 'conv1x1');
  return tf.model({ inputs: input, outputs: out, name: PEAKS_SSLM });
}

export const PEAKS_SSLM_ARCHITECTURE: Architecture<PeaksSslmOptions> = {
  name: PEAKS_SSLM,
  description:
    'peaks SSLM (the seed’s self-supervised clustering CNN): log-scaled frame (h × w × 1) → convs × [conv3×3-relu-BN] → conv1×1-relu-BN → C cluster channels (argmax = cluster)',
  defaults: DEFAULTS,
  resolve,
  inputShape: (o) => [o.height, o.width, 1],
  build,
};
