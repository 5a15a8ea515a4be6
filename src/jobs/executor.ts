/**
 * Executors run a list of jobs and report each one's start, result or failure. Two exist: the
 * embedded pool of worker threads (`LocalExecutor`, the default) and BullMQ on Redis
 * (`BullmqExecutor`, in bullmq-executor.ts).
 */
import type { JobFailure } from './run-job.js';
import { JobPool } from './pool.js';
import type { JobRequest } from './types.js';

export interface Task {
  /** Unique within a run (the shard id). */
  key: string;
  request: JobRequest;
}

export interface ExecutorHooks {
  onStart(key: string): void;
  onDone(key: string, result: unknown): void;
  onFail(key: string, error: JobFailure): void;
}

export interface Executor {
  /** `local:<threads>` or `bullmq:<redis url>/<queue>`; recorded in the run registry. */
  readonly name: string;
  /** Resolves when every task has finished or failed, or soon after `signal` aborts. */
  runAll(
    runId: string,
    tasks: readonly Task[],
    hooks: ExecutorHooks,
    signal?: AbortSignal,
  ): Promise<void>;
  close(): Promise<void>;
}

/** Worker threads on this machine; at most `size` jobs in flight. */
export class LocalExecutor implements Executor {
  readonly name: string;
  private readonly pool: JobPool;

  constructor(size?: number) {
    this.pool = new JobPool(size);
    this.name = `local:${this.pool.size}`;
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
          const out = await this.pool.run(task.request, signal);
          if (out.ok) hooks.onDone(task.key, out.result);
          else hooks.onFail(task.key, out.error);
        } catch (err) {
          if (signal?.aborted) return;
          hooks.onFail(task.key, {
            name: (err as Error).name,
            code: 'ERROR',
            message: `worker thread failed: ${(err as Error).message}`,
            permanent: false,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.pool.size, tasks.length) }, lane));
  }

  async close(): Promise<void> {
    await this.pool.close(true);
  }
}
