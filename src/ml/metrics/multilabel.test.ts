import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mcc, MultiLabelMetrics } from './multilabel.js';

describe('multi-label metrics', () => {
  it('counts a hand-worked example', () => {
    const m = new MultiLabelMetrics(['a', 'b']);
    // image 1: truth (1,0), p (0.9, 0.2) → a TP, b TN (exact)
    // image 2: truth (1,1), p (0.4, 0.7) → a FN, b TP
    // image 3: truth (0,0), p (0.6, 0.1) → a FP, b TN
    m.add([1, 0, 1, 1, 0, 0], [0.9, 0.2, 0.4, 0.7, 0.6, 0.1]);
    const r = m.report();
    expect(r.images).toBe(3);
    expect([r.tp, r.fp, r.fn, r.tn]).toEqual([2, 1, 1, 2]);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.exactMatch).toBeCloseTo(1 / 3, 12);
    expect(r.perClass[0]!.confusion).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(r.perClass[0]!.accuracy).toBeCloseTo(1 / 3, 12);
    expect(r.perClass[1]!.accuracy).toBe(1);
    expect(r.meanLabelAccuracy).toBeCloseTo(2 / 3, 12);
    // balanced over the flattened decisions: (TP/(TP+FN) + TN/(TN+FP))/2 = (2/3 + 2/3)/2
    expect(r.meanPerClassAccuracy).toBeCloseTo(2 / 3, 12);
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    // MCC = (2·2 − 1·1)/√(3·3·3·3) = 3/9
    expect(r.mcc).toBeCloseTo(1 / 3, 12);
    expect(r.perClass[1]!.mcc).toBe(1);
  });

  it('mean per-class accuracy is balanced: all-negative predictions on rare positives score 0.5', () => {
    const m = new MultiLabelMetrics(['a', 'b']);
    m.add([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], new Array<number>(10).fill(0.1));
    const r = m.report();
    expect(r.accuracy).toBeCloseTo(0.9, 12);
    expect(r.meanPerClassAccuracy).toBeCloseTo(0.5, 12);
  });

  it('MCC is 1 for perfect, −1 for inverted and 0 for a degenerate table', () => {
    expect(mcc({ tp: 5, tn: 7, fp: 0, fn: 0 })).toBe(1);
    expect(mcc({ tp: 0, tn: 0, fp: 3, fn: 4 })).toBe(-1);
    expect(mcc({ tp: 0, tn: 9, fp: 0, fn: 0 })).toBe(0);
  });

  it('adding in batches equals adding at once, and the counts add up to images × classes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.boolean(),
            fc.boolean(),
            fc.boolean(),
            fc.double({ min: 0, max: 1, noNaN: true }),
          ),
          {
            minLength: 3,
            maxLength: 60,
          },
        ),
        fc.nat(20),
        (rows, cut) => {
          const t = rows.flatMap(([a, b, c]) => [+a, +b, +c]);
          const p = rows.flatMap(([, , , q], i) => [q, (q * 7 + i) % 1, 1 - q]);
          const n = rows.length;
          const k = Math.min(cut, n) * 3;
          const one = new MultiLabelMetrics(['x', 'y', 'z']);
          one.add(t, p);
          const two = new MultiLabelMetrics(['x', 'y', 'z']);
          two.add(t.slice(0, k), p.slice(0, k));
          two.add(t.slice(k), p.slice(k));
          const a = one.report();
          expect(two.report()).toEqual(a);
          expect(a.tp + a.fp + a.fn + a.tn).toBe(n * 3);
          expect(a.accuracy).toBeGreaterThanOrEqual(a.exactMatch - 1e-12);
        },
      ),
    );
  });

  it('refuses mismatched shapes naming the field', () => {
    const m = new MultiLabelMetrics(['a', 'b']);
    expect(() => m.add([1, 0, 1], [0.1, 0.2, 0.3])).toThrow(/not n × 2/);
  });
});
