/**
 * PRISM (Ophus 2017, Adv. Struct. Chem. Imaging 3:13): the scattering matrix of a specimen
 * for the plane waves inside the probe aperture, on the Fourier grid subsampled by the
 * interpolation factor f, so that many probe positions share one set of propagations.
 *
 *  - Beams: the plane waves e^{2πi k_b·r} with k_b = (f·m/Lx, f·n/Ly) inside the aperture.
 *    Each is propagated once through the specimen (`MultisliceEngine.advance`), giving the
 *    S-matrix S_b(r) at every output thickness.
 *  - A probe at r₀ is Σ_b c_b e^{−2πi k_b·r₀} S_b(r), with c_b the probe's Fourier
 *    coefficients (aperture and aberrations) at k_b. Built from every f-th Fourier pixel, it
 *    is periodic with period L/f, so it is evaluated only in the window of (nx/f)×(ny/f)
 *    pixels centred on r₀ (PRISM's cropping); its diffraction pattern is |FFT(window)|² on
 *    the coarse angular grid of pixel f·λ/L.
 *
 * Choosing f: the error is smallest when the window L/f is a whole number of crystal cells
 * (the cut wave then keeps the crystal's periodicity); see bench/multislice/RESULTS.md.
 *
 * Cost: the beams number ≈ π(α/λ)²·(L/f)², so propagation falls as f⁻², and the sums for each
 * probe position (beams × window pixels) as f⁻⁴. The price: patterns f times coarser in
 * angle, and the error of cutting the wave to the window (grows with thickness and f).
 */
import { ValidationError } from '../../core/errors.js';
import { detectorGeometry, type DetectorGeometry } from './engine.js';
import { Grid, assertInterpolation, validInterpolation } from './grid.js';

export { assertInterpolation, validInterpolation } from './grid.js';
import { probeCoefficients } from './probe.js';
import type { Plan } from './plan.js';

export interface PrismSetup {
  f: number;
  /** Window (PRISM crop) size (x, y) [px]. */
  window: [number, number];
  /** The coarse grid of one window: extent L/f, the same sampling. */
  windowGrid: Grid;
  /** Beam wave vectors [Å⁻¹]. */
  kx: Float64Array;
  ky: Float64Array;
  /**
   * Probe coefficients at the beams (interleaved complex), scaled so that the probe in one
   * window has Σ|ψ|² = 1 (Σ|c_b|² = f²/N).
   */
  coeffs: Float64Array;
  /** The coarse detector: pixel f·λ/L [mrad]. */
  detector: DetectorGeometry;
}

/** The beams, coefficients and window of PRISM with factor f on the plan's grid. */
export function prismSetup(plan: Plan, f: number): PrismSetup {
  const { grid } = plan;
  assertInterpolation(f);
  if (!validInterpolation(grid, f)) {
    const ok = [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16].filter((g) => validInterpolation(grid, g));
    throw new ValidationError(
      `interpolation ${f} does not divide the ${grid.nx}×${grid.ny} grid into fast FFT windows; valid: ${ok.join(', ')}`,
      'interpolation',
    );
  }
  const { nx, ny } = grid;
  const mx = nx / f;
  const my = ny / f;
  const fine = probeCoefficients(grid, plan.probe);
  const fkx = grid.frequenciesX();
  const fky = grid.frequenciesY();
  const kx: number[] = [];
  const ky: number[] = [];
  const c: number[] = [];
  let norm = 0;
  for (let iy = 0; iy < ny; iy += f) {
    for (let ix = 0; ix < nx; ix += f) {
      const j = 2 * (iy * nx + ix);
      const re = fine[j]!;
      const im = fine[j + 1]!;
      if (re === 0 && im === 0) continue;
      kx.push(fkx[ix]!);
      ky.push(fky[iy]!);
      c.push(re, im);
      norm += re * re + im * im;
    }
  }
  if (kx.length === 0) {
    throw new ValidationError(
      `the aperture holds no beam of the grid subsampled by ${f}; use a smaller interpolation or a larger extent`,
      'interpolation',
    );
  }
  const s = Math.sqrt(1 / (norm * mx * my));
  const windowGrid = new Grid({
    extent: [grid.extentX / f, grid.extentY / f],
    gpts: [mx, my],
  });
  return {
    f,
    window: [mx, my],
    windowGrid,
    kx: Float64Array.from(kx),
    ky: Float64Array.from(ky),
    coeffs: Float64Array.from(c, (v) => v * s),
    detector: detectorGeometry(windowGrid, plan.wavelength, plan.engine.maxAngle),
  };
}

/**
 * Bytes the S-matrix of one configuration holds (one complex64 wave per beam; the thickness
 * series reuses it: each output is reduced before the beams move on).
 */
export function prismMemoryBytes(setup: PrismSetup, grid: Grid): number {
  return setup.kx.length * grid.nx * grid.ny * 8;
}

/**
 * The plain-multislice pattern at PRISM's angles: a PRISM pixel K is |FFT(window)|² at
 * K·f/L, and for a wave that lies inside the window this equals the full-grid pattern at the
 * fine pixel f·K times f² (the window holds N/f² of the N pixels). So the reference for a
 * PRISM pattern of `coarse` (ny, nx) geometry is f²·fine[f·K] (both zero at their centres);
 * their difference is the error of PRISM's cropping alone.
 */
export function samplePattern(
  fine: Float32Array | Float64Array,
  fineShape: readonly [number, number],
  f: number,
  coarse: readonly [number, number],
): Float64Array {
  const [fny, fnx] = fineShape;
  const [cny, cnx] = coarse;
  const fcy = (fny - 1) / 2;
  const fcx = (fnx - 1) / 2;
  const ccy = (cny - 1) / 2;
  const ccx = (cnx - 1) / 2;
  const out = new Float64Array(cny * cnx);
  for (let Y = 0; Y < cny; Y++) {
    const y = fcy + (Y - ccy) * f;
    for (let X = 0; X < cnx; X++) {
      const x = fcx + (X - ccx) * f;
      if (y < 0 || y >= fny || x < 0 || x >= fnx) continue;
      out[Y * cnx + X] = f * f * fine[y * fnx + x]!;
    }
  }
  return out;
}

/** Relative L1 difference Σ|a − b| / Σ|b|. */
export function relativeL1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new ValidationError(`lengths differ: ${a.length} vs ${b.length}`, 'pattern');
  }
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += Math.abs(a[i]! - b[i]!);
    n += Math.abs(b[i]!);
  }
  return d / n;
}
