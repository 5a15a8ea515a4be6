/** Learning-rate schedules, as pure functions of the epoch (0-based). */
import { ValidationError } from '../../core/errors.js';

export type ScheduleSpec =
  | { kind: 'constant' }
  /** η·γ^⌊epoch/stepSize⌋ (Keras/PyTorch StepLR). */
  | { kind: 'step'; stepSize: number; gamma: number }
  /** ηmin + (η − ηmin)(1 + cos(π·epoch/epochs))/2 (Loshchilov & Hutter, SGDR, ICLR 2017). */
  | { kind: 'cosine'; epochs: number; minLearningRate?: number }
  /**
   * η·γ^(number of boundaries ≤ epoch): piecewise constant, ×γ at each boundary epoch
   * (AiryNet's schedule: ×0.1 at epochs 30, 60, 120, 150; tf.train.piecewise_constant).
   */
  | { kind: 'piecewise'; boundaries: readonly number[]; gamma: number };

export function learningRateAt(spec: ScheduleSpec, base: number, epoch: number): number {
  switch (spec.kind) {
    case 'constant':
      return base;
    case 'step':
      if (!(spec.stepSize >= 1))
        throw new ValidationError(`must be ≥ 1, got ${spec.stepSize}`, 'schedule.stepSize');
      return base * spec.gamma ** Math.floor(epoch / spec.stepSize);
    case 'cosine': {
      if (!(spec.epochs >= 1))
        throw new ValidationError(`must be ≥ 1, got ${spec.epochs}`, 'schedule.epochs');
      const min = spec.minLearningRate ?? 0;
      const t = Math.min(epoch, spec.epochs) / spec.epochs;
      return min + ((base - min) * (1 + Math.cos(Math.PI * t))) / 2;
    }
    case 'piecewise': {
      let k = 0;
      let prev = -Infinity;
      for (const b of spec.boundaries) {
        if (!(Number.isInteger(b) && b >= 1 && b > prev))
          throw new ValidationError(
            `must be increasing positive integers, got ${spec.boundaries.join(', ')}`,
            'schedule.boundaries',
          );
        prev = b;
        if (epoch >= b) k++;
      }
      return base * spec.gamma ** k;
    }
  }
}
