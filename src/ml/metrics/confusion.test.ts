import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { argmaxRows, confusionMatrix } from './confusion.js';

describe('confusionMatrix', () => {
  it('matches the scikit-learn documentation example', () => {
    // sklearn.metrics.confusion_matrix docstring: y_true=[2,0,2,2,0,1], y_pred=[0,0,2,2,0,2]
    // → [[2,0,0],[0,0,1],[1,0,2]]
    const r = confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], ['a', 'b', 'c']);
    expect(r.matrix).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(r.accuracy).toBeCloseTo(4 / 6);
    // class b: never predicted → precision 0 (not NaN), recall 0
    expect(r.perClass[1]).toEqual({ label: 'b', support: 1, precision: 0, recall: 0, f1: 0 });
    expect(r.perClass[0]!.precision).toBeCloseTo(2 / 3);
    expect(r.perClass[2]!.recall).toBeCloseTo(2 / 3);
  });
  it('sums to the sample count and its diagonal to the hits (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { maxLength: 60 }), (pairs) => {
        const r = confusionMatrix(
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
          ['a', 'b', 'c', 'd'],
        );
        expect(r.total).toBe(pairs.length);
        const hits = pairs.filter(([t, p]) => t === p).length;
        expect(r.accuracy).toBeCloseTo(pairs.length ? hits / pairs.length : 0);
      }),
    );
  });
  it('throws when labels are out of range or lengths differ', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], ['a', 'b'])).toThrow(/not a class index/);
    expect(() => confusionMatrix([0], [0, 1], ['a', 'b'])).toThrow(/1 true labels but 2/);
    expect(() => confusionMatrix([0.5], [0], ['a', 'b'])).toThrow(/truth/);
  });
  it('argmaxRows picks the first maximum per row', () => {
    expect(Array.from(argmaxRows([0.1, 0.7, 0.2, 0.5, 0.5, 0], 3))).toEqual([1, 0]);
    expect(() => argmaxRows([1, 2, 3], 2)).toThrow(/multiple/);
  });
});
