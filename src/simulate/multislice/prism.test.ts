import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { Grid } from './grid.js';
import { planSimulation, type MultisliceParams } from './plan.js';
import {
  assertInterpolation,
  prismSetup,
  relativeL1,
  samplePattern,
  validInterpolation,
} from './prism.js';
import { simulateCbed, simulatePacbed } from './simulate.js';
import { rutile } from '../../../test/support/simulate/multislice/crystals.js';

/** Rutile [001], 80 kV, 20 mrad: small grids so each case runs in seconds. */
const SMALL: MultisliceParams = {
  zone: [0, 0, 1],
  kv: 80,
  convergenceAngle: 20,
  thicknesses: [30],
  sampling: 0.15,
  extent: 9.2,
  sliceThickness: 1.48,
  scan: 2,
  maxAngle: 40,
};

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

describe('PRISM setup', () => {
  it('refuses interpolation factors that are not 2^a·3^b·5^c integers', () => {
    for (const f of [0, -2, 1.5, 7, 14, NaN, 128]) {
      expect(() => assertInterpolation(f)).toThrow(ValidationError);
    }
    expect(assertInterpolation(6)).toBe(6);
  });

  it('is refused for CBED (one position: nothing to share)', async () => {
    await expect(simulateCbed(rutile(), { ...SMALL, prism: 2 }, [0, 0])).rejects.toThrow(
      ValidationError,
    );
  });

  it('accepts f only where n/f is a fast FFT size, and the plan rounds the grid up for it', () => {
    const g = new Grid({ gpts: 192, extent: 18 });
    expect([2, 3, 4, 6, 12].every((f) => validInterpolation(g, f))).toBe(true);
    expect(validInterpolation(g, 5)).toBe(false); // 192/5 is not an integer
    // 9.2 Å at 0.15 Å → 64 px; f = 3 needs a multiple of 3 whose third is fast: 3·32 = 96
    const plan = planSimulation(rutile(), { ...SMALL, prism: 3 });
    expect(plan.grid.nx).toBe(96);
    expect(validInterpolation(plan.grid, 3)).toBe(true);
  });

  it('takes the aperture beams on the grid subsampled by f, normalised to a unit probe per window', () => {
    const plan = planSimulation(rutile(), SMALL);
    const s1 = prismSetup(plan, 1);
    const s2 = prismSetup(plan, 2);
    // beams fall as f²: every second pixel along each axis (±1 for the aperture's edge)
    const ratio = s1.kx.length / s2.kx.length;
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5);
    const kAlpha = 0.02 / plan.wavelength;
    const dk = 1 / plan.grid.extentX;
    for (let b = 0; b < s2.kx.length; b++) {
      expect(Math.hypot(s2.kx[b]!, s2.ky[b]!)).toBeLessThanOrEqual(kAlpha + dk);
      // on the subsampled lattice: k·L/f is an integer
      const m = (s2.kx[b]! * plan.grid.extentX) / 2;
      expect(Math.abs(m - Math.round(m))).toBeLessThan(1e-9);
    }
    // Σ|c_b|² · (window pixels) = 1: Parseval for a unit-norm probe in one window
    let n = 0;
    for (let i = 0; i < s2.coeffs.length; i++) n += s2.coeffs[i]! ** 2;
    expect(n * s2.window[0] * s2.window[1]).toBeCloseTo(1, 10);
    // the coarse detector's pixel is f times the fine one
    expect(s2.detector.mradPerPx[0]).toBeCloseTo(2 * plan.detector.mradPerPx[0], 12);
  });
});

describe('PRISM PACBED', () => {
  it('with f = 1 equals plain multislice (the S-matrix is linear; no cropping)', async () => {
    // ψ_probe = Σ_b c_b e^{−2πik_b·r₀} S_b holds exactly by linearity of the slice loop, so
    // only float32 rounding may separate the two.
    const plain = await simulatePacbed(rutile(), SMALL, { threads: 1 });
    const prism = await simulatePacbed(rutile(), { ...SMALL, prism: 1 }, { threads: 1 });
    expect(prism.shape).toEqual(plain.shape);
    expect(relativeL1(prism.patterns, plain.patterns)).toBeLessThan(1e-4);
  });

  it('gives the same bytes on 1 and 2 threads', async () => {
    const p = { ...SMALL, prism: 2, thicknesses: [15, 30] };
    const a = await simulatePacbed(rutile(), p, { threads: 1 });
    const b = await simulatePacbed(rutile(), p, { threads: 2 });
    expect(Buffer.from(b.patterns.buffer).equals(Buffer.from(a.patterns.buffer))).toBe(true);
  });

  it('is close to plain multislice at f = 2 and worse at f = 8 (cropping error), with the same intensity on the detector', async () => {
    // 4 cells (18.4 Å) at 0.15 Å: 128² grid; windows of 64² (f = 2) and 16² (f = 8, 2.3 Å,
    // smaller than the spread probe). Reference: the plain pattern at PRISM's angles.
    const p = { ...SMALL, extent: 18.4, thicknesses: [60] };
    const plain = await simulatePacbed(rutile(), p, { threads: 1 });
    const fine: [number, number] = [plain.shape[1], plain.shape[2]];
    const err = async (f: number): Promise<[number, number]> => {
      const r = await simulatePacbed(rutile(), { ...p, prism: f }, { threads: 1 });
      expect(r.prism?.interpolation).toBe(f);
      const ref = samplePattern(plain.patterns, fine, f, [r.shape[1], r.shape[2]]);
      return [relativeL1(r.patterns, ref), sum(r.patterns)];
    };
    const [e2, total2] = await err(2);
    const [e8] = await err(8);
    // measured here: 0.035 (f = 2) and 0.26 (f = 8)
    expect(e2).toBeLessThan(0.05);
    // the intensity inside the ±40 mrad detector matches plain multislice to 1 %
    expect(Math.abs(total2 - sum(plain.patterns))).toBeLessThan(0.01);
    expect(e8).toBeGreaterThan(2 * e2);
  });
});
