/**
 * Small crystals built in code for the multislice tests and the benchmark (no CIF parser
 * needed). Rutile TiO2, P4₂/mnm: a = 4.5937 Å, c = 2.9587 Å, O at (x, x, 0) with
 * x = 0.30478 (Burdett, Hughbanks, Miller, Richardson & Smith, J. Am. Chem. Soc. 109 (1987)
 * 3639, room-temperature neutron data); Uiso Ti 0.0064 Å², O 0.0067 Å² (same source,
 * B ≈ 0.50, 0.53 Å² converted with U = B/8π²).
 */
import type { CrystalLike } from '../../../../src/simulate/multislice/specimen.js';

export function rutile(): CrystalLike {
  const a = 4.5937;
  const c = 2.9587;
  const x = 0.30478;
  const ti = { element: 'Ti', occupancy: 1, uIso: 0.0064 };
  const o = { element: 'O', occupancy: 1, uIso: 0.0067 };
  return {
    name: 'rutile',
    lattice: {
      direct: [
        [a, 0, 0],
        [0, a, 0],
        [0, 0, c],
      ],
    },
    atoms: [
      { ...ti, x: 0, y: 0, z: 0 },
      { ...ti, x: 0.5, y: 0.5, z: 0.5 },
      { ...o, x, y: x, z: 0 },
      { ...o, x: 1 - x, y: 1 - x, z: 0 },
      { ...o, x: 0.5 + x, y: 0.5 - x, z: 0.5 },
      { ...o, x: 0.5 - x, y: 0.5 + x, z: 0.5 },
    ],
  };
}
