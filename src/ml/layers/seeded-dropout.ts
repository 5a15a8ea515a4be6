/**
 * Dropout whose mask is a pure function of (seed, call number): a fresh mask every training
 * step, the same masks for the same seed, and resumable (the trainer saves `calls`). tfjs's own
 * Dropout with a seed draws the same mask at every step. Registered for (de)serialisation by
 * `registerLayers()` (`registry.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';
import { seededDropout } from '../backend/kernels/dropout.js';

export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'BraggSeededDropout';
  readonly rate: number;
  /** Base seed and training calls so far: the layer's rng state (saved in checkpoints). */
  seed: number;
  calls = 0;

  constructor(args: SeededDropoutArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(args.rate >= 0 && args.rate < 1))
      throw new ValidationError(`must be in [0, 1), got ${args.rate}`, 'rate');
    this.rate = args.rate;
    this.seed = args.seed >>> 0;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs.training !== true || this.rate === 0) return x.clone();
    const seed = deriveSeed(this.seed, 'dropout', this.calls++);
    // tf.dropout's values and gradient, its multiplier made in one pass where possible.
    return seededDropout(x, this.rate, seed);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
