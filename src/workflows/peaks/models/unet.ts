/**
 * `peaks-unet`, the peaks workflow's network: a small U-Net (Ronneberger et al. 2015,
 * arXiv:1505.04597) that maps a log-scaled detector frame (one channel) to two sigmoid maps of
 * the same size — `foreground` (the pixel belongs to a peak) and `interior` (it belongs to a
 * peak and not to its border with another peak). The interior map is what splits touching
 * peaks into instances (`cnn/decode.ts`); it stands in for the per-peak masks of the seed's
 * Mask R-CNN at a size that trains on 2 cores in minutes.
 *
 * Per level: 2 × [conv3×3 → relu] with `filters`·2^level filters, max-pool 2 down; up: nearest
 * upsampling 2 → concatenate the skip → 2 × [conv3×3 → relu]; a 1×1 conv with two sigmoid
 * outputs. Fully convolutional: the weights do not depend on the input size, so a model
 * trained on square crops runs on whole frames (height and width padded to a multiple of
 * 2^levels) by building the same architecture at the frame's size (`build` with `height`,
 * `width`) and copying the weights.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../core/errors.js';
import {
  intOption,
  seededKernel,
  withDefaults,
  type Architecture,
} from '../../../ml/models/architecture.js';
import { inputChannels, PEAKS_INPUTS, type PeaksInput } from '../cnn/maps.js';

export interface PeaksUnetOptions {
  /** Input rows and columns (multiples of 2^levels). */
  height: number;
  width: number;
  /** Filters of the first level (doubled per level). */
  filters: number;
  /** Poolings (0 = a plain conv stack). */
  levels: number;
  /**
   * Stem patch p: 1 = the U-Net runs at the frame's resolution; p > 1 = a p×p stride-p
   * convolution first (each p×p block of pixels becomes `filters` channels, nothing is thrown
   * away) and a p×p stride-p transposed convolution last (each position gives the maps of its
   * p×p pixels), so every layer between runs on p² times fewer positions.
   */
  patch: number;
  /** What each pixel gives the network (`cnn/maps.ts`: `log`, 1 channel, or `log+snr`, 2). */
  input: PeaksInput;
}

export const PEAKS_UNET = 'peaks-unet';
/** The output channels, in order (the bundle's `labels`). */
export const PEAKS_UNET_OUTPUTS = ['foreground', 'interior'] as const;

const DEFAULTS: PeaksUnetOptions = {
  height: 64,
  width: 64,
  filters: 8,
  levels: 2,
  patch: 1,
  input: 'log',
};

function resolve(options?: Readonly<Partial<PeaksUnetOptions>>): PeaksUnetOptions {
  const o = withDefaults(PEAKS_UNET, DEFAULTS, options);
  const r: PeaksUnetOptions = {
    height: intOption(o.height, 'height', 4, 8192),
    width: intOption(o.width, 'width', 4, 8192),
    filters: intOption(o.filters, 'filters', 1, 256),
    levels: intOption(o.levels, 'levels', 0, 5),
    patch: intOption(o.patch, 'patch', 1, 8),
    input: inputOption(o.input),
  };
  const m = r.patch << r.levels;
  for (const k of ['height', 'width'] as const) {
    if (r[k] % m !== 0)
      throw new ValidationError(`${k} ${r[k]} is not a multiple of patch · 2^levels = ${m}`, k);
  }
  return r;
}

function inputOption(v: unknown): PeaksInput {
  if (typeof v === 'string' && (PEAKS_INPUTS as readonly string[]).includes(v))
    return v as PeaksInput;
  throw new ValidationError(
    `input must be one of ${PEAKS_INPUTS.join(', ')}, got ${JSON.stringify(v)}`,
    'input',
  );
}

/** The input size a frame is padded to for `levels` poolings after a stem of `patch`. */
export function paddedSize(n: number, levels: number, patch = 1): number {
  const m = patch << levels;
  return Math.ceil(n / m) * m;
}

function build(o: PeaksUnetOptions, seed: number): tf.LayersModel {
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const input = tf.input({ shape: [o.height, o.width, inputChannels(o.input)], name: 'frame' });
  const conv = (x: S, filters: number, name: string): S =>
    L.conv2d({
      name,
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      ...seededKernel(seed, name),
    }).apply(x) as S;
  let x: S = input;
  if (o.patch > 1) {
    x = L.conv2d({
      name: 'stem',
      filters: o.filters,
      kernelSize: o.patch,
      strides: o.patch,
      activation: 'relu',
      ...seededKernel(seed, 'stem'),
    }).apply(x) as S;
  }
  const skips: S[] = [];
  for (let l = 0; l < o.levels; l++) {
    x = conv(x, o.filters << l, `down${l}_conv1`);
    x = conv(x, o.filters << l, `down${l}_conv2`);
    skips.push(x);
    x = L.maxPooling2d({ poolSize: 2, name: `down${l}_pool` }).apply(x) as S;
  }
  x = conv(x, o.filters << o.levels, 'bottom_conv1');
  x = conv(x, o.filters << o.levels, 'bottom_conv2');
  for (let l = o.levels - 1; l >= 0; l--) {
    x = L.upSampling2d({ size: [2, 2], name: `up${l}_upsample` }).apply(x) as S;
    x = L.concatenate({ name: `up${l}_concat` }).apply([x, skips[l]!]) as S;
    x = conv(x, o.filters << l, `up${l}_conv1`);
    x = conv(x, o.filters << l, `up${l}_conv2`);
  }
  const maps = {
    name: 'maps',
    filters: PEAKS_UNET_OUTPUTS.length,
    activation: 'sigmoid' as const,
    ...seededKernel(seed, 'maps'),
  };
  const out = (
    o.patch > 1
      ? L.conv2dTranspose({ ...maps, kernelSize: o.patch, strides: o.patch })
      : L.conv2d({ ...maps, kernelSize: 1 })
  ).apply(x) as S;
  return tf.model({ inputs: input, outputs: out, name: PEAKS_UNET });
}

export const PEAKS_UNET_ARCHITECTURE: Architecture<PeaksUnetOptions> = {
  name: PEAKS_UNET,
  description:
    'peaks U-Net: log-scaled frame (h × w × 1; × 2 with input log+snr: + the significance over the local background) → [patch × patch stride-patch conv-relu] → levels × [2 conv3×3-relu, pool] → 2 conv → levels × [up, ⊕ skip, 2 conv3×3-relu] → conv1×1 sigmoid (foreground, interior) [a patch × patch stride-patch transposed conv with patch > 1]',
  defaults: DEFAULTS,
  resolve,
  inputShape: (o) => [o.height, o.width, inputChannels(o.input)],
  build,
};
