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
} from './plan.js';
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
  const { blocked, block, group } = memoryLayout(plan, nPos, opts.memoryBytes);
  const { nx, ny } = plan.grid;
  const blocks = Math.ceil(plan.nSlices / block);
  const steps = nPos * configs * blocks;
  const pool = threads > 1 ? await PositionPool.create(threads) : undefined;
  const cache: WorkerCache = {};
  let done = 0;
  try {
    for (let c = 0; c < configs; c++) {
      const atoms = specimenAtoms(plan, c);
      for (let g0 = 0; g0 < nPos; g0 += group) {
        const g1 = Math.min(nPos, g0 + group);
        const states = blocked
          ? Array.from(
              { length: g1 - g0 },
              () => new Float32Array(new SharedArrayBuffer(8 * nx * ny)),
            )
          : undefined;
        for (let from = 0; from < plan.nSlices; from += block) {
          const to = Math.min(plan.nSlices, from + block);
          const stack = await buildSliceStack(plan, c, [from, to], atoms);
          const tasks: PositionTask[] = [];
          for (let p = g0; p < g1; p += CHUNK) {
            const e = Math.min(g1, p + CHUNK);
            tasks.push({
              ...positionTask(plan, stack, positions.slice(2 * p, 2 * e)),
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
          for (const r of results)
            r.forEach((a, o) => {
              const tt = total[o]!;
              for (let i = 0; i < size; i++) tt[i] = tt[i]! + a[i]!;
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
  total.forEach((a, o) => {
    for (let i = 0; i < size; i++) patterns[o * size + i] = a[i]! * w;
  });
  return {
    patterns,
    shape: [n, plan.detector.ny, plan.detector.nx],
    thicknesses: plan.thicknesses,
    mradPerPx: plan.detector.mradPerPx,
    plan,
    positions: nPos,
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
