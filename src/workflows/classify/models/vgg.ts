/**
 * `airynet-vgg`: VGG 16/19 (Simonyan & Zisserman, ICLR 2015) as the seed builds it (slim's
 * `vgg_16` / `vgg_19`): blocks of 3×3 convolutions (64, 128, 256, 512, 512 filters; 2,2,3,3,3
 * for 16 and 2,2,4,4,4 for 19), each followed by a leaky ReLU of slope 0.1 and no batch
 * normalisation, a 2×2/2 max-pool after each block; fc6 a 7×7 convolution of 4096 and fc7 a
 * 1×1 convolution of 4096 (each with the leaky ReLU and dropout 0.5), a global mean pool, fc8 a
 * 1×1 convolution to the classes. The first convolution takes the first activation (AiryNet's
 * logarithmic one) instead of the leaky ReLU. fc6 is `valid` as in slim when the feature map
 * is at least 7×7 (inputs ≥ 224), `same` for smaller inputs. Dropout is seeded
 * (`BraggSeededDropout`), so training resumes exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from '../../../ml/layers/seeded-dropout.js';
import { registerLayers } from '../../../ml/layers/registry.js';
import { intOption, type Architecture } from '../../../ml/models/architecture.js';
import { ValidationError } from '../../../core/errors.js';
import { deriveSeed } from '../../../core/rng.js';
import type { AirynetOptions } from './common.js';
import { AIRYNET_DEFAULTS, Builder, numberOption, resolveCommon, withDefaults } from './common.js';

export const VGG_DEPTHS = [16, 19] as const;
export type VggDepth = (typeof VGG_DEPTHS)[number];

export interface VggOptions extends AirynetOptions {
  /** 16 or 19 (the seed's `--vgg_size`, default 16). */
  depth: VggDepth;
  /** Slope of the leaky ReLU (the seed: 0.1). */
  leak: number;
  /** Dropout rate of fc6 and fc7 (the seed: keep 0.5). */
  dropout: number;
  /** Filters of fc6 and fc7 (the seed: 4096). */
  fcUnits: number;
  /** Filters of the first block; the others have 2×, 4×, 8×, 8× (the seed: 64). */
  baseFilters: number;
}

const DEFAULTS: VggOptions = {
  ...AIRYNET_DEFAULTS,
  depth: 16,
  leak: 0.1,
  dropout: 0.5,
  fcUnits: 4096,
  baseFilters: 64,
};

function resolve(options?: Readonly<Partial<VggOptions>>): VggOptions {
  const o = withDefaults('airynet-vgg', DEFAULTS, options) as Record<string, unknown>;
  if (!VGG_DEPTHS.includes(o.depth as VggDepth)) {
    throw new ValidationError(
      `must be one of ${VGG_DEPTHS.join(', ')}, got ${String(o.depth)}`,
      'depth',
    );
  }
  return {
    ...resolveCommon(o, 32),
    depth: o.depth as VggDepth,
    leak: numberOption(o.leak, 'leak', 0, 1),
    dropout: numberOption(o.dropout, 'dropout', 0, 0.99),
    fcUnits: intOption(o.fcUnits, 'fcUnits', 1, 65_536),
    baseFilters: intOption(o.baseFilters, 'baseFilters', 1, 1024),
  };
}

function build(o: VggOptions, seed: number): tf.LayersModel {
  registerLayers();
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const b = new Builder(seed, o);
  const conv = (x: S, filters: number, k: number, padding: 'same' | 'valid', name: string): S =>
    L.conv2d({
      name,
      filters,
      kernelSize: k,
      padding,
      kernelInitializer: b.glorot(name),
      kernelRegularizer: b.regularizer(),
    }).apply(x) as S;
  const act = (x: S): S => L.leakyReLU({ alpha: o.leak, name: b.name('leaky_relu') }).apply(x) as S;
  const drop = (x: S, name: string): S =>
    o.dropout === 0
      ? x
      : (new SeededDropout({ rate: o.dropout, seed: deriveSeed(seed, name), name }).apply(x) as S);

  const blocks = o.depth === 16 ? [2, 2, 3, 3, 3] : [2, 2, 4, 4, 4];
  const input = tf.input({ shape: [o.size, o.size, o.channels], name: 'image' });
  let x: S = input;
  let first = true;
  let side = o.size;
  blocks.forEach((count, i) => {
    for (let k = 0; k < count; k++) {
      const y = conv(x, o.baseFilters * 2 ** Math.min(i, 3), 3, 'same', `conv${i + 1}_${k + 1}`);
      x = first ? b.first(y) : act(y);
      first = false;
    }
    x = L.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i + 1}` }).apply(x) as S;
    side = Math.floor(side / 2);
  });
  x = drop(act(conv(x, o.fcUnits, 7, side >= 7 ? 'valid' : 'same', 'fc6')), 'dropout6');
  x = drop(act(conv(x, o.fcUnits, 1, 'valid', 'fc7')), 'dropout7');
  x = L.globalAveragePooling2d({ name: 'global_pool' }).apply(x) as S;
  x = L.reshape({ targetShape: [1, 1, o.fcUnits] }).apply(x) as S;
  x = conv(x, o.classes, 1, 'valid', 'fc8');
  x = L.flatten({ name: 'logits' }).apply(x) as S;
  return tf.model({ inputs: input, outputs: b.output(x), name: `airynet_vgg${o.depth}` });
}

export const AIRYNET_VGG: Architecture<VggOptions> = {
  name: 'airynet-vgg',
  description:
    'VGG 16/19 (slim layout, fc6/fc7 as convolutions, global mean pool) with AiryNet’s logarithmic first activation',
  defaults: DEFAULTS,
  resolve,
  inputShape: (o) => [o.size, o.size, o.channels],
  build,
};
