/**
 * `bragg worker`: takes jobs from the BullMQ queue and runs each on a worker thread of the
 * local pool (one thread per unit of concurrency), so the main thread, which renews the job
 * locks, is never blocked by computation. Bad input (a BraggError: bad CIF, invalid payload)
 * fails the job at once (UnrecoverableError); other errors are retried by BullMQ. The error
 * travels as data in the failed job's reason and is rebuilt as its class by the coordinator.
 *
 * **Progress and stop.** A job's progress batches (`ctx.progress`) go to `job.updateProgress`
 * in order, the last before its result; the coordinator reads them from `QueueEvents`. A job
 * queued with a stop grace (`Task.stopGraceMs`: a training) is stopped when the coordinator
 * sets its cancel key (looked for every `cancelPollMs`): its `ctx.signal` aborts, its thread
 * is terminated after the grace, and it fails INTERRUPTED without a retry.
 *
 * **Redis that goes away.** The worker keeps reconnecting (`workerBackoffMs`: 0.5 s doubling
 * to 10 s) and reports each back-off step once (`redis-down`, with the connection's error), and
 * `redis-up` when it is back. Closing never waits on a Redis that is not there: a worker whose
 * Redis is down abandons its running jobs at once (their locks expire; another worker redoes
 * them), and a graceful close that loses Redis midway does the same.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { EventEmitter } from 'node:events';
import { BraggError, errorToData } from '../core/errors.js';
import {
  DEFAULT_QUEUE,
  cancelKey,
  closeWithin,
  decodeFailure,
  encodeFailure,
  isConnectionError,
  redisConnection,
  workerBackoffMs,
  type QueuedJob,
} from './bullmq-common.js';
import type { WorkerModule } from '../core/worker-loader.js';
import { JobPool, defaultWorkers } from './job-pool.js';
import type { ProgressBatch } from './progress.js';

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
  /** How often the worker looks whether a running job was cancelled [ms] (default 1000). */
  cancelPollMs?: number;
  /** Called on every job event and connection change (for logs). */
  onEvent?: (e: QueueWorkerEvent) => void;
}

/**
 * What a worker reports: a job started, finished or failed; an error of its own (`error`);
 * Redis lost, with the attempt about to be made and the pause before it (`redis-down`, once per
 * back-off step), and Redis back (`redis-up`).
 */
export interface QueueWorkerEvent {
  kind: 'active' | 'completed' | 'failed' | 'error' | 'redis-down' | 'redis-up';
  jobId: string;
  message?: string;
  /** `redis-down`: the reconnection attempt (1, 2, …) and the pause before it [ms]. */
  attempt?: number;
  retryInMs?: number;
}

/** How long a close that abandons its jobs waits for BullMQ [ms] before giving up on it. */
const FORCE_CLOSE_WAIT_MS = 3000;

export interface QueueWorker {
  readonly concurrency: number;
  /**
   * Stop taking jobs and wait for the running ones; abandon them with `force`, or when Redis is
   * down or goes away while waiting. Never waits on an absent Redis for more than a few seconds.
   */
  close(force?: boolean): Promise<void>;
  /** Resolves once the worker is connected. */
  ready(): Promise<void>;
  /** Whether Redis is connected now. */
  readonly connected: boolean;
}

export function startQueueWorker(o: QueueWorkerOptions): QueueWorker {
  const concurrency = o.concurrency ?? defaultWorkers();
  const pool = new JobPool(o.worker, concurrency);
  const queueName = o.queue ?? DEFAULT_QUEUE;
  // Running jobs that a cancel key can stop, by job id.
  const stoppable = new Map<string, AbortController>();
  const processor = async (
    job: Job,
    _token?: string,
    bullSignal?: AbortSignal,
  ): Promise<unknown> => {
    const data = job.data as QueuedJob;
    const stop = new AbortController();
    const onBullAbort = (): void => stop.abort(bullSignal?.reason);
    bullSignal?.addEventListener('abort', onBullAbort, { once: true });
    if (data.stopGraceMs && job.id !== undefined) stoppable.set(job.id, stop);
    // Progress goes to Redis in order; the result waits for the last of it.
    let sent: Promise<unknown> = Promise.resolve();
    const onProgress = (batch: ProgressBatch): void => {
      sent = sent.then(() => job.updateProgress(batch)).catch(() => undefined);
    };
    try {
      const out = await pool
        .run(
          { type: data.type, payload: data.payload },
          { signal: stop.signal, stopGraceMs: data.stopGraceMs, onProgress },
        )
        .catch((err: unknown) => {
          if (!stop.signal.aborted) throw err;
          return {
            ok: false as const,
            error: errorToData(new BraggError('INTERRUPTED', 'the job was stopped on request')),
          };
        });
      await sent;
      if (out.ok) return out.result;
      const msg = encodeFailure(out.error);
      // A job stopped on request is not tried again.
      throw out.error.permanent || stop.signal.aborted
        ? new UnrecoverableError(msg)
        : new Error(msg);
    } finally {
      if (job.id !== undefined) stoppable.delete(job.id);
      bullSignal?.removeEventListener('abort', onBullAbort);
    }
  };
  // Connection state: down when a connection asks for a back-off step, up when one is ready.
  let connected = false;
  let lastStep = 0;
  let lastError: unknown;
  const downWaiters = new Set<() => void>();
  const retryStrategy = (times: number): number => {
    const ms = workerBackoffMs(times);
    connected = false;
    for (const w of downWaiters) w();
    // Two connections (commands, blocking) back off together: one report per step.
    if (times > lastStep) {
      lastStep = times;
      o.onEvent?.({
        kind: 'redis-down',
        jobId: '',
        message: lastError instanceof Error ? lastError.message : 'connection lost',
        attempt: times,
        retryInMs: ms,
      });
    }
    return ms;
  };
  const worker = new Worker(queueName, processor, {
    connection: redisConnection(o.redis, { retryStrategy }),
    concurrency,
    lockDuration: o.lockDurationMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 30_000,
    maxStalledCount: 3,
  });
  const up = (): void => {
    const was = lastStep > 0;
    connected = true;
    lastStep = 0;
    if (was) o.onEvent?.({ kind: 'redis-up', jobId: '' });
  };
  worker.on('ready', up);
  (worker.getBackend() as unknown as EventEmitter).on('ready', up);
  worker.on('active', (job) => o.onEvent?.({ kind: 'active', jobId: job.id ?? '' }));
  worker.on('completed', (job) => o.onEvent?.({ kind: 'completed', jobId: job.id ?? '' }));
  worker.on('failed', (job, err) =>
    o.onEvent?.({ kind: 'failed', jobId: job?.id ?? '', message: failureLine(err.message) }),
  );
  // Connection errors are reported with the back-off step they cause; others as they come.
  worker.on('error', (err) => {
    if (isConnectionError(err)) lastError = err;
    else o.onEvent?.({ kind: 'error', jobId: '', message: err.message });
  });
  // Cancel keys of the running stoppable jobs, looked for while there are any.
  let polling = false;
  const poll = setInterval(() => {
    if (polling || stoppable.size === 0 || !connected) return;
    polling = true;
    void (async () => {
      try {
        const client = await worker.getBackend().client;
        for (const [id, stop] of stoppable) {
          if ((await client.get(cancelKey(queueName, id))) !== null) stop.abort('cancel');
        }
      } catch {
        // Redis is down: the next look tries again
      } finally {
        polling = false;
      }
    })();
  }, o.cancelPollMs ?? 1000);
  poll.unref();
  const ready = new Promise<void>((resolve) => {
    if (connected) resolve();
    else worker.once('ready', () => resolve());
  });
  let closing: Promise<void> | undefined;
  const abandon = (): Promise<void> =>
    closeWithin(Promise.all([worker.close(true), pool.close(true)]), FORCE_CLOSE_WAIT_MS);
  return {
    concurrency,
    get connected() {
      return connected;
    },
    ready: () => ready,
    async close(force = false) {
      clearInterval(poll);
      if (force || !connected) {
        await abandon();
        return;
      }
      // Graceful: wait for the running jobs, unless Redis goes away meanwhile.
      closing ??= (async () => {
        let lost: () => void = () => undefined;
        const down = new Promise<'down'>((resolve) => {
          lost = () => resolve('down');
          downWaiters.add(lost);
        });
        const r = await Promise.race([
          worker.close(false).then(
            () => 'closed' as const,
            () => 'down' as const,
          ),
          down,
        ]);
        downWaiters.delete(lost);
        if (r === 'down') await abandon();
        else await pool.close(false);
      })();
      await closing;
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
