/**
 * The task kinds the multislice worker threads run, as one closed union, and the dispatcher
 * that runs any of them with a per-thread cache (engine, FFT plans).
 */
import { assertNever } from '../../core/errors.js';
import type { MultisliceEngine } from './engine.js';
import {
  runBeamTask,
  runReduceTask,
  type PrismBeamTask,
  type PrismCache,
  type PrismReduceTask,
} from './prism-run.js';
import { runTask, type PositionTask } from './positions.js';

export type WorkerTask = PositionTask | PrismBeamTask | PrismReduceTask;

export interface WorkerCache extends PrismCache {
  positions?: { engine?: MultisliceEngine; key?: string };
}

/** Run one task; patterns come back as one Float64Array per output (none for beam tasks). */
export async function runWorkerTask(task: WorkerTask, cache: WorkerCache): Promise<Float64Array[]> {
  switch (task.kind) {
    case undefined:
    case 'positions':
      cache.positions ??= {};
      return runTask(task, cache.positions);
    case 'prism-beams':
      await runBeamTask(task, cache);
      return [];
    case 'prism-reduce':
      return runReduceTask(task, cache);
    default:
      return assertNever(task, 'multislice task');
  }
}
