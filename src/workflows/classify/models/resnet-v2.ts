/**
 * `airynet-resnet`: ResNet v2, pre-activation (He et al., "Identity Mappings in Deep Residual
 * Networks", ECCV 2016), as the seed builds it (after TensorFlow's official `resnet_model.py`):
 *
 * - stem: 7×7/2 convolution (64 filters, no bias) → the first activation (AiryNet's
 *   logarithmic one, or none as in plain v2) → 3×3/2 max-pool;
 * - four block layers of 64/128/256/512 filters (strides 1, 2, 2, 2); a block is
 *   BN → leaky ReLU → (1×1 projection of that on the first block of a layer) → convolutions
 *   → + shortcut. Basic blocks (two 3×3) for depths 18 and 34, bottleneck blocks (1×1, 3×3,
 *   1×1 with 4× filters) for 50 and up; blocks per layer: 18 [2,2,2,2], 34 and 50 [3,4,6,3],
 *   101 [3,4,23,3], 152 [3,8,36,3], 200 [3,24,36,3];
 * - BN → leaky ReLU → global average pool (the seed's 7×7 average pool at 224²) → dense.
 *
 * BN momentum 0.997 and ε 1e-5, leaky ReLU slope 0.2, no convolution bias, variance-scaling
 * kernels, l1_l2 regularisation on every convolution kernel and the dense kernel. Strided
 * convolutions use `same` padding (TF's official code pads explicitly, then `valid`: the
 * same shapes, the sampling grid offset by a pixel at most).
 */
import * as tf from '@tensorflow/tfjs';
import { registerLayers } from '../../../ml/layers/registry.js';
import type { Architecture } from '../../../ml/models/architecture.js';
import { ValidationError } from '../../../core/errors.js';
import type { AirynetOptions } from './common.js';
import { AIRYNET_DEFAULTS, Builder, numberOption, resolveCommon, withDefaults } from './common.js';

export const RESNET_DEPTHS = [18, 34, 50, 101, 152, 200] as const;
export type ResnetDepth = (typeof RESNET_DEPTHS)[number];

const LAYERS: Record<
  ResnetDepth,
  { bottleneck: boolean; blocks: [number, number, number, number] }
> = {
  18: { bottleneck: false, blocks: [2, 2, 2, 2] },
  34: { bottleneck: false, blocks: [3, 4, 6, 3] },
  50: { bottleneck: true, blocks: [3, 4, 6, 3] },
  101: { bottleneck: true, blocks: [3, 4, 23, 3] },
  152: { bottleneck: true, blocks: [3, 8, 36, 3] },
  200: { bottleneck: true, blocks: [3, 24, 36, 3] },
};

export interface ResnetOptions extends AirynetOptions {
  /** 18, 34, 50, 101, 152 or 200 (the seed's `--resnet_size`, default 18). */
  depth: ResnetDepth;
  /** Slope of the leaky ReLU (the seed's `--relu_leakiness`, 0.2). */
  leak: number;
  /**
   * Batch-norm moving-average momentum (the seed: 0.997). Short runs (a demo's few hundred
   * steps) need a smaller one, or the moving statistics stay near their initial values.
   */
  bnMomentum: number;
}

const DEFAULTS: ResnetOptions = { ...AIRYNET_DEFAULTS, depth: 18, leak: 0.2, bnMomentum: 0.997 };

function resolve(options?: Readonly<Partial<ResnetOptions>>): ResnetOptions {
  const o = withDefaults('airynet-resnet', DEFAULTS, options) as Record<string, unknown>;
  if (!RESNET_DEPTHS.includes(o.depth as ResnetDepth)) {
    throw new ValidationError(
      `must be one of ${RESNET_DEPTHS.join(', ')}, got ${String(o.depth)}`,
      'depth',
    );
  }
  // the stem and four block layers halve the size five times
  return {
    ...resolveCommon(o, 32),
    depth: o.depth as ResnetDepth,
    leak: numberOption(o.leak, 'leak', 0, 1),
    bnMomentum: numberOption(o.bnMomentum, 'bnMomentum', 0, 1),
  };
}

function build(o: ResnetOptions, seed: number): tf.LayersModel {
  registerLayers();
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const b = new Builder(seed, o);
  const conv = (x: S, filters: number, k: number, strides: number): S => {
    const name = b.name('conv');
    return L.conv2d({
      name,
      filters,
      kernelSize: k,
      strides,
      padding: 'same',
      useBias: false,
      kernelInitializer: b.varianceScaling(name),
      kernelRegularizer: b.regularizer(),
    }).apply(x) as S;
  };
  const bnAct = (x: S): S => {
    const y = L.batchNormalization({
      name: b.name('bn'),
      momentum: o.bnMomentum,
      epsilon: 1e-5,
    }).apply(x) as S;
    return L.leakyReLU({ alpha: o.leak, name: b.name('leaky_relu') }).apply(y) as S;
  };
  const block = (
    x: S,
    filters: number,
    strides: number,
    project: boolean,
    bottleneck: boolean,
  ): S => {
    const pre = bnAct(x);
    const out = bottleneck ? 4 * filters : filters;
    const shortcut = project ? conv(pre, out, 1, strides) : x;
    let y: S;
    if (bottleneck) {
      y = conv(pre, filters, 1, 1);
      y = conv(bnAct(y), filters, 3, strides);
      y = conv(bnAct(y), out, 1, 1);
    } else {
      y = conv(pre, filters, 3, strides);
      y = conv(bnAct(y), filters, 3, 1);
    }
    return L.add({ name: b.name('add') }).apply([y, shortcut]) as S;
  };

  const spec = LAYERS[o.depth];
  const input = tf.input({ shape: [o.size, o.size, o.channels], name: 'image' });
  let x = b.first(conv(input, 64, 7, 2));
  x = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'stem_pool' }).apply(x) as S;
  for (let layer = 0; layer < 4; layer++) {
    const filters = 64 * 2 ** layer;
    for (let k = 0; k < spec.blocks[layer]!; k++) {
      x = block(x, filters, k === 0 && layer > 0 ? 2 : 1, k === 0, spec.bottleneck);
    }
  }
  x = bnAct(x);
  x = L.globalAveragePooling2d({ name: 'last_block_before_fc' }).apply(x) as S;
  const dense = L.dense({
    units: o.classes,
    name: 'logits',
    kernelInitializer: b.glorot('logits'),
    kernelRegularizer: b.regularizer(),
  }).apply(x) as S;
  return tf.model({ inputs: input, outputs: b.output(dense), name: `airynet_resnet${o.depth}` });
}

export const AIRYNET_RESNET: Architecture<ResnetOptions> = {
  name: 'airynet-resnet',
  description:
    'ResNet v2 (pre-activation) 18/34/50/101/152/200 with AiryNet’s logarithmic first activation, leaky ReLU 0.2, BN 0.997/1e-5, l1_l2',
  defaults: DEFAULTS,
  resolve,
  inputShape: (o) => [o.size, o.size, o.channels],
  build,
};
