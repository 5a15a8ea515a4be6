import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { createRng } from '../rng.js';
import { Radix2Fft, nextPow2 } from './fft.js';

/** The DFT by its definition, X[k] = Σ x[j] e^{−2πi jk/n}. */
function dft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const or = new Float64Array(n);
  const oi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      or[k] = or[k]! + re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      oi[k] = oi[k]! + re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
  }
  return [or, oi];
}

describe('Radix2Fft', () => {
  it('equals the DFT by definition and inverts to the input (n = 1 … 256)', () => {
    const rng = createRng(17);
    for (const n of [1, 2, 4, 8, 64, 256]) {
      const re = Float64Array.from({ length: n }, () => rng.next() - 0.5);
      const im = Float64Array.from({ length: n }, () => rng.next() - 0.5);
      const [er, ei] = dft(re, im);
      const fr = Float64Array.from(re);
      const fi = Float64Array.from(im);
      const fft = new Radix2Fft(n);
      fft.forward(fr, fi);
      for (let k = 0; k < n; k++) {
        expect(Math.abs(fr[k]! - er[k]!)).toBeLessThan(1e-12 * n);
        expect(Math.abs(fi[k]! - ei[k]!)).toBeLessThan(1e-12 * n);
      }
      fft.inverse(fr, fi);
      for (let j = 0; j < n; j++) {
        expect(fr[j]).toBeCloseTo(re[j]!, 13);
        expect(fi[j]).toBeCloseTo(im[j]!, 13);
      }
    }
  });

  it('puts a unit impulse at j = 1 on the unit circle, e^{−2πi k/n}', () => {
    const n = 16;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    re[1] = 1;
    new Radix2Fft(n).forward(re, im);
    for (let k = 0; k < n; k++) {
      expect(re[k]).toBeCloseTo(Math.cos((2 * Math.PI * k) / n), 14);
      expect(im[k]).toBeCloseTo(-Math.sin((2 * Math.PI * k) / n), 14);
    }
  });

  it('refuses lengths that are not powers of two, and short arrays', () => {
    expect(() => new Radix2Fft(12)).toThrow(ValidationError);
    expect(() => new Radix2Fft(0)).toThrow(ValidationError);
    expect(() => new Radix2Fft(8).forward(new Float64Array(4), new Float64Array(8))).toThrow(
      /length 8/,
    );
    expect([1, 2, 3, 5, 1000, 1025].map(nextPow2)).toEqual([1, 2, 4, 8, 1024, 2048]);
  });
});
