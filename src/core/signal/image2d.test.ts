import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { createRng } from '../rng.js';
import { chooseMethod } from './convolve-lines.js';
import {
  centroidAbove,
  gaussianFilter2d,
  gaussianKernel,
  otsuThreshold,
  resizeTriangle,
} from './image2d.js';

// a[1,2] = 1, a[3,5] = 2, a[0,0] = 0.5 on a 5 × 7 grid of zeros
function spikes(): Float64Array {
  const a = new Float64Array(35);
  a[1 * 7 + 2] = 1;
  a[3 * 7 + 5] = 2;
  a[0] = 0.5;
  return a;
}

describe('gaussianFilter2d', () => {
  it('matches scipy.ndimage.gaussian_filter (reflect, σ 1; constant, σ 1.5)', () => {
    // Reference values: scipy 1.17.1, gaussian_filter(a, 1.0)[1] and
    // gaussian_filter(a, 1.5, mode='constant')[2], rounded to 8 digits.
    const reflect = [
      0.11840981, 0.14147067, 0.17004803, 0.10411103, 0.04794157, 0.04534508, 0.03201269,
    ];
    const constant = [
      0.03826449, 0.06023423, 0.07795075, 0.09389524, 0.11441181, 0.12100534, 0.09233321,
    ];
    const g = gaussianFilter2d(spikes(), 5, 7, 1);
    reflect.forEach((v, x) => expect(g[7 + x]).toBeCloseTo(v, 7));
    const c = gaussianFilter2d(spikes(), 5, 7, 1.5, 'constant');
    constant.forEach((v, x) => expect(c[14 + x]).toBeCloseTo(v, 7));
  });

  it('keeps the total with reflecting edges and refuses σ ≤ 0', () => {
    for (const method of ['direct', 'fft'] as const) {
      const g = gaussianFilter2d(spikes(), 5, 7, 2, 'reflect', method);
      expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(3.5, 9);
    }
    expect(() => gaussianFilter2d(spikes(), 5, 7, 0)).toThrow(ValidationError);
  });

  it('matches scipy for kernels wider than the image, by both paths', () => {
    // scipy 1.17.1: gaussian_filter(a, 6.3, mode='constant')[2] (σ 0.9·N, PACBED background B)
    // and gaussian_filter(a, 20.0)[4] (reflect; the kernel spans 23 periods of the extension)
    const constant = [
      0.01145268, 0.0122678288, 0.0128444488, 0.0131439396, 0.0131452899, 0.0128475108,
      0.0122698583,
    ];
    const reflect = [
      0.0999999327, 0.1000010481, 0.0999987001, 0.0999994278, 0.1000000341, 0.0999976839,
      0.0999990382,
    ];
    for (const method of ['direct', 'fft', 'auto'] as const) {
      const c = gaussianFilter2d(spikes(), 5, 7, 6.3, 'constant', method);
      constant.forEach((v, x) => expect(c[14 + x]).toBeCloseTo(v, 9));
      const r = gaussianFilter2d(spikes(), 5, 7, 20, 'reflect', method);
      reflect.forEach((v, x) => expect(r[28 + x]).toBeCloseTo(v, 9));
    }
  });

  it('gives the direct path’s values by FFT (odd, even, non-square sizes; σ small to huge)', () => {
    const rng = createRng(2026);
    const sizes: [number, number][] = [
      [1, 9],
      [9, 1],
      [5, 7],
      [16, 16],
      [33, 48],
      [64, 37],
    ];
    for (const [ny, nx] of sizes) {
      const img = Float64Array.from({ length: ny * nx }, () => 10 * rng.next() ** 3);
      const max = img.reduce((a, b) => Math.max(a, b), 0);
      const n = Math.max(ny, nx);
      for (const sigma of [0.4, 1.3, 4, 0.9 * n, 5 * n]) {
        for (const mode of ['reflect', 'constant'] as const) {
          const d = gaussianFilter2d(img, ny, nx, sigma, mode, 'direct');
          const f = gaussianFilter2d(img, ny, nx, sigma, mode, 'fft');
          let err = 0;
          for (let i = 0; i < d.length; i++) err = Math.max(err, Math.abs(d[i]! - f[i]!));
          expect(err / max, `${ny}×${nx} σ ${sigma} ${mode}`).toBeLessThan(1e-6);
          // far tighter in fact: float64 rounding of a few thousand terms
          expect(err / max).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('takes the FFT for wide kernels and the direct sum for narrow ones', () => {
    const r = (sigma: number) => (gaussianKernel(sigma).length - 1) / 2;
    expect(chooseMethod(r(0.9 * 512), 512, 'constant')).toBe('fft');
    expect(chooseMethod(r(0.9 * 64), 64, 'constant')).toBe('fft');
    expect(chooseMethod(r(20), 256, 'reflect')).toBe('fft');
    expect(chooseMethod(r(1), 512, 'reflect')).toBe('direct');
    expect(chooseMethod(r(1), 64, 'constant')).toBe('direct');
  });
});

describe('otsuThreshold and centroidAbove', () => {
  it('separates two populations and finds the disc centre', () => {
    const n = 40;
    const img = new Float64Array(n * n);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++)
        img[y * n + x] = Math.hypot(y - 12, x - 25) < 6 ? 10 + (x % 2) : 1 + 0.2 * (y % 2);
    const t = otsuThreshold(img);
    expect(t).toBeGreaterThan(1.2);
    expect(t).toBeLessThan(10);
    const [cy, cx] = centroidAbove(img, n, n, t);
    expect(cy).toBeCloseTo(12, 6);
    expect(cx).toBeCloseTo(25, 6);
  });

  it('refuses a constant image', () => {
    expect(() => otsuThreshold(new Float64Array(9).fill(3))).toThrow(/constant/);
  });
});

describe('resizeTriangle (PIL bilinear)', () => {
  it('keeps a constant image and a linear ramp (inside) when shrinking', () => {
    const c = resizeTriangle(new Float64Array(64).fill(2), 8, 8, 3, 5);
    for (const v of c) expect(v).toBeCloseTo(2, 12);
    const ramp = Float64Array.from({ length: 1 * 40 }, (_, i) => i);
    const r = resizeTriangle(ramp, 1, 40, 1, 10);
    // output pixel o covers input centre 4o + 1.5: a ramp stays a ramp away from the edges
    for (let o = 1; o < 9; o++) expect(r[o]).toBeCloseTo(4 * o + 1.5, 9);
  });
});
