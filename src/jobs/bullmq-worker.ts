/**
 * `bragg worker`: takes jobs from the BullMQ queue and runs each on a worker thread of the
 * local pool (one thread per unit of concurrency), so the main thread, which renews the job
 * locks, is never blocked by computation. Bad input (a BraggError: bad CIF, invalid payload)
 * fails the job at once (UnrecoverableError); other errors are retried by BullMQ. The error
 * travels as data in the failed job's reason and is rebuilt as its class by the coordinator.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { DEFAULT_QUEUE, decodeFailure, encodeFailure, redisConnection } from './bullmq-common.js';
import type { WorkerModule } from '../core/worker-loader.js';
import { JobPool, defaultWorkers } from './job-pool.js';
import type { JobRequest } from './types.js';

export interface QueueWorkerOptions {
  redis: string;
  /** The module the worker threads run (the composition root's job worker). */
  worker: WorkerModule;
  queue?: string;
  concurrency?: number;
  /** Job lock duration [ms] (BullMQ default 30 000); a dead worker's job is redone after it. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs of dead workers [ms] (default 30 000). */
  stalledIntervalMs?: number;
  /** Called on every finished job (for logs). */
  onEvent?: (e: {
    kind: 'active' | 'completed' | 'failed';
    jobId: string;
    message?: string;
  }) => void;
}

export interface QueueWorker {
  readonly concurrency: number;
  /** Stop taking jobs, wait for the running ones (or abandon them with `force`). */
  close(force?: boolean): Promise<void>;
  /** Resolves once the worker is connected. */
  ready(): Promise<void>;
}

export function startQueueWorker(o: QueueWorkerOptions): QueueWorker {
  const concurrency = o.concurrency ?? defaultWorkers();
  const pool = new JobPool(o.worker, concurrency);
  const processor = async (job: Job): Promise<unknown> => {
    const out = await pool.run(job.data as JobRequest);
    if (out.ok) return out.result;
    const msg = encodeFailure(out.error);
    throw out.error.permanent ? new UnrecoverableError(msg) : new Error(msg);
  };
  const worker = new Worker(o.queue ?? DEFAULT_QUEUE, processor, {
    connection: redisConnection(o.redis),
    concurrency,
    lockDuration: o.lockDurationMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 30_000,
    maxStalledCount: 3,
  });
  worker.on('active', (job) => o.onEvent?.({ kind: 'active', jobId: job.id ?? '' }));
  worker.on('completed', (job) => o.onEvent?.({ kind: 'completed', jobId: job.id ?? '' }));
  worker.on('failed', (job, err) =>
    o.onEvent?.({ kind: 'failed', jobId: job?.id ?? '', message: failureLine(err.message) }),
  );
  // Connection errors are retried by ioredis; report them without crashing.
  worker.on('error', (err) => o.onEvent?.({ kind: 'failed', jobId: '', message: err.message }));
  return {
    concurrency,
    async ready() {
      await worker.waitUntilReady();
    },
    async close(force = false) {
      await worker.close(force);
      await pool.close(force);
    },
  };
}

/** A failed job's reason as one line for logs. */
function failureLine(reason: string): string {
  const d = decodeFailure(reason);
  return d.code === 'WORKER' && d.message.startsWith('job failed: ')
    ? reason
    : `${d.name}: ${d.message}`;
}
