import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import {
  electronWavelength,
  electronWavevector,
  interactionParameter,
  lorentzFactor,
} from './wavelength.js';
import { bFromU, debyeWallerFactor, debyeWallerFactorU, uFromB } from './debye-waller.js';

describe('electron wavelength (CODATA 2018)', () => {
  // Issue 4 / MANIFEST §3.4 (pymatgen tests/analysis/diffraction/test_tem.py
  // test_wavelength_rel: 200 kV → 0.025079 Å; 80/300 kV values derived with CODATA constants).
  it.each([
    [80, 0.041757],
    [200, 0.025079],
    [300, 0.019687],
  ])('%d kV gives %f Å', (kv, lambda) => {
    expect(electronWavelength(kv)).toBeCloseTo(lambda, 6);
  });

  // diffsims test_structure_factor.py L148–164 (EMsoft v5, atol 1e-6 nm): Ni 200 kV 0.002507 nm,
  // SiC 100 kV 0.003701 nm. EMsoft adds the crystal's mean inner potential (refraction); at
  // 100–200 kV that changes λ by < 1e-6 nm. (Its Fe 10 kV value, 0.012186 nm, differs from the
  // vacuum λ by 1.9e-5 nm for that reason and is not used.)
  it.each([
    [200, 0.002507],
    [100, 0.003701],
  ])('%d kV agrees with EMsoft %f nm', (kv, nm) => {
    expect(Math.abs(electronWavelength(kv) / 10 - nm)).toBeLessThan(1.5e-6);
  });

  it('k = 1/λ and γ = 1 + eV/m₀c² (200 kV: γ = 1.39139)', () => {
    expect(electronWavevector(200) * electronWavelength(200)).toBeCloseTo(1, 12);
    // 1 + 200/510.99895 = 1.391390…
    expect(lorentzFactor(200)).toBeCloseTo(1.3913902, 6);
  });

  it('interaction parameter σ at 200 kV is 7.2884e-4 rad/(V·Å)', () => {
    // abTEM abtem/core/energy.py energy2sigma(200e3) = 7.2884010859e-4 (Kirkland 2010 eq. 5.6,
    // same formula and CODATA constants; abTEM's ASE constants differ by < 1 ppm).
    expect(interactionParameter(200)).toBeCloseTo(7.2884011e-4, 9);
    // and abTEM energy2sigma(300e3) = 6.526161e-4
    expect(interactionParameter(300)).toBeCloseTo(6.526161e-4, 9);
  });

  it('throws ValidationError for non-positive or non-finite voltage', () => {
    for (const kv of [0, -200, NaN, Infinity]) {
      expect(() => electronWavelength(kv)).toThrow(ValidationError);
    }
  });
});

describe('Debye–Waller', () => {
  it('B = 8π²U: Dans_Diffraction Uiso 0.0126651 Å² ↔ B = 1 Å² (MANIFEST §3.1)', () => {
    expect(bFromU(0.0126651)).toBeCloseTo(1.0, 5);
    expect(uFromB(1)).toBeCloseTo(0.0126651, 7);
  });
  it('factor exp(−B s²) matches its U form and is 1 at s = 0', () => {
    expect(debyeWallerFactor(1, 0)).toBe(1);
    expect(debyeWallerFactor(bFromU(0.006332), 0.3)).toBeCloseTo(
      debyeWallerFactorU(0.006332, 0.3),
      14,
    );
    expect(debyeWallerFactor(2, 0.5)).toBeCloseTo(Math.exp(-0.5), 14);
  });
  it('rejects negative U or B', () => {
    expect(() => bFromU(-0.01)).toThrow(ValidationError);
    expect(() => uFromB(NaN)).toThrow(ValidationError);
  });
});
