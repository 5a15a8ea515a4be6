/**
 * The embedded executor's threads: a pool of worker threads (piscina) sized to the cores, each
 * running a worker module whose default export runs one job (see `src/app/job-worker.ts`). CPU
 * work runs off the main thread, so the main thread stays free for progress, signals and (in a
 * BullMQ worker) lock renewal. Aborting a task terminates its thread; its temporary file is
 * left behind and removed by the next run.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { WorkerModule } from '../core/worker-loader.js';
import type { JobOutcome } from './run-job.js';
import type { JobRequest } from './types.js';

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export class JobPool {
  private readonly pool: Piscina<JobRequest, JobOutcome>;

  constructor(
    /** The module the threads run: default export `(req: JobRequest) => Promise<JobOutcome>`. */
    worker: WorkerModule,
    readonly size: number = defaultWorkers(),
  ) {
    this.pool = new Piscina<JobRequest, JobOutcome>({
      filename: worker.filename,
      execArgv: worker.execArgv,
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
