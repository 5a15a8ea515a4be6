import { describe, expect, it } from 'vitest';
import { Grid } from './grid.js';
import { Fft2, FORWARD, BACKWARD } from './fft.js';
import { MultisliceEngine } from './engine.js';
import { probeCoefficients } from './probe.js';
import { electronWavelength } from '../../crystal/wavelength.js';
import { simulatePacbed, simulateCbed } from './simulate.js';
import { rutile } from '../../../test/support/simulate/multislice/crystals.js';
import type { MultisliceParams } from './plan.js';

const LAMBDA80 = electronWavelength(80);

function total(a: ArrayLike<number>, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  return s;
}

describe('probe', () => {
  it('sums to 1 in real space and its angular spectrum is a disc of radius α', async () => {
    const grid = new Grid({ gpts: 128, extent: 20 });
    const alpha = 20; // mrad
    const c = probeCoefficients(grid, {
      wavelength: LAMBDA80,
      convergenceAngle: alpha,
      softAperture: false,
      defocus: 50,
    });
    const kx = grid.frequenciesX();
    const ky = grid.frequenciesY();
    // every non-zero coefficient lies inside θ ≤ α and every pixel inside is non-zero
    for (let iy = 0; iy < 128; iy++)
      for (let ix = 0; ix < 128; ix++) {
        const theta = LAMBDA80 * Math.hypot(kx[ix]!, ky[iy]!) * 1000;
        const amp = Math.hypot(c[2 * (iy * 128 + ix)]!, c[2 * (iy * 128 + ix) + 1]!);
        if (theta > alpha) expect(amp).toBe(0);
        else expect(amp).toBeGreaterThan(0);
      }
    const engine = await MultisliceEngine.create(grid, {
      wavelength: LAMBDA80,
      sliceThickness: 1,
      tilt: [0, 0],
      maxAngle: 100,
    });
    engine.loadFourier(c, 7.3, 11.1);
    const psi = engine.wave();
    let s = 0;
    for (let i = 0; i < psi.length; i += 2) s += psi[i]! ** 2 + psi[i + 1]! ** 2;
    // Σ|ψ|² = 1 by construction (Parseval with Σ|c|² = 1/N)
    expect(s).toBeCloseTo(1, 5);
    engine.dispose();
  });
});

describe('propagation', () => {
  it('through vacuum conserves intensity and equals the analytic Fresnel propagator', async () => {
    // A band-limited random wave propagated 40 slices of 2 Å in vacuum with the engine must
    // equal one application of exp(−iπλz k²) over z = 80 Å (done here in float64-free
    // ordered FFTs), and keep Σ|ψ|².
    const grid = new Grid({ gpts: 64, extent: 12 });
    const engine = await MultisliceEngine.create(grid, {
      wavelength: LAMBDA80,
      sliceThickness: 2,
      tilt: [0, 0],
      maxAngle: 1e9,
    });
    const c = probeCoefficients(grid, {
      wavelength: LAMBDA80,
      convergenceAngle: 60,
      c3: 1e5,
      defocus: 30,
    });
    engine.loadFourier(c);
    const start = engine.wave();
    const ones = new Float32Array(2 * 64 * 64);
    for (let i = 0; i < ones.length; i += 2) ones[i] = 1;
    const acc = [new Float64Array(engine.detector.nx * engine.detector.ny)];
    engine.run(40, () => ones, [41], acc); // output never reached: the wave ends propagated 40×
    const got = engine.wave();
    const fft = await Fft2.create(64, 64);
    const ref = start.slice();
    fft.transform(ref, FORWARD);
    const kx = grid.frequenciesX();
    for (let iy = 0; iy < 64; iy++)
      for (let ix = 0; ix < 64; ix++) {
        const j = 2 * (iy * 64 + ix);
        const ph = -Math.PI * LAMBDA80 * 80 * (kx[ix]! ** 2 + kx[iy]! ** 2);
        const re = ref[j]!;
        const im = ref[j + 1]!;
        ref[j] = re * Math.cos(ph) - im * Math.sin(ph);
        ref[j + 1] = re * Math.sin(ph) + im * Math.cos(ph);
      }
    fft.transform(ref, BACKWARD);
    let s0 = 0;
    let s1 = 0;
    let err = 0;
    for (let i = 0; i < got.length; i += 2) {
      s0 += start[i]! ** 2 + start[i + 1]! ** 2;
      s1 += got[i]! ** 2 + got[i + 1]! ** 2;
      err = Math.max(err, Math.hypot(got[i]! - ref[i]!, got[i + 1]! - ref[i + 1]!));
    }
    expect(s1).toBeCloseTo(s0, 4); // float32 round-off over 40 steps
    expect(err).toBeLessThan(1e-4);
    fft.dispose();
    engine.dispose();
  });
});

const small: MultisliceParams = {
  zone: [0, 0, 1],
  kv: 80,
  convergenceAngle: 20,
  thicknesses: [100],
  sampling: 0.1,
  extent: 4.6,
  sliceThickness: 1.5,
  scan: 4,
  maxAngle: 45,
};

function mirrorError(
  p: Float32Array,
  n: number,
  kind: 'x' | 'y' | 'diag' | 'anti' | 'rot2',
): number {
  let num = 0;
  let den = 0;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const a = p[y * n + x]!;
      const m = n - 1;
      const [yy, xx] =
        kind === 'x'
          ? [y, m - x]
          : kind === 'y'
            ? [m - y, x]
            : kind === 'diag'
              ? [x, y]
              : kind === 'anti'
                ? [m - x, m - y]
                : [m - y, m - x];
      const b = p[yy * n + xx]!;
      num += Math.abs(a - b);
      den += a;
    }
  return num / den;
}

describe('rutile multislice', () => {
  it('keeps ≥ 0.98 of the intensity at 20 nm, 80 kV (loss only through the anti-aliasing aperture)', async () => {
    const r = await simulateCbed(
      rutile(),
      { ...small, thicknesses: [200], sampling: 0.05, maxAngle: 1e9 },
      [1, 1],
      { threads: 1 },
    );
    expect(r.thicknesses[0]).toBeCloseTo(200, -1);
    expect(total(r.patterns)).toBeGreaterThanOrEqual(0.98);
    expect(total(r.patterns)).toBeLessThanOrEqual(1 + 1e-4);
  });

  it('PACBED along [001] without tilt has 4mm symmetry; a mistilt breaks it in the tilt direction', async () => {
    // P4₂/mnm along [001]: layers A (z = 0) and B (z = c/2). The diagonal mirror and the
    // 2-fold axis map each layer onto itself, so they hold exactly in the dynamical pattern;
    // the x/y mirrors and the 4-fold map A ↔ B (they carry a c/2 translation), so a finite
    // slab ABAB… keeps them only up to its surface layers (≈ 0.5 % here).
    const flat = await simulatePacbed(rutile(), small, { threads: 1 });
    const n = flat.shape[2];
    expect(flat.shape[1]).toBe(n);
    expect(mirrorError(flat.patterns, n, 'diag')).toBeLessThan(1e-4);
    expect(mirrorError(flat.patterns, n, 'anti')).toBeLessThan(1e-4);
    expect(mirrorError(flat.patterns, n, 'rot2')).toBeLessThan(1e-4);
    expect(mirrorError(flat.patterns, n, 'x')).toBeLessThan(0.01);
    expect(mirrorError(flat.patterns, n, 'y')).toBeLessThan(0.01);
    // tilt of 8 mrad along the diagonal (azimuth 45°): the diagonal mirror contains the tilt
    // and survives; the anti-diagonal mirror and the 2-fold reverse it and break
    const tilted = await simulatePacbed(
      rutile(),
      { ...small, mistilt: 8, azimuth: 45 },
      { threads: 1 },
    );
    expect(mirrorError(tilted.patterns, n, 'diag')).toBeLessThan(1e-4);
    expect(mirrorError(tilted.patterns, n, 'anti')).toBeGreaterThan(0.05);
    expect(mirrorError(tilted.patterns, n, 'rot2')).toBeGreaterThan(0.05);
  });

  it('gives the same bytes on 1 and 2 threads', async () => {
    const a = await simulatePacbed(rutile(), { ...small, scan: 3 }, { threads: 1 });
    const b = await simulatePacbed(rutile(), { ...small, scan: 3 }, { threads: 2 });
    expect(Buffer.from(b.patterns.buffer).equals(Buffer.from(a.patterns.buffer))).toBe(true);
  });

  it('frozen phonons move intensity from the Bragg discs into the background', async () => {
    // α = 3 mrad < half the 100 Bragg angle (≈ 9.1 mrad at 80 kV): discs do not overlap and
    // the space between them is background. Thermal displacement (σ = 0.15 Å, seeded)
    // scatters diffusely into it.
    const p: MultisliceParams = {
      ...small,
      convergenceAngle: 3,
      extent: 36.7,
      sampling: 0.15,
      scan: 1,
      thicknesses: [12],
      maxAngle: 40,
    };
    const stat = await simulatePacbed(rutile(), p, { threads: 1 });
    const hot = await simulatePacbed(
      rutile(),
      { ...p, phonons: 2, phononSigma: { Ti: 0.15, O: 0.15 }, seed: 3 },
      { threads: 1 },
    );
    const n = stat.shape[2];
    const c = (n - 1) / 2;
    const g = 1 / 4.5937 / (stat.mradPerPx[1] / 1000 / LAMBDA80); // reciprocal cell in px
    const rDisc = 3 / stat.mradPerPx[1] + 1;
    const bg = (pat: Float32Array): number => {
      let s = 0;
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++) {
          const gx = (x - c) / g;
          const gy = (y - c) / g;
          const d = Math.hypot((gx - Math.round(gx)) * g, (gy - Math.round(gy)) * g);
          if (d > rDisc) s += pat[y * n + x]!;
        }
      return s / total(pat);
    };
    expect(bg(stat.patterns)).toBeLessThan(0.01);
    expect(bg(hot.patterns)).toBeGreaterThan(3 * bg(stat.patterns));
  });
});
