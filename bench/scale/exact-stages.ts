/**
 * Per-stage profile of `profileMethod: exact` on the seed sweep (examples/sweeps/seed.yaml:
 * 515² detector, every augmentation), one thread: per phase, `patterns` patterns through
 * simulatePatterns with the stage timers of exact-profile.ts (spots = spot list + peak removal;
 * render; max (WASM: tracked while rendering, 0 here); poisson = normalise + level grouping +
 * thinning, spike ≠ 0 only; ring sums = normalise + sums (WASM: with the salted pixels); salt
 * (the salt draws, + means); post = sqrt/background/crop/resampling), milliseconds per
 * pattern, wall patterns/s and patterns per CPU-second (process.cpuUsage). The JS reference
 * path and the WASM kernels alternate in one process, `rounds` times.
 *
 *   nice npx vite-node bench/scale/exact-stages.ts [patterns=150] [rounds=2] [modes=js,wasm]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { crystalFromCif } from '../../src/crystal/structure.js';
import { crystalSymmetry } from '../../src/simulate/kinematic/crystal.js';
import { prepareReflections } from '../../src/simulate/kinematic/reflections.js';
import { fundamentalZoneGrid } from '../../src/simulate/orientation/sampling.js';
import { EXACT_STAGES, exactWorkFor } from '../../src/workflows/phase/dataset/exact-profile.js';
import type { PatternSource } from '../../src/workflows/phase/dataset/profiles.js';
import { radialGeometry, simulatePatterns } from '../../src/workflows/phase/dataset/profiles.js';
import { loadSweep } from '../../src/workflows/phase/dataset/sweep.js';
import { reflectionGMax } from '../../src/workflows/phase/dataset/sweep-range.js';

const n = Number(process.argv[2] ?? 150);
const rounds = Number(process.argv[3] ?? 2);
const modes = (process.argv[4] ?? 'js,wasm').split(',');

const r = await loadSweep(join(packageRoot(), 'examples', 'sweeps', 'seed.yaml'));
const base = { ...r.sweep, profileMethod: 'exact' as const };
const geometry = radialGeometry(base.detector.size, base.calibration.value);
const work = exactWorkFor(geometry);
const sources: { name: string; src: PatternSource }[] = r.phases.map((p) => {
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
  return { name: p.name, src: { table, grid, latticeScale: p.latticeScale } };
});

const la = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
process.stdout.write(
  `exact stages: ${n} patterns per phase and mode, ${rounds} rounds; load ${la()}\n`,
);
process.stdout.write(
  `${'round phase    mode'.padEnd(24)} ${EXACT_STAGES.map((s) => s.padStart(10)).join('')} ${'other'.padStart(10)}${'total'.padStart(10)}  ms/pattern; patterns/s wall, per CPU-s\n`,
);
// A warm-up of each mode (JIT, tables).
for (const mode of modes) {
  work.forceJs = mode === 'js';
  simulatePatterns(base, sources[0]!.src, 0, 10, 7, geometry);
}
const totals = new Map<string, { cpu: number; wall: number; n: number }>();
for (let round = 0; round < rounds; round++) {
  for (const [label, { name, src }] of sources.entries()) {
    for (const mode of modes) {
      work.forceJs = mode === 'js';
      work.timing = new Float64Array(EXACT_STAGES.length);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      simulatePatterns(base, src, label, n, 1000 * round + label, geometry);
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const cpu = (c.user + c.system) / 1000;
      const stages = Array.from(work.timing, (t) => t / n);
      const other = wall / n - stages.reduce((a, b) => a + b, 0);
      const key = `${name} ${mode}`;
      const t = totals.get(key) ?? { cpu: 0, wall: 0, n: 0 };
      totals.set(key, { cpu: t.cpu + cpu, wall: t.wall + wall, n: t.n + n });
      process.stdout.write(
        `${`${round}     ${name.padEnd(8)} ${mode}`.padEnd(24)} ${[...stages, other, wall / n].map((v) => v.toFixed(3).padStart(10)).join('')}  ${((1000 * n) / wall).toFixed(0)}, ${((1000 * n) / cpu).toFixed(0)}  (load ${la()})\n`,
      );
      work.timing = undefined;
    }
  }
}
process.stdout.write('\nper phase and mode over all rounds: patterns/s wall, per CPU-second\n');
for (const [key, t] of totals) {
  process.stdout.write(
    `  ${key.padEnd(14)} ${((1000 * t.n) / t.wall).toFixed(0).padStart(6)} ${((1000 * t.n) / t.cpu).toFixed(0).padStart(6)}\n`,
  );
}
const all = (mode: string) => {
  let cpu = 0;
  let wall = 0;
  let k = 0;
  for (const [key, t] of totals) {
    if (!key.endsWith(` ${mode}`)) continue;
    cpu += t.cpu;
    wall += t.wall;
    k += t.n;
  }
  return `${((1000 * k) / wall).toFixed(0)} /s wall, ${((1000 * k) / cpu).toFixed(0)} per CPU-s`;
};
for (const mode of modes) process.stdout.write(`  all phases ${mode}: ${all(mode)}\n`);
process.stdout.write(`load ${la()}\n`);
