/**
 * The embedded executor: a pool of worker threads (piscina) sized to the cores. CPU work runs
 * off the main thread, so the main thread stays free for progress, signals and (in a BullMQ
 * worker) lock renewal. Aborting a task terminates its thread; its temporary file is left
 * behind and removed by the next run.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { BraggError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import type { JobOutcome } from './run-job.js';
import type { JobRequest } from './types.js';

/** The compiled worker module. Under vitest (running .ts sources) this is the one in dist/. */
export function workerEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith('.ts')
    ? join(packageRoot(), 'dist', 'jobs', 'worker-entry.js')
    : join(here, '..', 'worker-entry.js');
  if (!existsSync(path)) {
    throw new BraggError('INTERNAL', `worker module ${path} is missing: run 'npm run build' first`);
  }
  return path;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export class JobPool {
  private readonly pool: Piscina<JobRequest, JobOutcome>;

  constructor(readonly size: number = defaultWorkers()) {
    this.pool = new Piscina<JobRequest, JobOutcome>({
      filename: workerEntryPath(),
      minThreads: size,
      maxThreads: size,
      idleTimeout: 60_000,
    });
  }

  /** Run one job on a pool thread. Rejects with an AbortError when `signal` aborts. */
  run(req: JobRequest, signal?: AbortSignal): Promise<JobOutcome> {
    return this.pool.run(req, signal ? { signal } : {});
  }

  async close(force = false): Promise<void> {
    await this.pool.close({ force });
  }
}
