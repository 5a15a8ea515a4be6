/**
 * The embedded executor's threads: a pool of worker threads (piscina) sized to the cores, each
 * running a worker module whose default export runs one `PoolTask` (see `src/app/job-worker.ts`
 * and `pool-task.ts`). CPU work runs off the main thread, so the main thread stays free for
 * progress, signals and (in a BullMQ worker) lock renewal.
 *
 * Each task gets a MessageChannel: the job's progress comes back on it, and a stop goes out on
 * it. Aborting a task asks the job to stop (its `ctx.signal`) and terminates its thread after
 * `stopGraceMs` (at once by default: a shard's temporary file is left behind and removed by
 * the next run; a training given a grace ends between two batches, its checkpoint kept).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { WorkerModule } from '../core/worker-loader.js';
import type { PoolMessage, PoolTask, ThreadMessage } from './pool-task.js';
import type { ProgressBatch } from './progress.js';
import type { JobOutcome } from './run-job.js';
import type { JobRequest } from './types.js';

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** How long a finished task's last progress may take to arrive [ms]. */
const END_WAIT_MS = 2000;

export interface PoolRunOptions {
  /** Aborting it stops the job (see `stopGraceMs`); the run then rejects with an AbortError. */
  signal?: AbortSignal | undefined;
  /** How long an abort waits for the job to stop by itself before its thread is terminated [ms]. */
  stopGraceMs?: number | undefined;
  /** The job's progress batches, in order, all before the run resolves. */
  onProgress?: ((batch: ProgressBatch) => void) | undefined;
}

export class JobPool {
  private readonly pool: Piscina<PoolTask, JobOutcome>;

  constructor(
    /** The module the threads run: default export `(task: PoolTask) => Promise<JobOutcome>`. */
    worker: WorkerModule,
    readonly size: number = defaultWorkers(),
  ) {
    this.pool = new Piscina<PoolTask, JobOutcome>({
      filename: worker.filename,
      execArgv: worker.execArgv,
      minThreads: size,
      maxThreads: size,
      idleTimeout: 60_000,
    });
  }

  /** Run one job on a pool thread. Rejects with an AbortError when the abort terminates it. */
  async run(req: JobRequest, o: PoolRunOptions = {}): Promise<JobOutcome> {
    const { port1, port2 } = new MessageChannel();
    let ended: () => void = () => undefined;
    const end = new Promise<void>((resolve) => (ended = resolve));
    port1.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') o.onProgress?.(m.batch);
      else if (m.type === 'end') ended();
    });
    const terminate = new AbortController();
    let grace: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      port1.postMessage({ type: 'stop' } satisfies PoolMessage);
      const ms = o.stopGraceMs ?? 0;
      if (ms <= 0) terminate.abort(o.signal?.reason);
      else grace = setTimeout(() => terminate.abort(o.signal?.reason), ms);
    };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const out = await this.pool.run(
        { request: req, port: port2 },
        { transferList: [port2], signal: terminate.signal },
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([end, new Promise<void>((r) => (timer = setTimeout(r, END_WAIT_MS)))]);
      clearTimeout(timer);
      return out;
    } finally {
      clearTimeout(grace);
      o.signal?.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  async close(force = false): Promise<void> {
    await this.pool.close({ force });
  }
}
