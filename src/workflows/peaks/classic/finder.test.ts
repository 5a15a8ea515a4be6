import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { scoreFrame } from '../evaluate/metrics.js';
import { findPeaksClassic } from './finder.js';

const H = 48;
const W = 64;

function frame(seed: number, bg: number, peaks: { y: number; x: number; s: number; a: number }[]) {
  const rng = createRng(seed);
  const f = new Float32Array(H * W);
  const truth = new Uint16Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let v = bg;
      peaks.forEach((p, k) => {
        const g = p.a * Math.exp(-((y - p.y) ** 2 + (x - p.x) ** 2) / (2 * p.s * p.s));
        v += g;
        if (g > 0.1 * p.a) truth[y * W + x] = k + 1;
      });
      f[y * W + x] = rng.poisson(v);
    }
  return { f, truth };
}

describe('classic peak finder', () => {
  it('finds two Gaussian peaks and masks them like the 10 % rule', () => {
    const { f, truth } = frame(1, 3, [
      { y: 12, x: 15, s: 1.5, a: 400 },
      { y: 30, x: 45, s: 2, a: 80 },
    ]);
    const r = findPeaksClassic(f, H, W);
    expect(r.peaks.length).toBe(2);
    const s = scoreFrame(0, truth, r.mask);
    expect(s.tp).toBe(2);
    expect(s.iou).toBeGreaterThan(0.7);
    for (const p of r.peaks) expect(p.confidence).toBeGreaterThan(0.6);
  });

  it('finds the same peaks with the exact and the coarse-grid background', () => {
    const { f, truth } = frame(6, 8, [
      { y: 10, x: 12, s: 1.5, a: 300 },
      { y: 34, x: 20, s: 2, a: 120 },
      { y: 22, x: 50, s: 1.2, a: 600 },
    ]);
    const exact = findPeaksClassic(f, H, W, { grid: 1 });
    const coarse = findPeaksClassic(f, H, W);
    expect(exact.peaks.length).toBe(3);
    expect(coarse.peaks.length).toBe(3);
    expect(scoreFrame(0, truth, coarse.mask).tp).toBe(3);
    expect(scoreFrame(0, exact.mask, coarse.mask).iou).toBeGreaterThan(0.9);
  });

  it('finds nothing in counting noise alone', () => {
    const { f } = frame(2, 5, []);
    expect(findPeaksClassic(f, H, W).peaks).toEqual([]);
  });

  it('ignores a lone hot pixel (minimum pixel count) and masked pixels', () => {
    const { f } = frame(3, 2, []);
    f[20 * W + 20] = 1e5;
    expect(findPeaksClassic(f, H, W).peaks).toEqual([]);
    // a masked 3×3 hot block is left out of the background and, once repaired, is no peak
    const bad = new Uint8Array(H * W);
    for (let y = 30; y < 33; y++) for (let x = 30; x < 33; x++) bad[y * W + x] = 1;
    expect(findPeaksClassic(f, H, W, {}, bad).peaks).toEqual([]);
  });

  it('keeps peaks within the pixel-count limits', () => {
    const { f } = frame(4, 2, [{ y: 24, x: 32, s: 3, a: 500 }]);
    expect(findPeaksClassic(f, H, W).peaks.length).toBe(1);
    expect(findPeaksClassic(f, H, W, { maxPixels: 10 }).peaks).toEqual([]);
  });

  it('names a bad option', () => {
    const { f } = frame(5, 2, []);
    expect(() => findPeaksClassic(f, H, W, { snr: -1 })).toThrow(/snr/);
    expect(() => findPeaksClassic(f, H, W, { radius: 0.5 })).toThrow(/radius/);
    expect(() => findPeaksClassic(f, H, W, { grid: 0 })).toThrow(/grid/);
  });
});
