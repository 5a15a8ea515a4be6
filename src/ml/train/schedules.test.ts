import { describe, expect, it } from 'vitest';
import { BraggError } from '../../core/errors.js';
import { learningRateAt } from './schedules.js';

describe('piecewise schedule', () => {
  const spec = { kind: 'piecewise', boundaries: [30, 60, 120, 150], gamma: 0.1 } as const;
  it('multiplies by γ at each boundary epoch and is constant between (AiryNet: ×0.1 at 30, 60, 120, 150)', () => {
    const base = 0.1;
    const expected: [number, number][] = [
      [0, 0.1],
      [29, 0.1],
      [30, 0.01],
      [59, 0.01],
      [60, 1e-3],
      [119, 1e-3],
      [120, 1e-4],
      [150, 1e-5],
      [400, 1e-5],
    ];
    for (const [epoch, lr] of expected)
      expect(learningRateAt(spec, base, epoch)).toBeCloseTo(lr, 12);
  });
  it('refuses boundaries that are not increasing positive integers, naming the field', () => {
    for (const boundaries of [[30, 30], [60, 30], [0], [1.5]]) {
      try {
        learningRateAt({ kind: 'piecewise', boundaries, gamma: 0.1 }, 1, 0);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(BraggError);
        expect((e as BraggError).message).toMatch(/increasing/);
      }
    }
  });
});
