import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { modelArchitecture } from '../../ml/models/registry.js';
import { buildPhaseCnn, PHASE_CNN_ARCHITECTURE, resolvePhaseCnnConfig } from './model.js';

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
  it('throws when the options do not fit, naming the option (not a CLI flag)', () => {
    const field = (c: Parameters<typeof resolvePhaseCnnConfig>[0]): string | undefined => {
      try {
        resolvePhaseCnnConfig(c);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        expect((err as Error).message).not.toMatch(/--/);
        return (err as ValidationError).field;
      }
      return undefined;
    };
    expect(() => resolvePhaseCnnConfig({ inputLength: 20, classes: 3, depth: 4 })).toThrow(
      /^depth: 4 blocks with kernel 6 do not fit a profile of 20 points$/,
    );
    expect(field({ inputLength: 20, classes: 3, depth: 4 })).toBe('depth');
    expect(field({ inputLength: 147, classes: 3, depth: 9 })).toBe('depth');
    expect(field({ inputLength: 147, classes: 3, filters: 0 })).toBe('filters');
    expect(field({ inputLength: 147, classes: 3, kernelSize: 0 })).toBe('kernelSize');
    expect(field({ inputLength: 147, classes: 3, dense: 1.5 })).toBe('dense');
    expect(field({ inputLength: 147, classes: 3, dropout: 1 })).toBe('dropout');
    expect(field({ inputLength: 147, classes: 1 })).toBe('classes');
    expect(field({ inputLength: 4, classes: 3 })).toBe('inputLength');
  });
  it('is the registry architecture phase1d, defined once: same layers and weights', () => {
    expect(PHASE_CNN_ARCHITECTURE).toBe('phase1d');
    const arch = modelArchitecture(PHASE_CNN_ARCHITECTURE);
    const opts = { inputLength: 64, classes: 4, depth: 2, filters: 8, dense: 16 };
    const a = buildPhaseCnn(opts, 9);
    const b = arch.build(arch.resolve(opts), 9);
    expect(a.layers.map((l) => l.getClassName())).toEqual(b.layers.map((l) => l.getClassName()));
    expect(a.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
      b.getWeights().map((w) => Array.from(w.dataSync())),
    );
    expect(resolvePhaseCnnConfig({ inputLength: 147, classes: 3 })).toEqual(arch.resolve());
    a.dispose();
    b.dispose();
  });
});
