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
  type MultisliceParams,
  type Plan,
} from './plan.js';
import { CHUNK, positionTask, runTask, type PositionTask } from './run.js';
import { PositionPool } from './pool.js';
import { runPrism } from './prism-simulate.js';
import type { CrystalLike } from './specimen.js';

export interface RunOptions {
  /** Worker threads (default: available cores, at most 8; 1 = this thread). */
  threads?: number;
  /** Progress callback: done / total position-configurations. */
  onProgress?: (done: number, total: number) => void;
}

export interface PatternResult {
  /** Patterns (n_thickness, ny, nx) float32, zero angle at (ny//2, nx//2); each sums to ≈ 1. */
  patterns: Float32Array;
  shape: [number, number, number];
  /** Thicknesses actually simulated [Å]. */
  thicknesses: number[];
  /** Angular pixel size (y, x) [mrad]. */
  mradPerPx: [number, number];
  plan: Plan;
  positions: number;
  /** Set when PRISM computed the patterns (coarse angular pixel f·λ/L). */
  prism?: { interpolation: number; beams: number; sMatrixBytes: number };
}

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
  const pool = threads > 1 ? await PositionPool.create(threads) : undefined;
  let done = 0;
  try {
    for (let c = 0; c < configs; c++) {
      const stack = await buildSliceStack(plan, c);
      const tasks: PositionTask[] = [];
      for (let p = 0; p < nPos; p += CHUNK) {
        tasks.push(
          positionTask(plan, stack, positions.slice(2 * p, 2 * Math.min(nPos, p + CHUNK))),
        );
      }
      let results: Float64Array[][];
      if (pool) results = await pool.runAll(tasks);
      else {
        results = [];
        const cache = {};
        for (const t of tasks) {
          results.push(await runTask(t, cache));
          done += t.positions.length / 2;
          opts.onProgress?.(done, nPos * configs);
        }
      }
      for (const r of results)
        r.forEach((a, o) => {
          const tt = total[o]!;
          for (let i = 0; i < size; i++) tt[i] = tt[i]! + a[i]!;
        });
      if (pool) {
        done += nPos;
        opts.onProgress?.(done, nPos * configs);
      }
    }
  } finally {
    await pool?.close();
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
  const plan = planSimulation(crystal, params);
  for (const v of position)
    if (!Number.isFinite(v)) throw new ValidationError(`must be finite, got ${v}`, 'position');
  return runPlan(plan, Float64Array.from(position), { ...opts, threads: opts.threads ?? 1 });
}
