/**
 * Running a plan: probe positions through the slice stack, on this thread or on a pool of
 * worker threads. Work is split into fixed chunks of positions whose sums are added in chunk
 * order, so the result does not depend on the number of threads (bit for bit).
 */
import { MultisliceEngine } from './engine.js';
import { Grid } from './grid.js';
import { probeCoefficients } from './probe.js';
import type { Plan, SliceStack } from './plan.js';

/** Positions per chunk (fixed: the summation order must not depend on the thread count). */
export const CHUNK = 1;

/** What a worker needs to run positions (structured-clone friendly; stacks are shared). */
export interface PositionTask {
  kind?: 'positions';
  grid: { extent: [number, number]; gpts: [number, number] };
  engine: Plan['engine'];
  probe: Plan['probe'];
  nSlices: number;
  outputs: number[];
  transmissions: Float32Array[];
  sliceMap: Int32Array;
  /** Interleaved (x, y) [Å]. */
  positions: Float64Array;
  /**
   * Run only slices from … to−1 (default: all). With `states` (one shared wave per position)
   * each position starts from its saved wave when from > 0, and its wave is saved after.
   */
  from?: number;
  to?: number;
  states?: Float32Array[];
}

export function positionTask(plan: Plan, stack: SliceStack, positions: Float64Array): PositionTask {
  return {
    grid: { extent: [plan.grid.extentX, plan.grid.extentY], gpts: [plan.grid.nx, plan.grid.ny] },
    engine: plan.engine,
    probe: plan.probe,
    nSlices: plan.nSlices,
    outputs: plan.outputs,
    transmissions: stack.transmissions,
    sliceMap: stack.sliceMap,
    positions,
  };
}

/** Sum of the detected patterns over the task's positions, one Float64Array per output. */
export async function runTask(
  task: PositionTask,
  engineCache?: { engine?: MultisliceEngine; key?: string },
): Promise<Float64Array[]> {
  const grid = new Grid({ extent: task.grid.extent, gpts: task.grid.gpts });
  const key = JSON.stringify([task.grid, task.engine]);
  let engine = engineCache?.key === key ? engineCache.engine : undefined;
  if (!engine) {
    engineCache?.engine?.dispose();
    engine = await MultisliceEngine.create(grid, task.engine);
    if (engineCache) {
      engineCache.engine = engine;
      engineCache.key = key;
    }
  }
  const coeffs = probeCoefficients(grid, task.probe);
  const size = engine.detector.nx * engine.detector.ny;
  const acc = task.outputs.map(() => new Float64Array(size));
  const t = (i: number): Float32Array => task.transmissions[task.sliceMap[i]!]!;
  const from = task.from ?? 0;
  const to = task.to ?? task.nSlices;
  for (let p = 0; p < task.positions.length; p += 2) {
    const state = task.states?.[p / 2];
    if (state && from > 0) engine.setWave(state);
    else engine.loadFourier(coeffs, task.positions[p]!, task.positions[p + 1]!);
    engine.runRange(from, to, t, task.outputs, acc);
    if (state) engine.copyWaveTo(state);
  }
  if (!engineCache) engine.dispose();
  return acc;
}
