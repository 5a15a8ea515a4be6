/**
 * Small reference crystals for tests and benchmarks, built in code from published cells and
 * Wyckoff positions (sources next to each) through src/crystal/structure.ts
 * `crystalFromParameters` (symmetry expansion of the asymmetric unit).
 */
import type { CellParameters } from '../../../../src/crystal/lattice.js';
import { Lattice } from '../../../../src/crystal/lattice.js';
import { spaceGroupFromNumber } from '../../../../src/crystal/spacegroup/index.js';
import { crystalFromParameters } from '../../../../src/crystal/structure.js';
import type {
  KinematicAtom,
  KinematicCrystal,
} from '../../../../src/simulate/kinematic/crystal.js';

export interface SiteSpec {
  element: string;
  xyz: readonly [number, number, number];
  occupancy?: number;
  uIso?: number;
}

export function buildCrystal(
  name: string,
  cell: CellParameters,
  spaceGroup: number,
  setting: string | undefined,
  sites: readonly SiteSpec[],
): KinematicCrystal {
  return crystalFromParameters({
    name,
    cell,
    spaceGroup: spaceGroupFromNumber(spaceGroup, setting),
    sites: sites.map((s) => ({
      element: s.element,
      x: s.xyz[0],
      y: s.xyz[1],
      z: s.xyz[2],
      occupancy: s.occupancy ?? 1,
      uIso: s.uIso ?? 0,
    })),
  });
}

const cubic = (a: number): CellParameters => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });

/** Si, Fd-3m origin choice 1, a = 5.4307 Å (Dans_Diffraction Silicon.cif, AMCSD 0011243). */
export function silicon(uIso = 0): KinematicCrystal {
  return buildCrystal('Si', cubic(5.4307), 227, '1', [{ element: 'Si', xyz: [0, 0, 0], uIso }]);
}
/** Au, Fm-3m, a = 4.07825 Å (Dans_Diffraction Gold.cif). */
export function gold(): KinematicCrystal {
  return buildCrystal('Au', cubic(4.07825), 225, undefined, [{ element: 'Au', xyz: [0, 0, 0] }]);
}
/** Al, Fm-3m, a = 4.04958 Å (Dans_Diffraction Aluminium.cif). */
export function aluminium(): KinematicCrystal {
  return buildCrystal('Al', cubic(4.04958), 225, undefined, [{ element: 'Al', xyz: [0, 0, 0] }]);
}
/** α-Fe, Im-3m, a = 2.866 Å (Dans_Diffraction Iron.cif). */
export function iron(a = 2.866, uIso = 0): KinematicCrystal {
  return buildCrystal('Fe', cubic(a), 229, undefined, [{ element: 'Fe', xyz: [0, 0, 0], uIso }]);
}
/** Rutile TiO2, P4₂/mnm, a 4.587, c 2.954, O x = 0.3051 (Dans_Diffraction Rutile.cif). */
export function rutile(uIso = 0): KinematicCrystal {
  return buildCrystal(
    'TiO2',
    { a: 4.587, b: 4.587, c: 2.954, alpha: 90, beta: 90, gamma: 90 },
    136,
    undefined,
    [
      { element: 'Ti', xyz: [0, 0, 0], uIso },
      { element: 'O', xyz: [0.3051, 0.3051, 0], uIso },
    ],
  );
}
/** Graphite, P6₃/mmc, a 2.464, c 6.711, C at 2b (0,0,¼) and 2c (⅓,⅔,¼) (Dans_Diffraction Graphite.cif). */
export function graphite(): KinematicCrystal {
  return buildCrystal(
    'C',
    { a: 2.464, b: 2.464, c: 6.711, alpha: 90, beta: 90, gamma: 120 },
    194,
    undefined,
    [
      { element: 'C', xyz: [0, 0, 0.25] },
      { element: 'C', xyz: [1 / 3, 2 / 3, 0.25] },
    ],
  );
}
/** NaCl, Fm-3m, a = 5.692 Å (pymatgen test_tem.py). */
export function rockSalt(): KinematicCrystal {
  return buildCrystal('NaCl', cubic(5.692), 225, undefined, [
    { element: 'Na', xyz: [0, 0, 0] },
    { element: 'Cl', xyz: [0.5, 0.5, 0.5] },
  ]);
}

/**
 * SrTiO3 perovskite, Pm-3m, a = 3.905 Å (Sr 1a 0,0,0; Ti 1b ½,½,½; O 3c ½,½,0 — the standard
 * cubic perovskite, e.g. Mitchell et al., Phys. Rev. B 61 (2000) 4995 at room temperature),
 * as an n×n×n supercell in P1 (n = 2 gives a = 7.81 Å, 40 atoms): the "large cell" benchmark.
 */
export function strontiumTitanateSupercell(n = 2, a = 3.905): KinematicCrystal {
  const base: [string, number, number, number][] = [
    ['Sr', 0, 0, 0],
    ['Ti', 0.5, 0.5, 0.5],
    ['O', 0.5, 0.5, 0],
    ['O', 0.5, 0, 0.5],
    ['O', 0, 0.5, 0.5],
  ];
  const atoms: KinematicAtom[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      for (let k = 0; k < n; k++)
        for (const [el, x, y, z] of base) {
          atoms.push({
            element: el,
            x: (x + i) / n,
            y: (y + j) / n,
            z: (z + k) / n,
            occupancy: 1,
            uIso: 0.005,
          });
        }
  // Keep the cubic point symmetry (m-3m) of the supercell for multiplicities and the FZ.
  const sg = spaceGroupFromNumber(221);
  return {
    name: `SrTiO3 ${n}x${n}x${n}`,
    lattice: new Lattice(cubic(a * n)),
    atoms,
    spaceGroup: sg,
  };
}
