import { describe, expect, it } from 'vitest';
import { buildPhaseCnn, resolvePhaseCnnConfig } from './model.js';

describe('phase CNN', () => {
  it('has the seed layout: Flatten 14 × 64 = 896 and 164,931 parameters for 147 points, 3 phases', () => {
    // ml_difsims cnn_large_filter.py (STUDY.md §4.7): 3 × [Conv1D(64,6) + MaxPool(2)],
    // Flatten (14×64=896), Dense(128), Dense(3). Parameters: 448 + 24,640 + 24,640 + 114,816 + 387.
    const m = buildPhaseCnn({ inputLength: 147, classes: 3 }, 1);
    expect(m.getLayer('flatten').outputShape).toEqual([null, 896]);
    expect(m.countParams()).toBe(164931);
    m.dispose();
  });
  it('follows the depth, width, dense and batch-norm options and is seeded', () => {
    const a = buildPhaseCnn(
      { inputLength: 147, classes: 4, depth: 2, filters: 16, dense: 32, batchNorm: true },
      5,
    );
    expect(a.layers.filter((l) => l.getClassName() === 'Conv1D')).toHaveLength(2);
    expect(a.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(2);
    expect(a.getLayer('fc').outputShape).toEqual([null, 32]);
    expect(a.outputs[0]!.shape).toEqual([null, 4]);
    const b = buildPhaseCnn(
      { inputLength: 147, classes: 4, depth: 2, filters: 16, dense: 32, batchNorm: true },
      5,
    );
    const wa = a.getWeights().map((w) => w.dataSync());
    const wb = b.getWeights().map((w) => w.dataSync());
    expect(wa).toEqual(wb);
    a.dispose();
    b.dispose();
  });
  it('throws when the options do not fit', () => {
    expect(() => resolvePhaseCnnConfig({ inputLength: 20, classes: 3, depth: 4 })).toThrow(
      /do not fit/,
    );
    expect(() => resolvePhaseCnnConfig({ inputLength: 147, classes: 3, filters: 0 })).toThrow(
      /--width/,
    );
    expect(() => resolvePhaseCnnConfig({ inputLength: 147, classes: 3, dropout: 1 })).toThrow(
      /--dropout/,
    );
    expect(() => resolvePhaseCnnConfig({ inputLength: 147, classes: 1 })).toThrow(/classes/);
  });
});
