/**
 * AiryNet's logarithmic activation (Zimmermann et al., Phys. Rev. E 99, 063309 (2019); seed
 * code `airynet/nn/resnet.py` `log_act`): f(x) = α(ln(x + e⁻¹) + 1) + β for x > 0 and
 * −α(ln(−x + e⁻¹) + 1) + β for x ≤ 0. With β = 0 it is odd and f(0) = 0.
 * Registered for (de)serialisation by `registerLayers()` (`registry.ts`).
 */
import * as tf from '@tensorflow/tfjs';

export interface LogActivationArgs {
  alpha?: number;
  beta?: number;
  name?: string;
}

export function logActivation(x: tf.Tensor, alpha = 0.2, beta = 0): tf.Tensor {
  return tf.tidy(() => {
    const invE = Math.exp(-1);
    const mag = tf.log(tf.abs(x).add(invE)).add(1).mul(alpha);
    // sign(x)·mag, not where(x > 0, …): tfjs has no gradient for Greater, so where() would
    // make the layer untrainable; sign(0) = 0 = mag(0), so the values are the same
    return tf.sign(x).mul(mag).add(beta);
  });
}

export class LogActivation extends tf.layers.Layer {
  static readonly className = 'BraggLogActivation';
  readonly alpha: number;
  readonly beta: number;

  constructor(args: LogActivationArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.alpha = args.alpha ?? 0.2;
    this.beta = args.beta ?? 0;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return logActivation(Array.isArray(inputs) ? inputs[0]! : inputs, this.alpha, this.beta);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha, beta: this.beta };
  }
}
