/**
 * `bragg bench equivalence`: the heavy version of exact-profile.test.ts on the seed sweep
 * itself (examples/sweeps/seed.yaml: 3 phases, 515² detector, all of the seed's
 * augmentations). Per class, `patterns` profiles from `profileMethod: image` and as many from
 * each other route, with independent shard seeds; two-sample tests per bin of `1d/x_all`
 * (256 bins) and `1d/x_q` (147 points) and of their joint structure (equivalence.ts), Holm at
 * family-wise α over every test of a class and array. A route passes when nothing is rejected.
 */
import { join } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { crystalFromCif } from '../../src/crystal/structure.js';
import { crystalSymmetry } from '../../src/simulate/kinematic/crystal.js';
import { prepareReflections } from '../../src/simulate/kinematic/reflections.js';
import { fundamentalZoneGrid } from '../../src/simulate/orientation/sampling.js';
import { compareProfiles } from '../../src/workflows/phase/dataset/equivalence.js';
import { radialGeometry, simulatePatterns } from '../../src/workflows/phase/dataset/profiles.js';
import { loadSweep } from '../../src/workflows/phase/dataset/sweep.js';
import { reflectionGMax } from '../../src/workflows/phase/dataset/sweep-range.js';
import type { Method } from './scale.js';

export interface EquivalenceRow {
  phase: string;
  method: Method;
  array: 'x_all' | 'x_q';
  patterns: number;
  tests: number;
  rejected: number;
  /** The smallest Holm-adjusted p-value. */
  minAdjustedP: number;
  /** Names of the first rejected tests. */
  firstRejected: string[];
  /** Patterns/s of this route in this run (one thread). */
  patternsPerS: number;
}

export async function benchEquivalence(o: {
  patterns?: number;
  methods?: Method[];
  alpha?: number;
  log?: (line: string) => void;
}): Promise<{ alpha: number; rows: EquivalenceRow[] }> {
  const n = o.patterns ?? 3000;
  const alpha = o.alpha ?? 0.01;
  const log = o.log ?? (() => undefined);
  const r = await loadSweep(join(packageRoot(), 'examples', 'sweeps', 'seed.yaml'));
  const base = r.sweep;
  const geometry = radialGeometry(base.detector.size, base.calibration.value);
  const rows: EquivalenceRow[] = [];
  for (const [label, p] of r.phases.entries()) {
    const crystal = crystalFromCif(p.cifText, { file: p.cifPath });
    const table = prepareReflections(crystal, {
      gMax: reflectionGMax(base, p.latticeScale ?? null),
      params: base.scattering,
      debyeWaller: base.debyeWaller,
    });
    const grid = fundamentalZoneGrid(
      crystalSymmetry(crystal).properRotations,
      base.orientations.gridStepDeg,
    ).quaternions;
    const src = { table, grid, latticeScale: p.latticeScale };
    const run = (method: Method, seed: number) => {
      const t0 = performance.now();
      const a = simulatePatterns({ ...base, profileMethod: method }, src, label, n, seed, geometry);
      return { a, rate: n / ((performance.now() - t0) / 1000) };
    };
    const ref = run('image', 1000 + label);
    for (const method of o.methods ?? (['exact', 'rings'] as Method[])) {
      const other = run(method, 2000 + label);
      for (const array of ['x_all', 'x_q'] as const) {
        const [x, y, bins] =
          array === 'x_all'
            ? [ref.a.xAll, other.a.xAll, ref.a.bins]
            : [ref.a.xQ, other.a.xQ, ref.a.qPoints];
        const c = compareProfiles(x, y, bins, { alpha });
        const row: EquivalenceRow = {
          phase: p.name,
          method,
          array,
          patterns: n,
          tests: c.tests.length,
          rejected: c.rejected.length,
          minAdjustedP: c.minAdjustedP,
          firstRejected: c.rejected.slice(0, 5).map((t) => t.name),
          patternsPerS: other.rate,
        };
        rows.push(row);
        log(
          `${p.name.padEnd(8)} ${method.padEnd(5)} vs image ${array.padEnd(5)} ${n} + ${n}: ${row.rejected}/${row.tests} rejected (min Holm p ${row.minAdjustedP.toExponential(2)})${row.rejected ? ` e.g. ${row.firstRejected.join(', ')}` : ''}; ${other.rate.toFixed(0)} vs ${ref.rate.toFixed(0)} patterns/s`,
        );
      }
    }
  }
  return { alpha, rows };
}
