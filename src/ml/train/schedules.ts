/** Learning-rate schedules, as pure functions of the epoch (0-based). */
import { ValidationError } from '../../core/errors.js';

export type ScheduleSpec =
  | { kind: 'constant' }
  /** η·γ^⌊epoch/stepSize⌋ (Keras/PyTorch StepLR). */
  | { kind: 'step'; stepSize: number; gamma: number }
  /** ηmin + (η − ηmin)(1 + cos(π·epoch/epochs))/2 (Loshchilov & Hutter, SGDR, ICLR 2017). */
  | { kind: 'cosine'; epochs: number; minLearningRate?: number };

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
  }
}
