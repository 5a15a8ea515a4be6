/**
 * The sampling grid of a multislice simulation: lateral extent [Å], grid points and
 * sampling [Å/px] that check each other (an inconsistent triple is a ValidationError), the
 * spatial-frequency axes [Å⁻¹] and the anti-aliasing band limit at 2/3 of Nyquist.
 *
 * FFT sizes: the WASM-SIMD pffft accepts complex lengths n = 16·2^a·3^b·5^c only. A grid
 * asked for by extent and sampling whose point count is not such a size (e.g. the
 * benchmark's 27.6 Å / 0.05 Å = 552 = 2³·3·23) is rounded UP to the next fast size and keeps
 * its extent; the sampling becomes slightly finer (27.6 Å / 576 = 0.0479 Å). Finer sampling
 * only raises the band limit, so the physics asked for is still resolved. A grid given
 * explicit `gpts` that are not fast is refused.
 */
import { ValidationError } from '../../core/errors.js';

/** Relative tolerance when checking extent = gpts · sampling. */
const CONSISTENCY_RTOL = 1e-6;

/** Largest grid side bragg accepts (a 4096² complex64 field is 128 MiB). */
export const MAX_GPTS = 4096;

/** Is `n` a length the SIMD pffft can transform (16 · 2^a · 3^b · 5^c)? */
export function isFastFftSize(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 16 || n % 16 !== 0) return false;
  let m = n / 16;
  for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
  return m === 1;
}

/** Smallest fast FFT length ≥ n. */
export function nextFastFftSize(n: number): number {
  if (!Number.isFinite(n) || n > MAX_GPTS) {
    throw new ValidationError(`grid size must be at most ${MAX_GPTS}, got ${n}`, 'gpts');
  }
  let m = Math.max(16, Math.ceil(n));
  while (!isFastFftSize(m)) m++;
  return m;
}

export interface GridSpec {
  /** Lateral extent (x, y) [Å]; one number for a square grid. */
  extent?: number | readonly [number, number];
  /** Grid points (x, y); one number for a square grid. */
  gpts?: number | readonly [number, number];
  /** Sampling (x, y) [Å/px]; one number for a square grid. */
  sampling?: number | readonly [number, number];
}

function pair(v: number | readonly [number, number], field: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isFinite(x) || x <= 0) {
      throw new ValidationError(`must be positive and finite, got ${x}`, field);
    }
  }
  return p;
}

/**
 * A checked grid. `nx`, `ny` are points along x (fast axis, columns) and y (rows); arrays on
 * the grid are row-major [y, x].
 */
export class Grid {
  readonly nx: number;
  readonly ny: number;
  /** Extent along x, y [Å]. */
  readonly extentX: number;
  readonly extentY: number;

  constructor(spec: GridSpec) {
    const { extent, gpts, sampling } = spec;
    let e: [number, number];
    let n: [number, number];
    if (gpts !== undefined) {
      n = pair(gpts, 'gpts');
      for (const v of n) {
        if (!isFastFftSize(v) || v > MAX_GPTS) {
          throw new ValidationError(
            `grid points must be 16·2^a·3^b·5^c and at most ${MAX_GPTS}, got ${v} (next fast size: ${nextFastFftSize(Math.min(v, MAX_GPTS))})`,
            'gpts',
          );
        }
      }
      if (extent !== undefined) {
        e = pair(extent, 'extent');
        if (sampling !== undefined) {
          const s = pair(sampling, 'sampling');
          for (let i = 0; i < 2; i++) {
            const want = n[i]! * s[i]!;
            if (Math.abs(want - e[i]!) > CONSISTENCY_RTOL * e[i]!) {
              throw new ValidationError(
                `extent ${e[i]} Å != gpts ${n[i]} × sampling ${s[i]} Å = ${want} Å`,
                'grid',
              );
            }
          }
        }
      } else if (sampling !== undefined) {
        const s = pair(sampling, 'sampling');
        e = [n[0] * s[0], n[1] * s[1]];
      } else {
        throw new ValidationError('give extent or sampling together with gpts', 'grid');
      }
    } else {
      if (extent === undefined || sampling === undefined) {
        throw new ValidationError('give two of extent, gpts and sampling', 'grid');
      }
      e = pair(extent, 'extent');
      const s = pair(sampling, 'sampling');
      // Round up to a fast FFT size; keep the extent (sampling becomes finer).
      n = [nextFastFftSize(e[0] / s[0] - 1e-9), nextFastFftSize(e[1] / s[1] - 1e-9)];
    }
    this.nx = n[0];
    this.ny = n[1];
    this.extentX = e[0];
    this.extentY = e[1];
  }

  /** Sampling along x, y [Å/px]. */
  get samplingX(): number {
    return this.extentX / this.nx;
  }
  get samplingY(): number {
    return this.extentY / this.ny;
  }

  /** Fourier-space pixel size along x, y [Å⁻¹]. */
  get dkX(): number {
    return 1 / this.extentX;
  }
  get dkY(): number {
    return 1 / this.extentY;
  }

  /** Nyquist frequency along x, y [Å⁻¹]. */
  get nyquistX(): number {
    return 0.5 / this.samplingX;
  }
  get nyquistY(): number {
    return 0.5 / this.samplingY;
  }

  /** Anti-aliasing band limit [Å⁻¹]: 2/3 of the smaller Nyquist frequency. */
  get bandLimit(): number {
    return (2 / 3) * Math.min(this.nyquistX, this.nyquistY);
  }

  /** Frequencies [Å⁻¹] along x in FFT order (0, 1, …, −1)/extent. */
  frequenciesX(): Float64Array {
    return fftFrequencies(this.nx, this.extentX);
  }
  frequenciesY(): Float64Array {
    return fftFrequencies(this.ny, this.extentY);
  }

  /** Same grid? (points and extent to 1e-9 relative). */
  equals(other: Grid): boolean {
    return (
      this.nx === other.nx &&
      this.ny === other.ny &&
      Math.abs(this.extentX - other.extentX) <= 1e-9 * this.extentX &&
      Math.abs(this.extentY - other.extentY) <= 1e-9 * this.extentY
    );
  }

  toJSON(): { extent: [number, number]; gpts: [number, number]; sampling: [number, number] } {
    return {
      extent: [this.extentX, this.extentY],
      gpts: [this.nx, this.ny],
      sampling: [this.samplingX, this.samplingY],
    };
  }
}

/** FFT-ordered frequencies k_i = i/L for i < n/2 (rounded up), (i − n)/L after. */
export function fftFrequencies(n: number, extent: number): Float64Array {
  const k = new Float64Array(n);
  const half = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) k[i] = (i < half ? i : i - n) / extent;
  return k;
}

/**
 * Anti-aliasing aperture in FFT order, row-major [ky, kx]: 1 where |k| ≤ band limit, else 0.
 * Multiplying every propagated wave by it keeps the products with the transmission function
 * free of aliasing (Kirkland 2010, §6.8: band limit at 2/3 of the maximum frequency).
 */
export function antialiasMask(grid: Grid): Uint8Array {
  const kx = grid.frequenciesX();
  const ky = grid.frequenciesY();
  const kmax2 = grid.bandLimit ** 2;
  const m = new Uint8Array(grid.nx * grid.ny);
  for (let iy = 0; iy < grid.ny; iy++) {
    const ky2 = ky[iy]! ** 2;
    for (let ix = 0; ix < grid.nx; ix++) {
      if (kx[ix]! ** 2 + ky2 <= kmax2) m[iy * grid.nx + ix] = 1;
    }
  }
  return m;
}

/** Is `f` an interpolation factor the grid can use (nx/f and ny/f are fast FFT sizes)? */
export function validInterpolation(grid: Grid, f: number): boolean {
  return (
    Number.isInteger(f) &&
    f >= 1 &&
    grid.nx % f === 0 &&
    grid.ny % f === 0 &&
    isFastFftSize(grid.nx / f) &&
    isFastFftSize(grid.ny / f)
  );
}

/** Check an interpolation factor: a positive integer whose primes are 2, 3 and 5. */
export function assertInterpolation(f: number, field = 'interpolation'): number {
  let m = f;
  if (Number.isInteger(m) && m >= 1) for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
  if (m !== 1 || f > 64) {
    throw new ValidationError(`must be an integer 1…64 of the form 2^a·3^b·5^c, got ${f}`, field);
  }
  return f;
}
