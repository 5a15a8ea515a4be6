import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreFrame, summarise } from './metrics.js';

const W = 8;
function mask(h: number, boxes: [number, number, number, number, number][]): Uint16Array {
  const m = new Uint16Array(h * W);
  for (const [id, y0, x0, y1, x1] of boxes)
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = id;
  return m;
}

describe('peak scores', () => {
  it('a perfect prediction scores IoU 1 and F1 1', () => {
    const t = mask(8, [[1, 0, 0, 2, 2], [2, 4, 4, 7, 7]]); // prettier-ignore
    const s = scoreFrame(0, t, Uint16Array.from(t));
    expect(s).toMatchObject({ tp: 2, fp: 0, fn: 0, iou: 1, seedIoU: 1 });
    expect(summarise([s]).f1).toBe(1);
  });

  it('matches a peak only above IoU 0.5', () => {
    const t = mask(8, [[1, 0, 0, 4, 4]]);
    // 4×4 shifted by one column: overlap 12, union 20 → 0.6 (a match)
    const p1 = mask(8, [[1, 0, 1, 4, 5]]);
    expect(scoreFrame(0, t, p1)).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(scoreFrame(0, t, p1).iou).toBeCloseTo(12 / 20);
    // shifted by two: overlap 8, union 24 → 1/3 (no match): one FP and one FN
    const p2 = mask(8, [[1, 0, 2, 4, 6]]);
    expect(scoreFrame(0, t, p2)).toMatchObject({ tp: 0, fp: 1, fn: 1 });
  });

  it('reports the seed IoU as NaN for frames with neither truth nor prediction', () => {
    const z = new Uint16Array(8 * W);
    const s = scoreFrame(3, z, z);
    expect(Number.isNaN(s.seedIoU)).toBe(true);
    const sum = summarise([s, scoreFrame(4, mask(8, [[1, 0, 0, 2, 2]]), z)]);
    expect(sum).toMatchObject({ seedNaN: 1, bothEmpty: 1, fn: 1, tp: 0, meanIoU: 0 });
    expect(sum.recall).toBe(0);
  });

  it('counts every instance once: tp + fn = truth peaks, tp + fp = predicted peaks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), {
          maxLength: 5,
        }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), {
          maxLength: 5,
        }),
        (a, b) => {
          const t = mask(
            8,
            a.map(([y, x], i) => [i + 1, y, x, y + 2, x + 2]),
          );
          const p = mask(
            8,
            b.map(([y, x], i) => [i + 1, y, x, y + 2, x + 2]),
          );
          const s = scoreFrame(0, t, p);
          expect(s.tp + s.fn).toBe(s.truthPeaks);
          expect(s.tp + s.fp).toBe(s.predPeaks);
          // one id per pixel: the seed's sum-of-masks IoU is the union IoU
          if (!Number.isNaN(s.iou)) expect(s.seedIoU).toBeCloseTo(s.iou);
        },
      ),
    );
  });
});
