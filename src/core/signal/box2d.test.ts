import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boxStats } from './box2d.js';

function direct(
  v: number[],
  valid: number[],
  h: number,
  w: number,
  r: number,
  y: number,
  x: number,
) {
  const xs: number[] = [];
  for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++)
    for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++)
      if (valid[yy * w + xx]) xs.push(v[yy * w + xx]!);
  const n = xs.length;
  const m = n ? xs.reduce((a, b) => a + b, 0) / n : 0;
  const s = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1)) : 0;
  return { n, m, s };
}

describe('boxStats', () => {
  it('equals the windowed mean and standard deviation computed directly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 4 }),
        fc.infiniteStream(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.boolean())),
        (h, w, r, stream) => {
          const it = stream[Symbol.iterator]();
          const cells = Array.from({ length: h * w }, () => it.next().value as [number, boolean]);
          const v = cells.map((c) => c[0]);
          const valid = cells.map((c) => (c[1] ? 1 : 0));
          const b = boxStats(v, h, w, r, valid);
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              const d = direct(v, valid, h, w, r, y, x);
              const i = y * w + x;
              expect(b.count[i]).toBe(d.n);
              expect(b.mean[i]).toBeCloseTo(d.m, 3);
              expect(b.std[i]).toBeCloseTo(d.s, 3);
            }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects a negative radius', () => {
    expect(() => boxStats([1], 1, 1, -1)).toThrow(/radius/);
  });
});
