/**
 * The STEM probe in Fourier space: a (soft-edged) condenser aperture of semi-angle α and the
 * aberration phase χ(θ) = (2π/λ)(C1 θ²/2 + C3 θ⁴/4 + C5 θ⁶/6) (round aberrations, Krivanek
 * notation C10/C30/C50; defocus Δf = −C1), normalised so that Σ_r |ψ(r)|² = 1.
 */
import { ValidationError } from '../../core/errors.js';
import type { Grid } from './grid.js';

export interface ProbeOptions {
  /** Electron wavelength [Å]. */
  wavelength: number;
  /** Convergence semi-angle α [mrad]. */
  convergenceAngle: number;
  /** Soft aperture edge one angular pixel wide (anti-aliased), default true. */
  softAperture?: boolean;
  /** Defocus Δf [Å] (positive = underfocus, C1 = −Δf). */
  defocus?: number;
  /** C1, C3, C5 [Å]. */
  c1?: number;
  c3?: number;
  c5?: number;
}

/** Aberration phase χ [rad] at scattering angle θ [rad]. */
export function aberrationPhase(o: ProbeOptions, theta: number): number {
  const c1 = (o.c1 ?? 0) - (o.defocus ?? 0);
  const t2 = theta * theta;
  return (
    ((2 * Math.PI) / o.wavelength) *
    ((c1 * t2) / 2 + ((o.c3 ?? 0) * t2 * t2) / 4 + ((o.c5 ?? 0) * t2 * t2 * t2) / 6)
  );
}

/**
 * Fourier coefficients c_k of the probe at the origin, canonical FFT order, interleaved
 * complex [ny, nx], scaled so that the real-space wave ψ(r) = Σ c_k e^{2πik·r} has Σ|ψ|² = 1
 * (i.e. Σ|c_k|² = 1/N).
 */
export function probeCoefficients(grid: Grid, o: ProbeOptions): Float32Array {
  if (!(o.convergenceAngle > 0) || !Number.isFinite(o.convergenceAngle)) {
    throw new ValidationError(`must be > 0 mrad, got ${o.convergenceAngle}`, 'convergenceAngle');
  }
  const alpha = o.convergenceAngle / 1000;
  const kAlpha = alpha / o.wavelength;
  if (kAlpha > grid.bandLimit) {
    throw new ValidationError(
      `the aperture (${o.convergenceAngle} mrad = ${kAlpha.toFixed(3)} Å⁻¹) exceeds the grid's band limit ${grid.bandLimit.toFixed(3)} Å⁻¹; use a finer sampling`,
      'convergenceAngle',
    );
  }
  const kx = grid.frequenciesX();
  const ky = grid.frequenciesY();
  const { nx, ny } = grid;
  const soft = o.softAperture ?? true;
  const dTheta = o.wavelength * Math.min(grid.dkX, grid.dkY);
  const c = new Float64Array(2 * nx * ny);
  let norm = 0;
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const theta = o.wavelength * Math.hypot(kx[ix]!, ky[iy]!);
      const amp = soft
        ? Math.min(1, Math.max(0, (alpha - theta) / dTheta + 0.5))
        : theta <= alpha
          ? 1
          : 0;
      if (amp === 0) continue;
      const chi = aberrationPhase(o, theta);
      const j = 2 * (iy * nx + ix);
      c[j] = amp * Math.cos(-chi);
      c[j + 1] = amp * Math.sin(-chi);
      norm += amp * amp;
    }
  }
  if (norm === 0) {
    throw new ValidationError(
      `the aperture (${o.convergenceAngle} mrad) holds no Fourier pixel of the grid; use a larger extent`,
      'convergenceAngle',
    );
  }
  const s = 1 / Math.sqrt(norm * nx * ny);
  const out = new Float32Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = c[i]! * s;
  return out;
}

/** Nyquist scan step of the probe [Å]: λ/(4α) (the probe holds no frequency above 2α/λ). */
export function probeNyquistStep(wavelength: number, convergenceAngle: number): number {
  return wavelength / (4 * (convergenceAngle / 1000));
}
