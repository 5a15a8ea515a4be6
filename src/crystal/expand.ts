/**
 * Symmetry expansion of an asymmetric unit to the full conventional cell.
 *
 * Coincident images of one site are merged when their periodic distance is below a
 * tolerance in Å (default 0.01 Å). Why 0.01 Å: coordinates written with 4 decimals carry a
 * rounding error of ≤ 5e-5 of the cell edge, i.e. ≤ 2.5e-3 Å in a 50 Å cell (and images
 * built from two rounded numbers at most twice that), so smaller tolerances would keep
 * rounding duplicates such as 0.3333 vs 2/3 − 0.3333; while genuinely distinct positions
 * of one orbit (split/disordered sites) are ≥ 0.1 Å apart. Images of *different* sites are
 * never merged: mixed-occupancy sites (Fe/Co on one position) stay two atoms.
 */
import type { Lattice } from './lattice.js';
import type { SymOp } from './spacegroup/index.js';
import { applyOp, wrapUnit } from './spacegroup/index.js';
import type { AtomSite } from './types.js';

/** Default merge tolerance in Å (see the module comment). */
export const DEFAULT_MERGE_TOLERANCE = 0.01;

/** Every distinct image of every site, coordinates wrapped into [0, 1). */
export function expandSites(
  sites: readonly AtomSite[],
  operations: readonly SymOp[],
  lattice: Lattice,
  tolerance = DEFAULT_MERGE_TOLERANCE,
): AtomSite[] {
  const atoms: AtomSite[] = [];
  // Two points closer than `tolerance` Å differ by at most tolerance·|a*_i| in fractional
  // coordinate i (d_i = r · a*_i), so that bound rejects almost every pair cheaply.
  const bound = lattice.reciprocal.map((r) => tolerance * Math.hypot(r[0]!, r[1]!, r[2]!));
  const close = (p: readonly number[], q: readonly number[]): boolean => {
    const d = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      const x = p[i]! - q[i]!;
      d[i] = x - Math.round(x);
      if (Math.abs(d[i]!) > bound[i]!) return false;
    }
    const c = lattice.fracToCart(d);
    return Math.hypot(c[0], c[1], c[2]) < tolerance;
  };
  for (const site of sites) {
    const orbit: [number, number, number][] = [];
    for (const op of operations) {
      const p = applyOp(op, [site.x, site.y, site.z]).map(wrapUnit) as [number, number, number];
      if (orbit.some((q) => close(p, q))) continue;
      orbit.push(p);
      atoms.push({ ...site, x: p[0], y: p[1], z: p[2] });
    }
  }
  return atoms;
}

/** Multiplicity of each site (size of its orbit), in site order. */
export function siteMultiplicities(
  sites: readonly AtomSite[],
  operations: readonly SymOp[],
  lattice: Lattice,
  tolerance = DEFAULT_MERGE_TOLERANCE,
): number[] {
  return sites.map((s) => expandSites([s], operations, lattice, tolerance).length);
}
