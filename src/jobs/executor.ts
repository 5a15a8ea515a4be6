/**
 * Executors run a list of jobs and report each one's start, result or failure. Three exist: the
 * calling thread (`InlineExecutor`, for jobs that bring their own threads), the embedded pool of
 * worker threads (`LocalExecutor`, the default) and BullMQ on Redis (`BullmqExecutor`, in
 * bullmq-executor.ts). What a run may assume about an executor is in its `capabilities`, as
 * data; its `name` is only for people and the run registry.
 */
import { BraggError, errorToData } from '../core/errors.js';
import type { WorkerModule } from '../core/worker-loader.js';
import { JobPool } from './job-pool.js';
import type { JobRegistry } from './registry.js';
import type { JobFailure } from './run-job.js';
import { runJob } from './run-job.js';
import type { ProgressBatch } from './progress.js';
import type { JobRequest } from './types.js';

export interface Task {
  /** Unique within a run (the shard id). */
  key: string;
  request: JobRequest;
  /**
   * How long stopping the run waits for this job to end by itself (it watches `ctx.signal`:
   * a training stops between two batches) before it is terminated [ms]. Default 0: at once.
   * Through BullMQ, a job with a grace is also stopped where it runs (`bragg worker`).
   */
  stopGraceMs?: number;
  /** Tries for errors that might be transient (BullMQ; default the executor's `attempts`). */
  attempts?: number;
}

export interface ExecutorHooks {
  onStart(key: string): void;
  onDone(key: string, result: unknown): void;
  onFail(key: string, error: JobFailure): void;
  /** A message the job reported with `ctx.progress` (in order, before its done or fail). */
  onProgress?(key: string, data: unknown): void;
}

/** Calls `hooks.onProgress` with each message of a batch of task `key`. */
export function deliverProgress(hooks: ExecutorHooks, key: string, batch: ProgressBatch): void {
  if (!hooks.onProgress) return;
  for (const data of batch.progress) hooks.onProgress(key, data);
}

export interface ExecutorCapabilities {
  /**
   * Jobs run on this machine only. Temporaries that a killed run left in an output directory
   * are then stale and may be removed before a new run (with remote workers they may be live).
   */
  readonly local: boolean;
  /** Jobs in flight at once, where the executor decides it (undefined: the workers decide). */
  readonly concurrency: number | undefined;
}

export interface Executor {
  /** `inline`, `local:<threads>` or `bullmq:<redis url>/<queue>`; recorded in the run registry. */
  readonly name: string;
  readonly capabilities: ExecutorCapabilities;
  /** Resolves when every task has finished or failed, or soon after `signal` aborts. */
  runAll(
    runId: string,
    tasks: readonly Task[],
    hooks: ExecutorHooks,
    signal?: AbortSignal,
  ): Promise<void>;
  close(): Promise<void>;
}

/** Runs jobs one at a time on the calling thread (each may use worker threads of its own). */
export class InlineExecutor implements Executor {
  readonly name = 'inline';
  readonly capabilities: ExecutorCapabilities = { local: true, concurrency: 1 };

  constructor(private readonly registry: JobRegistry) {}

  async runAll(
    _runId: string,
    tasks: readonly Task[],
    hooks: ExecutorHooks,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const t of tasks) {
      if (signal?.aborted) return;
      hooks.onStart(t.key);
      const out = await runJob(this.registry, t.request, signal, (b) =>
        deliverProgress(hooks, t.key, b),
      );
      if (out.ok) hooks.onDone(t.key, out.result);
      // stopped, not failed (as in the pool below)
      else if (signal?.aborted) return;
      else hooks.onFail(t.key, out.error);
    }
  }

  async close(): Promise<void> {}
}

export interface LocalExecutorOptions {
  /** The module the pool's threads run (see `JobPool`). */
  worker: WorkerModule;
  /** Threads (default: the cores). */
  size?: number;
}

/** Worker threads on this machine; at most `size` jobs in flight. */
export class LocalExecutor implements Executor {
  readonly name: string;
  readonly capabilities: ExecutorCapabilities;
  private readonly pool: JobPool;

  constructor(o: LocalExecutorOptions) {
    this.pool = new JobPool(o.worker, o.size);
    this.name = `local:${this.pool.size}`;
    this.capabilities = { local: true, concurrency: this.pool.size };
  }

  async runAll(
    _runId: string,
    tasks: readonly Task[],
    hooks: ExecutorHooks,
    signal?: AbortSignal,
  ): Promise<void> {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < tasks.length && !signal?.aborted) {
        const task = tasks[next++]!;
        hooks.onStart(task.key);
        try {
          const out = await this.pool.run(task.request, {
            signal,
            stopGraceMs: task.stopGraceMs,
            onProgress: (b) => deliverProgress(hooks, task.key, b),
          });
          if (out.ok) hooks.onDone(task.key, out.result);
          // a job that failed because the run was stopped (its thread saw the stop first) is
          // interrupted, not failed: as for a thread terminated mid-job below
          else if (signal?.aborted) return;
          else hooks.onFail(task.key, out.error);
        } catch (err) {
          if (signal?.aborted) return;
          hooks.onFail(
            task.key,
            errorToData(
              new BraggError('WORKER', `worker thread failed: ${(err as Error).message}`, {
                cause: err,
              }),
            ),
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.pool.size, tasks.length) }, lane));
  }

  async close(): Promise<void> {
    await this.pool.close(true);
  }
}
