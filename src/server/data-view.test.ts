import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { ndarray } from '../core/ndarray.js';
import { writeNpy } from '../formats/npy/npy.js';
import { openAny } from '../formats/registry.js';
import type { ArrayInfo, OpenedFile } from '../formats/types.js';
import { DEFAULT_LIMITS } from './context.js';
import { checkLimits, parseSlice, planBinned, planSelection, readBinned } from './data-view.js';

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

describe('readBinned', () => {
  // 3 frames of 23 × 50, values with NaNs; the middle frame is binned
  const [F, H, W] = [3, 23, 50];
  const value = (k: number, y: number, x: number) =>
    (y * 7 + x) % 11 === 0 ? NaN : k * 1e4 + y * 100 + x;

  async function stackFile(): Promise<{ f: OpenedFile; reads: number[]; dir: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'bragg-binned-'));
    const data = new Float32Array(F * H * W);
    for (let k = 0; k < F; k++)
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[(k * H + y) * W + x] = value(k, y, x); // prettier-ignore
    const path = join(dir, 'stack.npy');
    writeFileSync(path, writeNpy(ndarray('float32', [F, H, W], data)));
    const real = await openAny(path);
    const reads: number[] = [];
    const f = Object.create(real) as OpenedFile;
    (f as { read: OpenedFile['read'] }).read = async (name, sel) => {
      const got = await real.read(name, sel);
      reads.push(got.array.data.length);
      return got;
    };
    return { f: Object.assign(f, { close: () => real.close() }), reads, dir };
  }

  /** Block means over the frame's rows [y0, y1) × columns [x0, x1), NaNs left out. */
  function means(bin: number, y0: number, y1: number, x0: number, x1: number): number[] {
    const out: number[] = [];
    for (let by = y0; by < y1; by += bin)
      for (let bx = x0; bx < x1; bx += bin) {
        let [s, n] = [0, 0];
        for (let y = by; y < Math.min(by + bin, y1); y++)
          for (let x = bx; x < Math.min(bx + bin, x1); x++) {
            const v = Math.fround(value(1, y, x));
            if (!Number.isNaN(v)) [s, n] = [s + v, n + 1];
          }
        out.push(n ? s / n : NaN);
      }
    return out;
  }

  it.each([
    [8, 200, ''], // a row of blocks (8 × 50 = 400) is larger than a tile: fewer rows a tile
    [4, 30, '2:21,3:47'], // a row (44) is longer than a tile: rows read in pieces
    [5, 1000, ''], // several rows of blocks a tile
  ])(
    'bin %i, tiles of ≤ %i elements, slice %j: every read within the tile, the means exact',
    async (bin, tile, slice) => {
      const { f, reads, dir } = await stackFile();
      try {
        const ai = f.datasets[0]!;
        const plan = planSelection(ai, 1, parseSlice(slice));
        const binned = planBinned(plan, ai, bin);
        const got = await readBinned(f, ai, plan, binned, bin, tile);
        const [y0, y1] = plan.ranges[1]!;
        const [x0, x1] = plan.ranges[2]!;
        expect(got.shape).toEqual([Math.ceil((y1 - y0) / bin), Math.ceil((x1 - x0) / bin)]);
        const want = means(bin, y0, y1, x0, x1);
        const data = Array.from(got.data as Float64Array);
        expect(data.map((v) => (Number.isNaN(v) ? null : v))).toEqual(
          want.map((v) => (Number.isNaN(v) ? null : expect.closeTo(v, 6))),
        );
        expect(reads.length).toBeGreaterThan(1);
        expect(Math.max(...reads)).toBeLessThanOrEqual(tile);
        // every pixel read once
        expect(reads.reduce((a, b) => a + b, 0)).toBe((y1 - y0) * (x1 - x0));
      } finally {
        await f.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
