import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataDir } from '../../core/paths.js';
import { crystalFromParameters, loadCrystal } from '../../crystal/structure.js';
import { orientationFromZoneAxis } from '../orientation/rotations.js';
import { simulateSpots } from './pattern.js';
import { prepareReflections, structureFactor } from './reflections.js';
import type { ReflectionTable } from './reflections.js';

const dir = join(sharedDataDir(), 'cif', 'dans_diffraction');

function familyOf(t: ReflectionTable, hkl: readonly number[]) {
  for (let i = 0; i < t.count; i++) {
    if (t.hkl[3 * i] === hkl[0] && t.hkl[3 * i + 1] === hkl[1] && t.hkl[3 * i + 2] === hkl[2]) {
      const f = t.family[i]!;
      return { d: 1 / t.gLength[i]!, f2: t.f2[i]!, m: t.families.multiplicity[f]! };
    }
  }
  throw new Error(`no reflection ${hkl.join('')}`);
}

describe.skipIf(!existsSync(dir))('kinematic diffraction of the shared CIFs (MANIFEST §3)', () => {
  // MANIFEST §3.4 DERIVED d-spacings from the CIF cells.
  it.each([
    [
      'Silicon.cif',
      [
        [1, 1, 1, 3.13542, 8],
        [2, 2, 0, 1.92004, 12],
        [3, 1, 1, 1.63742, 24],
        [4, 0, 0, 1.35767, 6],
      ],
    ],
    [
      'Gold.cif',
      [
        [1, 1, 1, 2.35458, 8],
        [2, 0, 0, 2.03912, 6],
        [2, 2, 0, 1.44188, 12],
        [3, 1, 1, 1.22964, 24],
      ],
    ],
    [
      'Aluminium.cif',
      [
        [1, 1, 1, 2.33803, 8],
        [2, 0, 0, 2.02479, 6],
        [2, 2, 0, 1.43174, 12],
      ],
    ],
    [
      'Iron.cif',
      [
        [1, 1, 0, 2.02657, 12],
        [2, 0, 0, 1.433, 6],
        [2, 1, 1, 1.17004, 24],
      ],
    ],
    [
      'Copper.cif',
      [
        [1, 1, 1, 2.0871, 8],
        [2, 0, 0, 1.80748, 6],
      ],
    ],
    [
      'Rutile.cif',
      [
        [1, 1, 0, 3.2435, 4],
        [1, 0, 1, 2.48356, 8],
        [2, 0, 0, 2.2935, 4],
        [1, 1, 1, 2.18398, 8],
      ],
    ],
    [
      'Graphite.cif',
      [
        [0, 0, 2, 3.3555, 2],
        [1, 0, 0, 2.13389, 6],
        [1, 0, 1, 2.03356, 12],
        [1, 1, 0, 1.232, 6],
      ],
    ],
  ] as const)('%s: d-spacings and multiplicities', async (file, rows) => {
    const t = prepareReflections(await loadCrystal(join(dir, file)), { gMax: 1.0 });
    for (const [h, k, l, d, m] of rows) {
      const f = familyOf(t, [h, k, l]);
      expect(f.d).toBeCloseTo(d, 4);
      expect(f.m).toBe(m);
      expect(f.f2).toBeGreaterThan(1e-3);
    }
  });

  it('forbidden reflections vanish: Si 200/222, Fe 111, graphite 001, rutile 100', async () => {
    const cases: [string, number[][]][] = [
      [
        'Silicon.cif',
        [
          [2, 0, 0],
          [2, 2, 2],
        ],
      ],
      [
        'Iron.cif',
        [
          [1, 1, 1],
          [1, 0, 0],
        ],
      ],
      [
        'Graphite.cif',
        [
          [0, 0, 1],
          [0, 0, 3],
        ],
      ],
      [
        'Rutile.cif',
        [
          [1, 0, 0],
          [0, 0, 1],
        ],
      ],
    ];
    for (const [file, hkls] of cases) {
      const c = await loadCrystal(join(dir, file));
      for (const hkl of hkls) {
        expect(Math.hypot(...structureFactor(c, hkl as [number, number, number]))).toBeLessThan(
          1e-9,
        );
      }
    }
  });

  it('graphite [001] from its CIF has 6-fold symmetry', async () => {
    const c = await loadCrystal(join(dir, 'Graphite.cif'));
    const t = prepareReflections(c, { gMax: 1.5 });
    const sp = simulateSpots(t, orientationFromZoneAxis(c.lattice.direct, [0, 0, 1]), { kv: 200 });
    const c60 = Math.cos(Math.PI / 3);
    const s60 = Math.sin(Math.PI / 3);
    for (let i = 0; i < sp.count; i++) {
      if (sp.intensity[i]! < 1e-3) continue;
      const x = c60 * sp.kx[i]! - s60 * sp.ky[i]!;
      const y = s60 * sp.kx[i]! + c60 * sp.ky[i]!;
      let found = false;
      for (let j = 0; j < sp.count; j++) {
        if (Math.hypot(sp.kx[j]! - x, sp.ky[j]! - y) < 1e-6)
          found = Math.abs(sp.intensity[j]! / sp.intensity[i]! - 1) < 1e-6;
      }
      expect(found).toBe(true);
    }
  });
});

describe('pymatgen TEM geometry (MANIFEST §3.4, test_tem.py)', () => {
  const cscl = crystalFromParameters({
    name: 'CsCl',
    cell: { a: 4.209, b: 4.209, c: 4.209, alpha: 90, beta: 90, gamma: 90 },
    spaceGroup: 221,
    sites: [
      { element: 'Cs', x: 0, y: 0, z: 0 },
      { element: 'Cl', x: 0.5, y: 0.5, z: 0.5 },
    ],
  });
  it('CsCl d(390) = 0.4436675557216236 Å and s²(−10,3,0) = 1.5381852947115047 Å⁻²', () => {
    const t = prepareReflections(cscl, { gMax: 2.5 });
    expect(familyOf(t, [3, 9, 0]).d).toBeCloseTo(0.4436675557216236, 12);
    const g = 1 / familyOf(t, [-10, 3, 0]).d;
    expect((g * g) / 4).toBeCloseTo(1.5381852947115047, 12);
  });
  it('CsCl 100 and 110 multiplicities 6 and 12 (test_xrd.py)', () => {
    const t = prepareReflections(cscl, { gMax: 0.5 });
    expect(familyOf(t, [1, 0, 0]).m).toBe(6);
    expect(familyOf(t, [1, 1, 0]).m).toBe(12);
  });
});
