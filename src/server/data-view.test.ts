import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import type { ArrayInfo } from '../formats/types.js';
import { DEFAULT_LIMITS } from './context.js';
import { checkLimits, parseSlice, planSelection } from './data-view.js';

const info = (shape: number[]): ArrayInfo => ({
  name: 'x',
  shape,
  dtype: 'float32',
  axes: shape.map((n, i) => ({ name: `a${i}`, size: n, scale: 0.5, offset: 10, units: 'nm' })),
  metadata: {},
});

describe('parseSlice', () => {
  it('reads indices and ranges with open and negative ends', () => {
    expect(parseSlice('0:10, 5 ,:,-3:,:-1')).toEqual([
      { start: 0, stop: 10 },
      { index: 5 },
      {},
      { start: -3 },
      { stop: -1 },
    ]);
    expect(parseSlice('')).toEqual([]);
  });

  it.each(['a', '1:2:3', '::', '1.5', '0:x', '1e3', ',', '--1'])(
    'refuses %j (field slice)',
    (t) => {
      expect(() => parseSlice(t)).toThrow(ValidationError);
    },
  );
});

describe('planSelection', () => {
  it('frame + slice: indexed axes dropped, ranges over the whole dataset, axes moved', () => {
    const p = planSelection(info([4, 20, 30]), 2, parseSlice('5:10,-4:'));
    expect(p.ranges).toEqual([
      [2, 3],
      [5, 10],
      [26, 30],
    ]);
    expect(p.shape).toEqual([5, 4]);
    expect(p.elements).toBe(20);
    expect(p.axes[0]).toMatchObject({ size: 5, offset: 12.5, scale: 0.5, units: 'nm' });
  });

  it('refuses out-of-range indices and too many axes, naming frame or slice', () => {
    expect(() => planSelection(info([4, 5]), 4, [])).toThrow(/frame/);
    expect(() => planSelection(info([4, 5]), undefined, parseSlice('0,0,0'))).toThrow(/slice/);
  });

  it('property: ranges stay inside the shape and the result size is their product', () => {
    const arb = fc.tuple(
      fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
      fc.array(
        fc.tuple(
          fc.integer({ min: -15, max: 15 }),
          fc.integer({ min: -15, max: 15 }),
          fc.boolean(),
        ),
        { maxLength: 4 },
      ),
    );
    fc.assert(
      fc.property(arb, ([shape, items]) => {
        const text = items.map(([a, b, idx]) => (idx ? String(a) : `${a}:${b}`)).join(',');
        try {
          const p = planSelection(info(shape), undefined, parseSlice(text));
          p.ranges.forEach(([s, e], d) => {
            expect(s).toBeGreaterThanOrEqual(0);
            expect(e).toBeLessThanOrEqual(shape[d]!);
            expect(s).toBeLessThanOrEqual(e);
          });
          expect(p.elements).toBe(p.shape.reduce((x, y) => x * y, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(ValidationError);
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('checkLimits: json/npy element limits and png needing 2D are checked before reading', () => {
    const big = info([2048, 2048]);
    const plan = planSelection(big, undefined, []);
    expect(() => checkLimits(plan, big, 'json', DEFAULT_LIMITS)).toThrow(/limit 1048576/);
    expect(() => checkLimits(plan, big, 'npy', DEFAULT_LIMITS)).not.toThrow();
    expect(() => checkLimits(planSelection(big, 0, []), big, 'png', DEFAULT_LIMITS)).toThrow(/2D/);
  });
});
