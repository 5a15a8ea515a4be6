/**
 * PRISM PACBED: per frozen-phonon configuration, the S-matrix beams are moved through the
 * specimen output by output (one pass: never recomputing the first 10 nm for 20 nm), and at
 * each output thickness every probe position is reduced from the beams before they move on.
 * So the S-matrix of a configuration costs one complex64 wave per beam
 * (`prismMemoryBytes`), whatever the number of thicknesses. Work runs on worker threads
 * (beam chunks, then position chunks) in lock-step; sums are in a fixed order, so the result
 * does not depend on the thread count.
 */
import { availableParallelism } from 'node:os';
import { ValidationError } from '../../core/errors.js';
import {
  DEFAULT_MEMORY_BYTES,
  buildSliceStack,
  sliceBytes,
  specimenAtoms,
  type Plan,
  type SliceStack,
} from './plan.js';
import { PositionPool } from './position-pool.js';
import { prismMemoryBytes, prismSetup } from './prism.js';
import type { PrismBeamTask, PrismReduceTask } from './prism-run.js';
import type { PatternResult, RunOptions } from './run-options.js';
import { runWorkerTask, type WorkerCache, type WorkerTask } from './tasks.js';

/** Largest S-matrix bragg allocates for one configuration [bytes]. */
export const PRISM_MAX_BYTES = 6 * 2 ** 30;
/** Beams per beam task and positions per reduce task (fixed: the sums' order). */
const BEAM_CHUNK = 2;
const POSITION_CHUNK = 2;

async function execute(
  tasks: readonly WorkerTask[],
  pool: PositionPool | undefined,
  cache: WorkerCache,
): Promise<Float64Array[][]> {
  if (pool) return pool.runAll(tasks);
  const out: Float64Array[][] = [];
  for (const t of tasks) out.push(await runWorkerTask(t, cache));
  return out;
}

export async function runPrism(
  plan: Plan,
  positions: Float64Array,
  f: number,
  opts: RunOptions,
): Promise<PatternResult> {
  const setup = prismSetup(plan, f);
  const bytes = prismMemoryBytes(setup, plan.grid);
  if (bytes > PRISM_MAX_BYTES) {
    throw new ValidationError(
      `the S-matrix would need ${(bytes / 2 ** 30).toFixed(1)} GiB (${setup.kx.length} beams of ${plan.grid.nx}×${plan.grid.ny}); use a larger interpolation factor`,
      'interpolation',
    );
  }
  const configs = Math.max(1, plan.params.phonons ?? 0);
  const threads = opts.threads ?? Math.min(8, availableParallelism());
  if (!Number.isInteger(threads) || threads < 1)
    throw new ValidationError(`must be an integer ≥ 1, got ${threads}`, 'threads');
  const { grid } = plan;
  const nBeams = setup.kx.length;
  const nPos = positions.length / 2;
  const size = setup.detector.nx * setup.detector.ny;
  const total = plan.outputs.map(() => new Float64Array(size));
  // Outputs in slice order (a thickness list need not be sorted).
  const order = plan.outputs.map((s, o) => ({ s, o })).sort((p, q) => p.s - q.s);
  const gridSpec = {
    extent: [grid.extentX, grid.extentY] as [number, number],
    gpts: [grid.nx, grid.ny] as [number, number],
  };
  const beams = Array.from(
    { length: nBeams },
    () => new Float32Array(new SharedArrayBuffer(8 * grid.nx * grid.ny)),
  );
  const steps = configs * (nBeams + nPos * order.length);
  // Frozen-phonon slices beyond the memory budget are built in blocks (the beams are the
  // saved waves already).
  const sb = sliceBytes(plan);
  const memory = opts.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  const layout = {
    blocked: (plan.params.phonons ?? 0) > 0 && plan.nSlices * sb > memory,
    block: Math.max(1, Math.floor(memory / sb)),
  };
  let done = 0;
  const pool = threads > 1 ? await PositionPool.create(threads) : undefined;
  const cache: WorkerCache = {};
  try {
    for (let c = 0; c < configs; c++) {
      const atoms = specimenAtoms(plan, c);
      let stack: SliceStack | undefined;
      let built: [number, number] = [0, 0];
      // Move the beams from slice `from` to `to`, building frozen-phonon slices block-wise.
      const advance = async (from: number, to: number): Promise<void> => {
        for (let a = from; a < to;) {
          if (!stack || (layout.blocked && (a < built[0] || a >= built[1]))) {
            built = layout.blocked
              ? [a, Math.min(plan.nSlices, a + layout.block)]
              : [0, plan.nSlices];
            stack = await buildSliceStack(plan, c, built, atoms);
          }
          const e = Math.min(to, built[1]);
          const beamTasks: PrismBeamTask[] = [];
          for (let b = 0; b < nBeams; b += BEAM_CHUNK) {
            const be = Math.min(nBeams, b + BEAM_CHUNK);
            beamTasks.push({
              kind: 'prism-beams',
              grid: gridSpec,
              engine: plan.engine,
              transmissions: stack.transmissions,
              sliceMap: stack.sliceMap,
              beams: beams.slice(b, be),
              kx: setup.kx.slice(b, be),
              ky: setup.ky.slice(b, be),
              from: a,
              to: e,
              init: a === 0,
            });
          }
          await execute(beamTasks, pool, cache);
          if (a === 0) {
            done += nBeams;
            opts.onProgress?.(done, steps);
          }
          a = e;
        }
      };
      let from = 0;
      for (const { s, o } of order) {
        if (s > from) {
          await advance(from, s);
          from = s;
        }
        const reduceTasks: PrismReduceTask[] = [];
        for (let p = 0; p < nPos; p += POSITION_CHUNK) {
          reduceTasks.push({
            kind: 'prism-reduce',
            grid: gridSpec,
            window: setup.window,
            wavelength: plan.wavelength,
            maxAngle: plan.engine.maxAngle,
            beams,
            kx: setup.kx,
            ky: setup.ky,
            coeffs: setup.coeffs,
            positions: positions.slice(2 * p, 2 * Math.min(nPos, p + POSITION_CHUNK)),
          });
        }
        const results = await execute(reduceTasks, pool, cache);
        const tt = total[o]!;
        for (const r of results) {
          const a = r[0]!;
          for (let i = 0; i < size; i++) tt[i] = tt[i]! + a[i]!;
        }
        done += nPos;
        opts.onProgress?.(done, steps);
      }
    }
  } finally {
    await pool?.close();
    cache.engine?.dispose();
    cache.fft?.dispose();
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
    shape: [n, setup.detector.ny, setup.detector.nx],
    thicknesses: plan.thicknesses,
    mradPerPx: setup.detector.mradPerPx,
    plan,
    positions: nPos,
    prism: { interpolation: f, beams: nBeams, sMatrixBytes: bytes },
    memory: { blocked: layout.blocked, sliceBlock: layout.block, positionGroup: nPos },
  };
}
