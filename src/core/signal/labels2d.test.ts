import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelComponents, regionStats } from './labels2d.js';

/** Flood fill: the reference labelling (components counted by BFS). */
function bfsCount(mask: number[], h: number, w: number, conn: 4 | 8): number {
  const seen = new Uint8Array(h * w);
  let count = 0;
  const nb =
    conn === 4
      ? [
          [-1, 0],
          [1, 0],
          [0, -1],
          [0, 1],
        ]
      : [
          [-1, 0],
          [1, 0],
          [0, -1],
          [0, 1],
          [-1, -1],
          [-1, 1],
          [1, -1],
          [1, 1],
        ];
  for (let i = 0; i < h * w; i++) {
    if (!mask[i] || seen[i]) continue;
    count++;
    const q = [i];
    seen[i] = 1;
    while (q.length) {
      const j = q.pop()!;
      const y = Math.floor(j / w);
      const x = j % w;
      for (const [dy, dx] of nb) {
        const yy = y + dy!;
        const xx = x + dx!;
        if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
        const k = yy * w + xx;
        if (mask[k] && !seen[k]) {
          seen[k] = 1;
          q.push(k);
        }
      }
    }
  }
  return count;
}

describe('labelComponents', () => {
  it('4- and 8-connectivity differ on a diagonal', () => {
    const m = [1, 0, 0, 1];
    expect(labelComponents(m, 2, 2, 4).count).toBe(2);
    expect(labelComponents(m, 2, 2, 8).count).toBe(1);
  });

  it('merges a U shape whose arms meet only at the bottom', () => {
    // prettier-ignore
    const m = [
      1, 0, 1,
      1, 0, 1,
      1, 1, 1,
    ];
    const r = labelComponents(m, 3, 3, 4);
    expect(r.count).toBe(1);
    expect(new Set(r.labels)).toEqual(new Set([0, 1]));
  });

  it('counts the same components as a flood fill, and labels only foreground', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom<4 | 8>(4, 8),
        fc.infiniteStream(fc.boolean()),
        (h, w, conn, bits) => {
          const it = bits[Symbol.iterator]();
          const mask = Array.from({ length: h * w }, () => (it.next().value ? 1 : 0));
          const r = labelComponents(mask, h, w, conn);
          expect(r.count).toBe(bfsCount(mask, h, w, conn));
          for (let i = 0; i < h * w; i++) expect(r.labels[i]! > 0).toBe(mask[i] === 1);
        },
      ),
    );
  });

  it('rejects a size that is not the pixel count', () => {
    expect(() => labelComponents([1, 0, 1], 2, 2)).toThrow(/3 pixels is not 2×2/);
  });
});

describe('regionStats', () => {
  it('gives area, box, sum and the weighted centroid', () => {
    // prettier-ignore
    const labels = [
      0, 1, 1, 0,
      0, 1, 0, 2,
    ];
    const values = [9, 1, 3, 9, 9, 0, 9, 5];
    const [a, b] = regionStats(labels, 2, 4, 2, values);
    expect(a).toMatchObject({ area: 3, y0: 0, x0: 1, y1: 2, x1: 3, sum: 4, max: 3 });
    expect(a!.cx).toBeCloseTo((1 * 1 + 3 * 2 + 0 * 1) / 4);
    expect(a!.cy).toBeCloseTo(0);
    expect(b).toMatchObject({ area: 1, cy: 1, cx: 3, sum: 5 });
  });
});
