/**
 * What the AiryNet architectures share (Zimmermann et al., Phys. Rev. E 99, 063309 (2019);
 * seed `nn/resnet.py`, `nn/vgg.py`): the options, the first activation (the logarithmic one
 * of `ml/layers/log-activation.ts`, or none), seeded variance-scaling kernels and the
 * l1_l2 regulariser.
 *
 * **Regularisation scale.** The seed uses TF1's `l1_l2_regularizer(l1, l2)`, whose L2 part is
 * `l2·Σw²/2` (`tf.nn.l2_loss`); Keras/tfjs `l1l2` computes `l2·Σw²`. The option `l2` here is
 * the tfjs coefficient, so the seed's 1e-5 is 5e-6 (the default).
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../core/errors.js';
import { deriveSeed } from '../../../core/rng.js';
import { LogActivation } from '../../../ml/layers/log-activation.js';
import { intOption, withDefaults } from '../../../ml/models/architecture.js';

export type FirstActivation = 'log' | 'none';
export type OutputActivation = 'sigmoid' | 'softmax' | 'linear';

/** Options both families take. */
export interface AirynetOptions {
  /** Input height and width [px] (the seed: 224). */
  size: number;
  /** Input channels (the seed: 1). */
  channels: number;
  /** Output classes (the helium data: 11). */
  classes: number;
  /** The activation of the first convolution: AiryNet's logarithmic one, or none. */
  firstActivation: FirstActivation;
  /** α and β of the logarithmic activation (the seed: 0.2, 0). */
  alpha: number;
  beta: number;
  /** l1 and l2 coefficients of the kernel regulariser (tfjs convention; see above). */
  l1: number;
  l2: number;
  /** `sigmoid` for multi-label data (the seed), `softmax` for single-label, `linear`: logits. */
  output: OutputActivation;
}

export const AIRYNET_DEFAULTS: AirynetOptions = {
  size: 224,
  channels: 1,
  classes: 11,
  firstActivation: 'log',
  alpha: 0.2,
  beta: 0,
  l1: 1e-5,
  l2: 5e-6,
  output: 'sigmoid',
};

export function enumOption<T extends string>(v: unknown, field: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new ValidationError(`must be one of ${values.join(', ')}, got ${String(v)}`, field);
  }
  return v as T;
}

export function numberOption(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ValidationError(`must be a number in ${min}…${max}, got ${String(v)}`, field);
  }
  return v;
}

/** Resolve the shared options of `merged` (already checked for unknown keys). */
export function resolveCommon(merged: Record<string, unknown>, minSize: number): AirynetOptions {
  return {
    size: intOption(merged.size, 'size', minSize, 4096),
    channels: intOption(merged.channels, 'channels', 1, 64),
    classes: intOption(merged.classes, 'classes', 1, 100_000),
    firstActivation: enumOption(merged.firstActivation, 'firstActivation', [
      'log',
      'none',
    ] as const),
    alpha: numberOption(merged.alpha, 'alpha', -1e3, 1e3),
    beta: numberOption(merged.beta, 'beta', -1e3, 1e3),
    l1: numberOption(merged.l1, 'l1', 0, 1),
    l2: numberOption(merged.l2, 'l2', 0, 1),
    output: enumOption(merged.output, 'output', ['sigmoid', 'softmax', 'linear'] as const),
  };
}

export { withDefaults };

/** Layer factories seeded by (seed, layer name), with the regulariser of the options. */
export class Builder {
  private n = 0;
  constructor(
    readonly seed: number,
    readonly o: AirynetOptions,
  ) {}

  name(prefix: string): string {
    return `${prefix}_${this.n++}`;
  }

  regularizer(): ReturnType<typeof tf.regularizers.l1l2> | undefined {
    return this.o.l1 === 0 && this.o.l2 === 0
      ? undefined
      : tf.regularizers.l1l2({ l1: this.o.l1, l2: this.o.l2 });
  }

  /** TF's `variance_scaling_initializer()`: scale 1, fan-in, truncated normal; seeded. */
  varianceScaling(name: string): ReturnType<typeof tf.initializers.varianceScaling> {
    return tf.initializers.varianceScaling({
      scale: 1,
      mode: 'fanIn',
      distribution: 'truncatedNormal',
      seed: deriveSeed(this.seed, name),
    });
  }

  glorot(name: string): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: deriveSeed(this.seed, name) });
  }

  /** The first activation: logarithmic (α, β) or none. */
  first(x: tf.SymbolicTensor): tf.SymbolicTensor {
    if (this.o.firstActivation === 'none') return x;
    return new LogActivation({
      alpha: this.o.alpha,
      beta: this.o.beta,
      name: this.name('log_act'),
    }).apply(x) as tf.SymbolicTensor;
  }

  /** The output activation (none for logits). */
  output(x: tf.SymbolicTensor): tf.SymbolicTensor {
    if (this.o.output === 'linear') return x;
    return tf.layers
      .activation({ activation: this.o.output, name: 'probabilities' })
      .apply(x) as tf.SymbolicTensor;
  }
}
