import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resize2d } from './resize.js';

describe('resize2d', () => {
  it('area: keeps the mean of any image when shrinking by any factor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 1000 }),
        (n, outY, outX, seed) => {
          const img = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919 + seed) % 101) / 7);
          const out = resize2d(img, n, n, outY, outX, 'area');
          const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
          expect(mean(out)).toBeCloseTo(mean(img), 3);
        },
      ),
    );
  });

  it('area: a 2× shrink averages 2×2 blocks exactly', () => {
    const img = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(Array.from(resize2d(img, 4, 4, 2, 2, 'area'))).toEqual([3.5, 5.5, 11.5, 13.5]);
  });

  it('bilinear: reproduces a linear ramp at the output pixel centres (inside the edges)', () => {
    const n = 10;
    const img = Float32Array.from({ length: n * n }, (_, i) => (i % n) * 2 + Math.floor(i / n));
    const out = resize2d(img, n, n, 25, 25, 'bilinear');
    const s = n / 25;
    for (let y = 2; y < 23; y++) {
      for (let x = 2; x < 23; x++) {
        const sx = (x + 0.5) * s - 0.5;
        const sy = (y + 0.5) * s - 0.5;
        expect(out[y * 25 + x]).toBeCloseTo(2 * sx + sy, 4);
      }
    }
  });
});
