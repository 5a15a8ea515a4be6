import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import { decodeInstances, maskIoU, nmsMasks, type Candidate } from './decode.js';
import { logScale, targetMaps } from './maps.js';

const px = (...xs: number[]): Int32Array => Int32Array.from(xs).sort();

/** Maps (h × w × 2) from a foreground and an interior image. */
function maps(fg: number[][], inner: number[][]): Float32Array {
  const h = fg.length;
  const w = fg[0]!.length;
  const m = new Float32Array(h * w * 2);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      m[2 * (y * w + x)] = fg[y]![x]!;
      m[2 * (y * w + x) + 1] = inner[y]![x]!;
    }
  return m;
}

describe('mask IoU and greedy NMS', () => {
  it('IoU of sorted pixel lists', () => {
    expect(maskIoU(px(1, 2, 3, 4), px(3, 4, 5, 6))).toBeCloseTo(2 / 6);
    expect(maskIoU(px(1, 2), px(1, 2))).toBe(1);
    expect(maskIoU(px(1), px(2))).toBe(0);
    expect(maskIoU(px(), px())).toBe(0);
  });

  it('suppresses a less confident overlapping mask, keeps disjoint and weakly overlapping ones', () => {
    const c: Candidate[] = [
      { pixels: px(0, 1, 2, 3, 4, 5), score: 0.6 }, // IoU 5/7 with #1: suppressed
      { pixels: px(0, 1, 2, 3, 4, 6), score: 0.9 },
      { pixels: px(100, 101), score: 0.5 }, // disjoint: kept
      { pixels: px(5, 6, 7, 8), score: 0.7 }, // IoU 1/9 with #1: kept
    ];
    expect(nmsMasks(c, 0.5)).toEqual([1, 3, 2]);
    // at IoU 0.8 the first one survives too
    expect(nmsMasks(c, 0.8)).toEqual([1, 3, 0, 2]);
    // at 0 every overlap suppresses
    expect(nmsMasks(c, 0)).toEqual([1, 2]);
  });
});

describe('decodeInstances', () => {
  // two touching 3×3 peaks (columns 1–3 and 4–6) whose interiors are split by a gap
  const fg = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 1, 1, 1, 1, 1, 0],
    [0, 1, 1, 1, 1, 1, 1, 0],
    [0, 1, 1, 1, 1, 1, 1, 0],
    [0, 0, 0, 0, 0, 0, 0, 0],
  ];
  const inner = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0.9, 0.9, 0.1, 0.1, 0.6, 0.6, 0],
    [0, 0.9, 0.9, 0.1, 0.1, 0.6, 0.6, 0],
    [0, 0.9, 0.9, 0.1, 0.1, 0.6, 0.6, 0],
    [0, 0, 0, 0, 0, 0, 0, 0],
  ];

  it('splits touching peaks at the interior gap; confidence = the seed maximum', () => {
    const d = decodeInstances(maps(fg, inner), 5, 8);
    expect(d.confidence).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.6, 6)]);
    const row = Array.from(d.mask.subarray(8, 16));
    // each grows into the gap up to the other's seed; a gap pixel goes to the nearer seed
    expect(row).toEqual([0, 1, 1, 1, 2, 2, 2, 0]);
    // one foreground blob, two instances
    expect(new Set(d.mask).size).toBe(3);
  });

  it('drops seeds below the confidence threshold', () => {
    const d = decodeInstances(maps(fg, inner), 5, 8, { threshold: 0.7 });
    expect(d.confidence).toHaveLength(1);
    // the kept peak grows into the gap but not into the dropped peak's seed
    expect(Array.from(d.mask.subarray(8, 16))).toEqual([0, 1, 1, 1, 1, 0, 0, 0]);
    expect(decodeInstances(maps(fg, inner), 5, 8, { threshold: 0.95 }).confidence).toEqual([]);
  });

  it('NMS removes a fragment: a second seed inside the same peak', () => {
    // one 3×3 peak whose interior is two diagonal pixels (two 4-connected seeds): both grow
    // over the peak (8 pixels each, IoU 7/9)
    const f = [
      [0, 0, 0, 0, 0],
      [0, 1, 1, 1, 0],
      [0, 1, 1, 1, 0],
      [0, 1, 1, 1, 0],
      [0, 0, 0, 0, 0],
    ];
    const i = [
      [0, 0, 0, 0, 0],
      [0, 0.6, 0, 0, 0],
      [0, 0, 0.8, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ];
    const kept = decodeInstances(maps(f, i), 5, 5);
    expect(kept.candidates).toBe(2);
    expect(kept.confidence).toEqual([expect.closeTo(0.8, 6)]);
    expect(kept.mask.filter((v) => v === 1)).toHaveLength(9);
    // without NMS (IoU 1: nothing suppressed) the fragment survives as its one seed pixel
    const both = decodeInstances(maps(f, i), 5, 5, { nmsIou: 1 });
    expect(both.confidence).toEqual([expect.closeTo(0.8, 6), expect.closeTo(0.6, 6)]);
    expect(both.mask[6]).toBe(2);
    expect(both.mask.filter((v) => v === 2)).toHaveLength(1);
  });

  it('decodes a padded output through its stride', () => {
    const m = maps(fg, inner);
    // pad every row with 2 junk pixels (interior 1!) on the right
    const wp = 10;
    const padded = new Float32Array(5 * wp * 2).fill(1);
    for (let y = 0; y < 5; y++) padded.set(m.subarray(y * 16, (y + 1) * 16), y * wp * 2);
    const d = decodeInstances(padded, 5, 8, {}, wp);
    expect(d.mask).toEqual(decodeInstances(m, 5, 8).mask);
  });

  it('writes into a given mask (whatever it held), and reuses its scratch across frame sizes', () => {
    const m = maps(fg, inner);
    const fresh = decodeInstances(m, 5, 8);
    // a larger frame between two decodes of the small one, into a dirty output
    const big = new Float32Array(40 * 50 * 2);
    for (let y = 0; y < 5; y++) big.set(m.subarray(y * 16, (y + 1) * 16), 2 * ((20 + y) * 50 + 10));
    const bigMask = decodeInstances(big, 40, 50).mask;
    expect(Math.max(...bigMask)).toBe(2);
    const out = new Uint16Array(40).fill(7);
    const again = decodeInstances(m, 5, 8, {}, 8, out);
    expect(again.mask).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(fresh.mask));
    // the same instances in the big frame, whatever the small frame's decode left in the scratch
    expect(decodeInstances(big, 40, 50).mask).toEqual(bigMask);
    expect(() => decodeInstances(m, 5, 8, {}, 8, new Uint16Array(39))).toThrow(ValidationError);
  });

  it('refuses bad options', () => {
    const m = maps(fg, inner);
    expect(() => decodeInstances(m, 5, 8, { threshold: 1.5 })).toThrow(ValidationError);
    expect(() => decodeInstances(m, 5, 8, { nmsIou: -0.1 })).toThrow(/nmsIou/);
    expect(() => decodeInstances(m, 5, 8, { grow: 1.5 })).toThrow(ValidationError);
  });
});

describe('targets and input scaling', () => {
  it('interior: touching peaks are split by a 2-pixel gap, an isolated peak stays whole', () => {
    const h = 3;
    const w = 7;
    // ids: peak 1 at columns 0–2, peak 2 at 3–4 (touching), peak 3 alone at column 6
    const mask = Uint16Array.from([1, 1, 1, 2, 2, 0, 3, 1, 1, 1, 2, 2, 0, 3, 1, 1, 1, 2, 2, 0, 0]);
    const t = targetMaps(mask, h, w);
    const fgRow = Array.from({ length: w }, (_, x) => t[2 * x]);
    const inRow = Array.from({ length: w }, (_, x) => t[2 * (w + x) + 1]);
    expect(fgRow).toEqual([1, 1, 1, 1, 1, 0, 1]);
    expect(inRow).toEqual([1, 1, 0, 0, 1, 0, 1]);
  });

  it('log scaling maps 20-bit counts onto [0, 1], negatives and NaN to 0', () => {
    const s = logScale(Float32Array.from([0, -2, NaN, 2 ** 20, 9]));
    expect(Array.from(s.subarray(0, 4))).toEqual([0, 0, 0, expect.closeTo(1, 6)]);
    expect(s[4]).toBeCloseTo(Math.log(10) / Math.log1p(2 ** 20), 6);
  });
});
