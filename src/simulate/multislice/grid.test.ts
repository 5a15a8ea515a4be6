import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from '../../core/errors.js';
import { Grid, antialiasMask, isFastFftSize, nextFastFftSize } from './grid.js';
import { Fft2, FORWARD, BACKWARD } from './fft.js';

describe('Grid', () => {
  it('extent + sampling round gpts up to a fast FFT size and keep the extent', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 2, max: 60, noNaN: true }),
        fc.double({ min: 0.02, max: 0.5, noNaN: true }),
        (e, s) => {
          const g = new Grid({ extent: e, sampling: s });
          // the grid must be at least as fine as asked, fast, and consistent
          expect(isFastFftSize(g.nx)).toBe(true);
          expect(g.samplingX).toBeLessThanOrEqual(s * (1 + 1e-9));
          expect(g.extentX).toBe(e);
          expect(Math.abs(g.nx * g.samplingX - g.extentX)).toBeLessThan(1e-9 * e);
          // it is the smallest fast size: one fast size smaller would be too coarse
          const smaller = [...Array(g.nx).keys()].filter((n) => isFastFftSize(n)).pop();
          if (smaller !== undefined) expect(e / smaller).toBeGreaterThan(s * (1 - 1e-9));
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('a consistent triple is accepted and an inconsistent one is an error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(32, 48, 64, 96, 128, 576),
        fc.double({ min: 0.01, max: 0.3, noNaN: true }),
        (n, s) => {
          const g = new Grid({ gpts: n, sampling: s, extent: n * s });
          expect(g.nx).toBe(n);
          expect(() => new Grid({ gpts: n, sampling: s, extent: n * s * 1.01 })).toThrow(
            ValidationError,
          );
        },
      ),
      { seed: 8, numRuns: 100 },
    );
  });

  it('throws when gpts are not a fast FFT size, or when parameters are missing', () => {
    expect(() => new Grid({ gpts: 552, sampling: 0.05 })).toThrow(/next fast size: 576/);
    expect(() => new Grid({ extent: 10 })).toThrow(ValidationError);
    expect(() => new Grid({ extent: -1, sampling: 0.1 })).toThrow(ValidationError);
    expect(nextFastFftSize(552)).toBe(576);
  });

  it('the anti-aliasing aperture is the disc of radius 2/3 Nyquist', () => {
    const g = new Grid({ gpts: 96, sampling: 0.1 });
    const m = antialiasMask(g);
    // count ≈ area π(2/3·n/2)² of the disc in pixels
    const count = m.reduce((a, b) => a + b, 0);
    expect(count / (Math.PI * 32 * 32)).toBeCloseTo(1, 1);
    expect(m[0]).toBe(1);
    expect(m[48 * 96 + 48]).toBe(0); // the Nyquist corner is outside
  });
});

describe('Fft2', () => {
  it('transforms a plane wave into a delta at its frequency and back (numpy conventions)', async () => {
    const ny = 32;
    const nx = 48;
    const f = await Fft2.create(ny, nx);
    const d = new Float32Array(2 * nx * ny);
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const ph = 2 * Math.PI * ((3 * x) / nx + (5 * y) / ny);
        d[2 * (y * nx + x)] = Math.cos(ph);
        d[2 * (y * nx + x) + 1] = Math.sin(ph);
      }
    const orig = d.slice();
    f.transform(d, FORWARD);
    // e^{+2πi(3x/nx + 5y/ny)} has all its weight (nx·ny) in bin (5, 3)
    expect(d[2 * (5 * nx + 3)]).toBeCloseTo(nx * ny, 1);
    let other = 0;
    for (let i = 0; i < nx * ny; i++)
      if (i !== 5 * nx + 3) other += Math.hypot(d[2 * i]!, d[2 * i + 1]!);
    expect(other).toBeLessThan(1e-2);
    f.transform(d, BACKWARD);
    for (let i = 0; i < d.length; i++) expect(d[i]).toBeCloseTo(orig[i]!, 4);
    f.dispose();
  });
});
