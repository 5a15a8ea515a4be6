import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillPolygon, polygonArea, polygonBounds } from './polygon.js';

describe('fillPolygon', () => {
  it('fills the pixel centres inside an axis-aligned rectangle', () => {
    const out = new Uint8Array(10 * 10);
    // Centres 2..5 in x and 1..3 in y are strictly inside [1.5, 5.5] × [0.5, 3.5].
    const n = fillPolygon(out, 10, 10, [
      { x: 1.5, y: 0.5 },
      { x: 5.5, y: 0.5 },
      { x: 5.5, y: 3.5 },
      { x: 1.5, y: 3.5 },
    ]);
    expect(n).toBe(4 * 3);
    expect(out[1 * 10 + 2]).toBe(1);
    expect(out[3 * 10 + 5]).toBe(1);
    expect(out[0 * 10 + 2]).toBe(0);
    expect(out[1 * 10 + 6]).toBe(0);
  });

  it('clips at the image border and ignores degenerate polygons', () => {
    const out = new Uint8Array(4 * 4);
    expect(
      fillPolygon(out, 4, 4, [
        { x: -10, y: -10 },
        { x: 10, y: -10 },
        { x: 10, y: 10 },
        { x: -10, y: 10 },
      ]),
    ).toBe(16);
    expect(
      fillPolygon(new Uint8Array(4), 2, 2, [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ]),
    ).toBe(0);
  });

  it('fills about the polygon area for convex polygons (within the perimeter)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 5, max: 20, noNaN: true }),
        fc.double({ min: 25, max: 35, noNaN: true }),
        fc.double({ min: 25, max: 35, noNaN: true }),
        fc.integer({ min: 3, max: 12 }),
        (r, cx, cy, k) => {
          const poly = Array.from({ length: k }, (_, i) => ({
            x: cx + r * Math.cos((2 * Math.PI * i) / k),
            y: cy + r * Math.sin((2 * Math.PI * i) / k),
          }));
          const out = new Uint8Array(64 * 64);
          const n = fillPolygon(out, 64, 64, poly);
          const perimeter = 2 * k * r * Math.sin(Math.PI / k);
          expect(Math.abs(n - polygonArea(poly))).toBeLessThanOrEqual(perimeter + 4);
        },
      ),
    );
  });

  it('gives the bounds and the shoelace area', () => {
    const tri = [
      { x: 0, y: 0 },
      { x: 4, y: 0 },
      { x: 0, y: 3 },
    ];
    expect(polygonBounds(tri)).toEqual([0, 0, 4, 3]);
    expect(polygonArea(tri)).toBe(6);
  });
});
