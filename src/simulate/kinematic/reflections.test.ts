import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { electronScatteringFactor } from '../../crystal/scattering/index.js';
import { prepareReflections, structureFactor } from './reflections.js';
import type { ReflectionTable } from './reflections.js';
import {
  aluminium,
  gold,
  graphite,
  iron,
  rockSalt,
  rutile,
  silicon,
} from '../../../test/support/simulate/kinematic/crystals.js';

function family(t: ReflectionTable, h: number, k: number, l: number) {
  for (let i = 0; i < t.count; i++) {
    if (t.hkl[3 * i] === h && t.hkl[3 * i + 1] === k && t.hkl[3 * i + 2] === l) {
      const f = t.family[i]!;
      return { d: 1 / t.gLength[i]!, f2: t.f2[i]!, m: t.families.multiplicity[f]! };
    }
  }
  throw new Error(`no ${h}${k}${l}`);
}

describe('reflection geometry', () => {
  // MANIFEST §3.4 DERIVED d-spacings (pure geometry from the Dans_Diffraction CIF cells).
  it.each([
    [
      'Si',
      silicon,
      [
        [1, 1, 1, 3.13542],
        [2, 2, 0, 1.92004],
        [3, 1, 1, 1.63742],
        [4, 0, 0, 1.35767],
      ],
    ],
    [
      'Au',
      gold,
      [
        [1, 1, 1, 2.35458],
        [2, 0, 0, 2.03912],
        [2, 2, 0, 1.44188],
        [3, 1, 1, 1.22964],
      ],
    ],
    [
      'Al',
      aluminium,
      [
        [1, 1, 1, 2.33803],
        [2, 0, 0, 2.02479],
        [2, 2, 0, 1.43174],
      ],
    ],
    [
      'Fe',
      () => iron(),
      [
        [1, 1, 0, 2.02657],
        [2, 0, 0, 1.433],
        [2, 1, 1, 1.17004],
      ],
    ],
    [
      'rutile',
      () => rutile(),
      [
        [1, 1, 0, 3.2435],
        [1, 0, 1, 2.48356],
        [2, 0, 0, 2.2935],
        [1, 1, 1, 2.18398],
      ],
    ],
    [
      'graphite',
      graphite,
      [
        [0, 0, 2, 3.3555],
        [1, 0, 0, 2.13389],
        [1, 0, 1, 2.03356],
        [1, 1, 0, 1.232],
      ],
    ],
  ] as const)('%s d-spacings match', (_n, make, rows) => {
    const t = prepareReflections(make(), { gMax: 1.5 });
    for (const [h, k, l, d] of rows) expect(family(t, h, k, l).d).toBeCloseTo(d, 4);
  });

  it('multiplicities follow the Laue class (m-3m, 4/mmm, 6/mmm)', () => {
    const si = prepareReflections(silicon(), { gMax: 1.2 });
    expect([
      family(si, 1, 1, 1).m,
      family(si, 2, 2, 0).m,
      family(si, 3, 1, 1).m,
      family(si, 4, 0, 0).m,
    ]).toEqual([8, 12, 24, 6]);
    const ru = prepareReflections(rutile(), { gMax: 1.2 });
    expect([family(ru, 1, 1, 0).m, family(ru, 1, 0, 1).m, family(ru, 2, 1, 1).m]).toEqual([
      4, 8, 16,
    ]);
    const gr = prepareReflections(graphite(), { gMax: 1.2 });
    expect([family(gr, 0, 0, 2).m, family(gr, 1, 0, 0).m, family(gr, 1, 0, 1).m]).toEqual([
      2, 6, 12,
    ]);
    // Every reflection is in exactly one family; multiplicities add up to the count.
    let sum = 0;
    for (let f = 0; f < si.families.count; f++) sum += si.families.multiplicity[f]!;
    expect(sum).toBe(si.count);
  });
});

describe('structure factors', () => {
  it('systematic absences come out of F: Si 200, 222; bcc Fe 111; NaCl 210 (pymatgen)', () => {
    const si = silicon();
    for (const hkl of [
      [2, 0, 0],
      [2, 2, 2],
      [1, 0, 0],
      [4, 2, 0],
    ] as const) {
      expect(Math.hypot(...structureFactor(si, hkl))).toBeLessThan(1e-12);
    }
    expect(Math.hypot(...structureFactor(si, [1, 1, 1]))).toBeGreaterThan(10);
    // diffsims test_structure_factor.py: ferrite Fe(111) → 0 (bcc extinction).
    expect(Math.hypot(...structureFactor(iron(2.8665, 0.006332), [1, 1, 1]))).toBeLessThan(1e-12);
    // pymatgen test_tem.py test_cell_scattering_factors: NaCl (210) = 0.
    expect(Math.hypot(...structureFactor(rockSalt(), [2, 1, 0]))).toBeLessThan(1e-12);
    const t = prepareReflections(si, { gMax: 1.0 });
    expect(family(t, 2, 0, 0).f2).toBeLessThan(1e-20);
    expect(family(t, 2, 2, 2).f2).toBeLessThan(1e-20);
  });

  it('Si 111: |F| = 4√2 f_e(s) (diamond structure, 8 atoms, no Debye–Waller)', () => {
    const s = 1 / (2 * 3.13542);
    const want = 4 * Math.SQRT2 * electronScatteringFactor('lobato', 'Si', s);
    expect(Math.hypot(...structureFactor(silicon(), [1, 1, 1]))).toBeCloseTo(want, 3);
  });

  it('rutile |F| with neutron lengths matches Dans_Diffraction (MANIFEST §3.1)', () => {
    // Dans_Diffraction tests/test_structure_factors.py L32–57: Rutile, Uiso 0.0126651 (B = 1 Å²),
    // neutron (Sears) |F|: (110) 3.97176, (011) 14.0359, (020) 23.4644, (111) 19.4905.
    // Bound coherent scattering lengths (fm): Ti −3.37, O 5.803 (V. F. Sears, International
    // Tables Vol. C §4.4.4, as in Dans_Diffraction data/neutron_isotope_scattering_lengths_sears.dat).
    // A pure test of the geometry, phases and Debye–Waller term of the F sum.
    const b: Record<string, number> = { Ti: -3.37, O: 5.803 };
    const c = rutile(0.0126651);
    const f = (hkl: [number, number, number]) =>
      Math.hypot(...structureFactor(c, hkl, { scatteringFactor: (el) => b[el]! }));
    expect(f([1, 1, 0])).toBeCloseTo(3.97176, 4);
    expect(f([0, 1, 1])).toBeCloseTo(14.0359, 4);
    expect(f([0, 2, 0])).toBeCloseTo(23.4644, 4);
    expect(f([1, 1, 1])).toBeCloseTo(19.4905, 4);
  });

  it("obeys Friedel's law |F(h)| = |F(−h)|, F(−h) = F(h)* (rutile, random hkl)", () => {
    const c = rutile(0.005);
    fc.assert(
      fc.property(
        fc.integer({ min: -6, max: 6 }),
        fc.integer({ min: -6, max: 6 }),
        fc.integer({ min: -4, max: 4 }),
        (h, k, l) => {
          if (h === 0 && k === 0 && l === 0) return true;
          const [a, b] = structureFactor(c, [h, k, l]);
          const [a2, b2] = structureFactor(c, [-h, -k, -l]);
          return Math.abs(a - a2) < 1e-9 && Math.abs(b + b2) < 1e-9;
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('table |F|² equals the direct sum for every reflection (rutile with Debye–Waller)', () => {
    const c = rutile(0.008);
    const t = prepareReflections(c, { gMax: 1.0, params: 'kirkland' });
    for (let i = 0; i < t.count; i += 7) {
      const hkl = [t.hkl[3 * i]!, t.hkl[3 * i + 1]!, t.hkl[3 * i + 2]!] as [number, number, number];
      const [re, im] = structureFactor(c, hkl, { params: 'kirkland' });
      expect(t.f2[i]!).toBeCloseTo(re * re + im * im, 8);
    }
    const noDw = prepareReflections(c, { gMax: 1.0, params: 'kirkland', debyeWaller: false });
    expect(noDw.f2[noDw.count - 1]!).toBeGreaterThan(t.f2[t.count - 1]!);
  });

  it('rejects bad options and crystals', () => {
    expect(() => prepareReflections(silicon(), { gMax: -1 })).toThrow(ValidationError);
    expect(() => prepareReflections(silicon(), { gMax: 1, params: 'xray' as never })).toThrow(
      ValidationError,
    );
    expect(() => prepareReflections({ ...silicon(), atoms: [] })).toThrow(ValidationError);
    const bad = {
      ...silicon(),
      atoms: [{ element: 'Si', x: NaN, y: 0, z: 0, occupancy: 1, uIso: 0 }],
    };
    expect(() => prepareReflections(bad)).toThrow(ValidationError);
  });
});
