/**
 * A small float64 complex FFT for power-of-two lengths (iterative radix-2, split re/im arrays),
 * for the FFT-based filters of core. Callers zero-pad to a power of two (a linear convolution
 * needs only length ≥ n + kernel − 1), so no mixed-radix or Bluestein path is needed here.
 * Conventions as numpy's `fft`: forward unscaled with e^{−2πi k·x/n}, inverse scaled by 1/n.
 */
import { ValidationError } from '../errors.js';

/** The smallest power of two ≥ n (n ≥ 1). */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** A plan of length n = 2^k: the bit-reversal permutation and the twiddles e^{−2πi j/n}. */
export class Radix2Fft {
  private readonly rev: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(readonly n: number) {
    if (!(Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0 && n <= 2 ** 30)) {
      throw new ValidationError(`FFT length must be a power of two ≤ 2^30, got ${n}`, 'n');
    }
    const bits = Math.round(Math.log2(n));
    this.rev = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
      this.rev[i] = r;
    }
    // each twiddle from cos/sin directly (no recurrence), so errors do not grow with n
    this.cos = new Float64Array(Math.max(1, n / 2));
    this.sin = new Float64Array(Math.max(1, n / 2));
    for (let j = 0; j < n / 2; j++) {
      this.cos[j] = Math.cos((2 * Math.PI * j) / n);
      this.sin[j] = -Math.sin((2 * Math.PI * j) / n);
    }
  }

  /** In-place forward transform of (re, im), each of length n. */
  forward(re: Float64Array, im: Float64Array): void {
    this.run(re, im, 1);
  }

  /** In-place inverse transform, scaled by 1/n. */
  inverse(re: Float64Array, im: Float64Array): void {
    this.run(re, im, -1);
    const s = 1 / this.n;
    for (let i = 0; i < this.n; i++) {
      re[i] = re[i]! * s;
      im[i] = im[i]! * s;
    }
  }

  private run(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
    const { n, rev, cos, sin } = this;
    if (re.length < n || im.length < n) {
      throw new ValidationError(`FFT of length ${n} got arrays of ${re.length}, ${im.length}`, 'n');
    }
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    for (let size = 2; size <= n; size *= 2) {
      const half = size >> 1;
      const step = n / size;
      for (let j = 0; j < half; j++) {
        const wr = cos[j * step]!;
        const wi = sign * sin[j * step]!;
        for (let a = j; a < n; a += size) {
          const b = a + half;
          const xr = re[b]!;
          const xi = im[b]!;
          const tr = xr * wr - xi * wi;
          const ti = xr * wi + xi * wr;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
  }
}
