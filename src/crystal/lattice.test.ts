import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { Lattice } from './lattice.js';

const cubic = (a: number) => new Lattice({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
const hex = (a: number, c: number) => new Lattice({ a, b: a, c, alpha: 90, beta: 90, gamma: 120 });

describe('Lattice d-spacings', () => {
  // DERIVED values of MANIFEST §3.4 (pure geometry from the CIF cells of §3.1).
  const cases: [string, Lattice, [number, number, number], number][] = [
    ['Si', cubic(5.4307), [1, 1, 1], 3.13542],
    ['Si', cubic(5.4307), [2, 2, 0], 1.92004],
    ['Si', cubic(5.4307), [3, 1, 1], 1.63742],
    ['Si', cubic(5.4307), [4, 0, 0], 1.35767],
    ['Au', cubic(4.07825), [1, 1, 1], 2.35458],
    ['Au', cubic(4.07825), [2, 0, 0], 2.03912],
    ['Au', cubic(4.07825), [2, 2, 0], 1.44188],
    ['Au', cubic(4.07825), [3, 1, 1], 1.22964],
    ['Al', cubic(4.04958), [1, 1, 1], 2.33803],
    ['Al', cubic(4.04958), [2, 0, 0], 2.02479],
    ['Al', cubic(4.04958), [2, 2, 0], 1.43174],
    ['Fe', cubic(2.866), [1, 1, 0], 2.02657],
    ['Fe', cubic(2.866), [2, 0, 0], 1.433],
    ['Fe', cubic(2.866), [2, 1, 1], 1.17004],
    ['Cu', cubic(3.61496), [1, 1, 1], 2.0871],
    ['Cu', cubic(3.61496), [2, 0, 0], 1.80748],
    ['rutile', new Lattice({ a: 4.5870, b: 4.5870, c: 2.9540, alpha: 90, beta: 90, gamma: 90 }), [1, 1, 0], 3.2435],
    ['rutile', new Lattice({ a: 4.5870, b: 4.5870, c: 2.9540, alpha: 90, beta: 90, gamma: 90 }), [1, 0, 1], 2.48356],
    ['rutile', new Lattice({ a: 4.5870, b: 4.5870, c: 2.9540, alpha: 90, beta: 90, gamma: 90 }), [2, 0, 0], 2.2935],
    ['rutile', new Lattice({ a: 4.5870, b: 4.5870, c: 2.9540, alpha: 90, beta: 90, gamma: 90 }), [1, 1, 1], 2.18398],
    ['graphite', hex(2.464, 6.711), [0, 0, 2], 3.3555],
    ['graphite', hex(2.464, 6.711), [1, 0, 0], 2.13389],
    ['graphite', hex(2.464, 6.711), [1, 0, 1], 2.03356],
    ['graphite', hex(2.464, 6.711), [1, 1, 0], 1.232],
    ['SrTiO3', cubic(3.94513), [1, 1, 0], 2.78963],
    ['SrTiO3', cubic(3.94513), [1, 1, 1], 2.27772],
  ]; // prettier-ignore
  for (const [name, lat, hkl, d] of cases) {
    it(`${name} d(${hkl.join('')}) = ${d} Å`, () => {
      expect(lat.dSpacing(...hkl)).toBeCloseTo(d, 4);
      expect(lat.gLength(...hkl)).toBeCloseTo(1 / d, 4);
    });
  }

  it('CsCl d(390) = 0.4436675557216236 Å (pymatgen test_tem.py test_get_interplanar_spacings)', () => {
    expect(cubic(4.209).dSpacing(3, 9, 0)).toBeCloseTo(0.4436675557216236, 12);
  });
});

describe('Lattice geometry', () => {
  it('triclinic volume matches sqrt(det G) computed independently with numpy', () => {
    // numpy: sqrt(det(G)) for a=5, b=6, c=7, α=80°, β=85°, γ=95° → 204.89974065719812 Å³;
    // d(123) = 1/sqrt(h·G⁻¹·h) → 1.8583885948026746 Å.
    const lat = new Lattice({ a: 5, b: 6, c: 7, alpha: 80, beta: 85, gamma: 95 });
    expect(lat.volume).toBeCloseTo(204.89974065719812, 10);
    expect(lat.dSpacing(1, 2, 3)).toBeCloseTo(1.8583885948026746, 12);
  });

  it('Dans_Diffraction cell volumes (parsed_cif_output.json): Si 160.16, graphite 35.29 Å³', () => {
    expect(cubic(5.4307).volume).toBeCloseTo(160.16, 2);
    expect(hex(2.464, 6.711).volume).toBeCloseTo(35.29, 2);
  });

  it('interplanar angles (pymatgen test_tem.py test_interplanar_angle)', () => {
    expect(cubic(4.209).angleBetweenPlanes([0, 0, -1], [0, -1, 0])).toBeCloseTo(90, 6);
    expect(hex(2, 4).angleBetweenPlanes([0, 0, 1], [1, 0, 6])).toBeCloseTo(21.0517, 3);
  });

  const cellArb = fc
    .record({
      a: fc.double({ min: 1, max: 30, noNaN: true }),
      b: fc.double({ min: 1, max: 30, noNaN: true }),
      c: fc.double({ min: 1, max: 30, noNaN: true }),
      alpha: fc.double({ min: 60, max: 120, noNaN: true }),
      beta: fc.double({ min: 60, max: 120, noNaN: true }),
      gamma: fc.double({ min: 60, max: 120, noNaN: true }),
    })
    .filter((c) => {
      const r = Math.PI / 180;
      const [x, y, z] = [Math.cos(c.alpha * r), Math.cos(c.beta * r), Math.cos(c.gamma * r)];
      return 1 - x * x - y * y - z * z + 2 * x * y * z > 0.05;
    });

  it('reciprocal · directᵀ = identity, G* = G⁻¹, and the basis reproduces the cell', () => {
    fc.assert(
      fc.property(cellArb, (cell) => {
        const lat = new Lattice(cell);
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const d = lat.direct[i]!;
            const r = lat.reciprocal[j]!;
            const p = d[0]! * r[0]! + d[1]! * r[1]! + d[2]! * r[2]!;
            expect(p).toBeCloseTo(i === j ? 1 : 0, 9);
            let gg = 0;
            for (let k = 0; k < 3; k++) gg += lat.metric[i]![k]! * lat.reciprocalMetric[k]![j]!;
            expect(gg).toBeCloseTo(i === j ? 1 : 0, 9);
          }
        }
        expect(Math.sqrt(lat.metric[0]![0]!)).toBeCloseTo(cell.a, 9);
        expect(lat.direct[0]![1]).toBe(0);
        expect(lat.direct[1]![2]).toBe(0);
        const cosG = lat.metric[0]![1]! / (cell.a * cell.b);
        expect(cosG).toBeCloseTo(Math.cos((cell.gamma * Math.PI) / 180), 9);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('fracToCart and cartToFrac are inverse; gVector length equals gLength', () => {
    fc.assert(
      fc.property(cellArb, fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 1, max: 5 })), (cell, hkl) => {
        const lat = new Lattice(cell);
        const f = [0.1, -0.7, 0.35];
        const back = lat.cartToFrac(lat.fracToCart(f));
        back.forEach((v, i) => expect(v).toBeCloseTo(f[i]!, 10));
        expect(Math.hypot(...lat.gVector(...hkl))).toBeCloseTo(lat.gLength(...hkl), 10);
      }),
      { seed: 11, numRuns: 200 },
    ); // prettier-ignore
  });

  it('periodic distance wraps across cell faces', () => {
    const lat = cubic(4);
    expect(lat.periodicDistance([0.99, 0, 0], [0.01, 0, 0])).toBeCloseTo(0.08, 10);
    expect(lat.periodicDistance([0.5, 0.5, 0.5], [0, 0, 0])).toBeCloseTo(2 * Math.sqrt(3), 10);
  });

  it('throws ValidationError for impossible cells', () => {
    expect(() => cubic(0)).toThrow(ValidationError);
    expect(() => new Lattice({ a: 1, b: 1, c: 1, alpha: 180, beta: 90, gamma: 90 })).toThrow(ValidationError);
    expect(() => new Lattice({ a: 1, b: 1, c: 1, alpha: 120, beta: 120, gamma: 120 })).toThrow(ValidationError);
    expect(() => new Lattice({ a: NaN, b: 1, c: 1, alpha: 90, beta: 90, gamma: 90 })).toThrow(ValidationError);
    expect(() => cubic(3).dSpacing(0, 0, 0)).toThrow(ValidationError);
  }); // prettier-ignore
});
