/**
 * PACBED and CBED: the public entry points of the multislice engine.
 *
 * PACBED = mean over the probe positions of a scan covering one orthogonal cell and over the
 * frozen-phonon configurations of |Ψ(k)|²; CBED = one probe position. With `params.prism = f`
 * PACBED runs through PRISM (prism.ts) and its patterns are f times coarser in angle.
 */
import { availableParallelism } from 'node:os';
import { ValidationError } from '../../core/errors.js';
import {
  buildSliceStack,
  planSimulation,
  scanPositions,
  memoryLayout,
  specimenAtoms,
  type MultisliceParams,
  type Plan,
  type SliceStack,
} from './plan.js';
import {
  latticePixels,
  positionOrbits,
  specimenSymmetry,
  symmetrisePattern,
  type PositionOrbits,
} from './symmetry.js';
import { CHUNK, positionTask, type PositionTask } from './positions.js';
import { runWorkerTask, type WorkerCache } from './tasks.js';
import { PositionPool } from './position-pool.js';
import { runPrism } from './prism-simulate.js';
import type { CrystalLike } from './specimen.js';
import type { PatternResult, RunOptions } from './run-options.js';

async function runPlan(
  plan: Plan,
  positions: Float64Array,
  opts: RunOptions,
): Promise<PatternResult> {
  const configs = Math.max(1, plan.params.phonons ?? 0);
  const threads = opts.threads ?? Math.min(8, availableParallelism());
  if (!Number.isInteger(threads) || threads < 1)
    throw new ValidationError(`must be an integer ≥ 1, got ${threads}`, 'threads');
  const nPos = positions.length / 2;
  const size = plan.detector.nx * plan.detector.ny;
  const total = plan.outputs.map(() => new Float64Array(size));
  // A static lattice: one stack for every position; its symmetry may spare most of them.
  let prebuilt: SliceStack | undefined;
  let reduced: PositionOrbits | undefined;
  if (configs === 1 && (plan.params.phonons ?? 0) <= 0) {
    prebuilt = await buildSliceStack(plan, 0);
    const lattice = latticePixels(plan);
    if (plan.params.symmetry !== false && nPos > 1 && lattice !== undefined) {
      const ops = specimenSymmetry(plan, prebuilt.transmissions);
      const sampling: [number, number] = [plan.grid.samplingX, plan.grid.samplingY];
      const orbits = positionOrbits(ops, positions, sampling, lattice);
      if (orbits.representatives.length < nPos) reduced = orbits;
    }
  }
  const run = reduced
    ? Float64Array.from(
        reduced.representatives.flatMap((p) => [positions[2 * p]!, positions[2 * p + 1]!]),
      )
    : positions;
  const weights = reduced?.weights;
  const nRun = run.length / 2;
  const { blocked, block, group } = memoryLayout(plan, nRun, opts.memoryBytes);
  const { nx, ny } = plan.grid;
  const blocks = Math.ceil(plan.nSlices / block);
  const steps = nRun * configs * blocks;
  const pool = threads > 1 ? await PositionPool.create(threads) : undefined;
  const cache: WorkerCache = {};
  let done = 0;
  try {
    for (let c = 0; c < configs; c++) {
      const atoms = specimenAtoms(plan, c);
      for (let g0 = 0; g0 < nRun; g0 += group) {
        const g1 = Math.min(nRun, g0 + group);
        const states = blocked
          ? Array.from(
              { length: g1 - g0 },
              () => new Float32Array(new SharedArrayBuffer(8 * nx * ny)),
            )
          : undefined;
        for (let from = 0; from < plan.nSlices; from += block) {
          const to = Math.min(plan.nSlices, from + block);
          const stack = prebuilt ?? (await buildSliceStack(plan, c, [from, to], atoms));
          const tasks: PositionTask[] = [];
          for (let p = g0; p < g1; p += CHUNK) {
            const e = Math.min(g1, p + CHUNK);
            tasks.push({
              ...positionTask(plan, stack, run.slice(2 * p, 2 * e)),
              ...(states ? { from, to, states: states.slice(p - g0, e - g0) } : {}),
            });
          }
          let results: Float64Array[][];
          if (pool) results = await pool.runAll(tasks);
          else {
            results = [];
            for (const t of tasks) {
              results.push(await runWorkerTask(t, cache));
              done += t.positions.length / 2;
              opts.onProgress?.(done, steps);
            }
          }
          // in position order, output by output: the same sums however the work is split
          results.forEach((r, j) => {
            // a representative's weight |orbit|/|G| (a task is CHUNK = 1 position)
            const w = weights?.[g0 + j * CHUNK] ?? 1;
            r.forEach((a, o) => {
              const tt = total[o]!;
              if (w === 1) for (let i = 0; i < size; i++) tt[i] = tt[i]! + a[i]!;
              else for (let i = 0; i < size; i++) tt[i] = tt[i]! + w * a[i]!;
            });
          });
          if (pool) {
            done += g1 - g0;
            opts.onProgress?.(done, steps);
          }
        }
      }
    }
  } finally {
    await pool?.close();
    cache.positions?.engine?.dispose();
  }
  const n = plan.outputs.length;
  const patterns = new Float32Array(n * size);
  const w = 1 / (nPos * configs);
  const sums = reduced ? total.map((a) => symmetrisePattern(a, plan.detector, reduced.ops)) : total;
  sums.forEach((a, o) => {
    for (let i = 0; i < size; i++) patterns[o * size + i] = a[i]! * w;
  });
  return {
    patterns,
    shape: [n, plan.detector.ny, plan.detector.nx],
    thicknesses: plan.thicknesses,
    mradPerPx: plan.detector.mradPerPx,
    plan,
    positions: nPos,
    symmetry: { order: reduced?.ops.length ?? 1, computedPositions: nRun },
    memory: { blocked, sliceBlock: block, positionGroup: group },
  };
}

/** Position-averaged CBED over one cell (PACBED). */
export async function simulatePacbed(
  crystal: CrystalLike,
  params: MultisliceParams,
  opts: RunOptions = {},
): Promise<PatternResult> {
  const plan = planSimulation(crystal, params);
  if (params.prism !== undefined) return runPrism(plan, scanPositions(plan), params.prism, opts);
  return runPlan(plan, scanPositions(plan), opts);
}

/** CBED for one probe position (x, y) [Å] in the specimen. */
export async function simulateCbed(
  crystal: CrystalLike,
  params: MultisliceParams,
  position: readonly [number, number],
  opts: RunOptions = {},
): Promise<PatternResult> {
  if (params.prism !== undefined) {
    throw new ValidationError(
      'PRISM is for PACBED (many positions); CBED runs plain multislice',
      'prism',
    );
  }
  const plan = planSimulation(crystal, params);
  for (const v of position)
    if (!Number.isFinite(v)) throw new ValidationError(`must be finite, got ${v}`, 'position');
  return runPlan(plan, Float64Array.from(position), { ...opts, threads: opts.threads ?? 1 });
}

export type { PatternResult, RunOptions } from './run-options.js';
