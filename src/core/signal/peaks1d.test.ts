import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findPeaks, medianFilter } from './peaks1d.js';
import { createRng } from '../rng.js';

function gaussians(
  x: Float64Array,
  centres: number[],
  heights: number[],
  sigma: number,
): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    for (let k = 0; k < centres.length; k++) {
      y[i]! += heights[k]! * Math.exp(-0.5 * ((x[i]! - centres[k]!) / sigma) ** 2);
    }
  }
  return y;
}

const axis = (n: number, a: number, b: number) =>
  Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

describe('findPeaks (O’Haver)', () => {
  it('finds known Gaussian peaks to a fraction of a sample', () => {
    const x = axis(147, 0.1077, 1.3182);
    const step = x[1]! - x[0]!;
    const centres = [0.3191, 0.5212, 0.6113, 0.9005];
    const y = gaussians(x, centres, [1, 0.6, 0.8, 0.3], 1.5 * step);
    const peaks = findPeaks(x, y, { medfiltRadius: 0 });
    expect(peaks.map((p) => p.x)).toHaveLength(4);
    peaks.forEach((p, i) => expect(Math.abs(p.x - centres[i]!)).toBeLessThan(0.15 * step));
  });

  it('still finds them under noise with the median filter, and respects maxPeaks and ampThreshold', () => {
    const x = axis(300, 0, 3);
    const rng = createRng(5);
    const centres = [0.5, 1.2, 2.0, 2.6];
    const y = gaussians(x, centres, [1, 0.9, 0.7, 0.5], 0.04);
    for (let i = 0; i < y.length; i++) y[i]! += 0.01 * rng.normal();
    const peaks = findPeaks(x, y, { medfiltRadius: 2, smoothRadius: 2, ampThreshold: 0.2 });
    expect(peaks).toHaveLength(4);
    peaks.forEach((p, i) => expect(Math.abs(p.x - centres[i]!)).toBeLessThan(0.02));
    const top2 = findPeaks(x, y, { medfiltRadius: 2, smoothRadius: 2, maxPeaks: 2 });
    expect(top2.map((p) => Math.round(p.x * 10) / 10)).toEqual([0.5, 1.2]);
    expect(findPeaks(x, y, { medfiltRadius: 2, smoothRadius: 2, ampThreshold: 0.8 })).toHaveLength(
      2,
    );
  });

  it('finds nothing on a flat or monotonic profile', () => {
    const x = axis(50, 0, 1);
    expect(findPeaks(x, new Float64Array(50))).toEqual([]);
    expect(findPeaks(x, x)).toEqual([]);
  });

  it('rejects bad options and mismatched lengths', () => {
    const x = axis(10, 0, 1);
    expect(() => findPeaks(x, new Float64Array(9))).toThrow(/x has 10 points but y has 9/);
    expect(() => findPeaks(x, x, { medfiltRadius: -1 })).toThrow(/medfiltRadius/);
    expect(() => findPeaks(x, x, { peakGroup: 2 })).toThrow(/peakGroup/);
  });

  it('median filter removes isolated spikes and keeps plateaus (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 60 }), fc.integer({ min: 2, max: 50 }), (n, at) => {
        const y = new Float64Array(n).fill(1);
        y[at % n] = 100;
        const f = medianFilter(y, 1);
        for (let i = 1; i < n - 1; i++) expect(f[i]).toBe(1);
      }),
    );
  });
});
