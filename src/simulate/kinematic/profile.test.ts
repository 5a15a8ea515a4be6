import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { interpolate, kinematicProfile, linspace, peakValue, seed147Axis } from './profile.js';
import { prepareReflections } from './reflections.js';
import { gold, silicon } from '../../../test/support/simulate/kinematic/crystals.js';

describe('1D profiles', () => {
  it('seed147 axis: 147 points from 0.10777668889613681 to 1.318191810345058 Å⁻¹ (DESIGN.md)', () => {
    const q = seed147Axis();
    expect(q.length).toBe(147);
    expect(q[0]).toBe(0.10777668889613681);
    expect(q[146]).toBe(1.318191810345058);
    // ml_difsims x_all_q_axis[13:160]: bin i of a step-dq axis from 0, so q[0]/13 = q[146]/159.
    expect(q[0]! / 13).toBeCloseTo(q[146]! / 159, 9);
    expect(q[1]! - q[0]!).toBeCloseTo(0.0082905145, 9);
  });

  it('peak shapes have unit area and the given FWHM', () => {
    for (const shape of ['gaussian', 'lorentzian', 'pseudo-voigt'] as const) {
      const w = 0.02;
      let area = 0;
      const dx = 1e-4;
      for (let x = -20; x <= 20; x += dx) area += peakValue(shape, x, w) * dx;
      expect(area).toBeCloseTo(1, 2);
      expect(peakValue(shape, w / 2, w) / peakValue(shape, 0, w)).toBeCloseTo(0.5, 10);
    }
    expect(() => peakValue('triangle' as never, 0, 1)).toThrow(ValidationError);
  });

  it('Si profile: maxima at 1/d of 111, 220, 311; none at forbidden 200; max normalised to 1', () => {
    const t = prepareReflections(silicon(0.005), { gMax: 1.5 });
    const q = linspace(0.2, 0.8, 6001);
    const y = kinematicProfile(t, q, { shape: 'gaussian', fwhm: 0.005 });
    expect(Math.max(...y)).toBeCloseTo(1, 12);
    const at = (d: number) => y[Math.round((1 / d - 0.2) / 1e-4)]!;
    // MANIFEST §3.4 DERIVED d-spacings.
    for (const d of [3.13542, 1.92004, 1.63742]) {
      const i = Math.round((1 / d - 0.2) / 1e-4);
      expect(at(d)).toBeGreaterThan(0.05);
      expect(y[i]!).toBeGreaterThanOrEqual(y[i - 3]!);
      expect(y[i]!).toBeGreaterThanOrEqual(y[i + 3]!);
    }
    expect(at(2.71535)).toBeLessThan(1e-9); // d200
    // 111 (m 8) is the strongest Si line.
    expect(at(3.13542)).toBeCloseTo(1, 2);
  });

  it('peak ratios equal multiplicity × |F|² ratios for well separated peaks', () => {
    const t = prepareReflections(gold(), { gMax: 1.0 });
    const q = linspace(0.3, 1.0, 70001);
    const y = kinematicProfile(t, q, { shape: 'gaussian', fwhm: 0.002, normalise: 'none' });
    const f = t.families;
    const peak = (i: number) => y[Math.round((f.gLength[i]! - 0.3) / 1e-5)]!;
    const w = 0.002;
    const h = (2 * Math.sqrt(Math.LN2)) / (w * Math.sqrt(Math.PI));
    let checked = 0;
    for (let i = 0; i < f.count; i++) {
      if (f.f2[i]! < 1e-6 || f.gLength[i]! < 0.31 || f.gLength[i]! > 0.99) continue;
      expect(peak(i) / h / (f.multiplicity[i]! * f.f2[i]!)).toBeCloseTo(1, 3);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('lattice scaling moves peaks to q / scale', () => {
    const t = prepareReflections(silicon(), { gMax: 1.5 });
    const q = linspace(0.2, 0.4, 20001);
    const y = kinematicProfile(t, q, { fwhm: 0.003, latticeScale: 1.05 });
    let best = 0;
    for (let i = 0; i < y.length; i++) if (y[i]! > y[best]!) best = i;
    expect(q[best]!).toBeCloseTo(1 / 3.13542 / 1.05, 4);
  });

  it('interpolates onto another axis and rejects bad axes', () => {
    expect([...interpolate([0, 1, 2], [0, 10, 20], [0.5, 1.5, 3])]).toEqual([5, 15, 0]);
    expect(() => linspace(1, 0, 10)).toThrow(ValidationError);
    expect(() => linspace(0, 1, 1)).toThrow(ValidationError);
  });
});
