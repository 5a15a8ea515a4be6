import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { crystalSymmetry } from '../kinematic/crystal.js';
import { graphite, silicon } from '../../../test/support/simulate/kinematic/crystals.js';
import { apply, determinant, multiply, rotationAngle, transpose } from './mat3.js';
import {
  eulerFromOrientation,
  orientationFromEuler,
  orientationFromQuaternion,
  orientationFromZoneAxis,
  quaternionFromOrientation,
} from './rotations.js';
import { fundamentalZoneGrid, randomQuaternions } from './sampling.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-9) =>
  Array.from(a).every((v, i) => Math.abs(v - b[i]!) < tol);

describe('orientations', () => {
  it('Bunge Euler → matrix is a proper rotation; round trips through angles and quaternions', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 359.9, noNaN: true }),
        fc.double({ min: 0.01, max: 179.99, noNaN: true }),
        fc.double({ min: 0, max: 359.9, noNaN: true }),
        (p1, P, p2) => {
          const u = orientationFromEuler(p1, P, p2);
          const back = orientationFromEuler(...eulerFromOrientation(u));
          const viaQ = orientationFromQuaternion(quaternionFromOrientation(u));
          return (
            Math.abs(determinant(u) - 1) < 1e-12 &&
            close(multiply(u, transpose(u)), [1, 0, 0, 0, 1, 0, 0, 0, 1]) &&
            close(back, u, 1e-8) &&
            close(viaQ, u, 1e-12)
          );
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('Bunge convention: Φ tilts the crystal c axis by Φ from the lab z axis', () => {
    // Rowenhorst et al. 2015: g(φ1, Φ, φ2) row 3 = (sin φ1 sin Φ, −cos φ1 sin Φ, cos Φ) is the
    // sample z axis in crystal coordinates, so the crystal z axis makes angle Φ with lab z.
    const u = orientationFromEuler(30, 40, 50);
    const cz = apply(u, [0, 0, 1]);
    expect((Math.acos(cz[2]) * 180) / Math.PI).toBeCloseTo(40, 10);
    expect(
      close(
        orientationFromEuler(90, 0, 0),
        orientationFromQuaternion([Math.SQRT1_2, 0, 0, Math.SQRT1_2]),
      ),
    ).toBe(true);
  });

  it('zone axis [uvw] is mapped onto the optic axis, in-plane rotation about it', () => {
    const gr = graphite();
    for (const uvw of [
      [0, 0, 1],
      [1, 1, 0],
      [1, 0, 0],
      [2, 1, 3],
    ]) {
      const u = orientationFromZoneAxis(gr.lattice.direct, uvw, 25);
      const d = [0, 1, 2].map(
        (j) =>
          uvw[0]! * gr.lattice.direct[0]![j]! +
          uvw[1]! * gr.lattice.direct[1]![j]! +
          uvw[2]! * gr.lattice.direct[2]![j]!,
      );
      const z = apply(u, d);
      expect(z[0] / Math.hypot(...z)).toBeCloseTo(0, 12);
      expect(z[1] / Math.hypot(...z)).toBeCloseTo(0, 12);
      expect(z[2]).toBeGreaterThan(0);
    }
    expect(() => orientationFromZoneAxis(gr.lattice.direct, [0, 0, 0])).toThrow(ValidationError);
  });

  it('random rotations are Haar-uniform (E[cos ω] = −1/2) and reproducible by seed', () => {
    const n = 20000;
    const q = randomQuaternions(n, 42);
    let sum = 0;
    for (let i = 0; i < n; i++)
      sum += Math.cos(rotationAngle(orientationFromQuaternion(q.subarray(4 * i, 4 * i + 4))));
    // Haar measure: p(ω) = (1 − cos ω)/π on [0, π] ⇒ E[cos ω] = −1/2; σ/√n ≈ 0.005.
    expect(sum / n).toBeCloseTo(-0.5, 1);
    expect(Math.abs(sum / n + 0.5)).toBeLessThan(0.02);
    expect(randomQuaternions(5, 42)).toEqual(randomQuaternions(5, 42));
    expect(randomQuaternions(5, 43)).not.toEqual(randomQuaternions(5, 42));
  });

  it('fundamental-zone grid: |G| of the Laue class divides the full grid (m-3m: 24, 6/mmm: 12)', () => {
    const siSym = crystalSymmetry(silicon());
    expect(siSym.properRotations.length).toBe(24);
    const g = fundamentalZoneGrid(siSym.properRotations, 5);
    expect(g.symmetryOrder).toBe(24);
    expect(g.count / (g.fullGridCount / 24)).toBeGreaterThan(0.97);
    expect(g.count / (g.fullGridCount / 24)).toBeLessThan(1.03);
    const hex = fundamentalZoneGrid(crystalSymmetry(graphite()).properRotations, 5);
    expect(hex.symmetryOrder).toBe(12);
    expect(hex.count / (hex.fullGridCount / 12)).toBeGreaterThan(0.97);
    expect(hex.count / (hex.fullGridCount / 12)).toBeLessThan(1.03);
    // Every kept orientation is its own smallest-angle representative.
    for (let i = 0; i < g.count; i += 17) {
      const u = orientationFromQuaternion(g.quaternions.subarray(4 * i, 4 * i + 4));
      const own = rotationAngle(u);
      for (const s of siSym.properRotations)
        expect(rotationAngle(multiply(u, s))).toBeGreaterThanOrEqual(own - 1e-7);
    }
    expect(() => fundamentalZoneGrid(siSym.properRotations, 0.01)).toThrow(ValidationError);
  });
});
