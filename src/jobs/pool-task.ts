/**
 * What a pool thread receives and how it talks back while a job runs. A task is the job request
 * plus one end of a MessageChannel (transferred with the task): the thread posts the job's
 * progress batches on it, then `end`; the pool posts `stop` on it to ask the job to stop by
 * itself (its `ctx.signal` aborts) before, after a grace period, the thread is terminated.
 * Worker modules (`src/app/job-worker.ts`) run a task with {@link runPoolTask}.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ProgressBatch } from './progress.js';
import type { JobRegistry } from './registry.js';
import { runJob, type JobOutcome } from './run-job.js';
import type { JobRequest } from './types.js';

export interface PoolTask {
  request: JobRequest;
  /** The thread's end of the task's channel. */
  port?: MessagePort;
}

/** Thread → pool. */
export type ThreadMessage = { type: 'progress'; batch: ProgressBatch } | { type: 'end' };
/** Pool → thread. */
export type PoolMessage = { type: 'stop' };

/** Runs one pool task on this thread: progress and `end` posted, `stop` aborting the job. */
export async function runPoolTask(registry: JobRegistry, task: PoolTask): Promise<JobOutcome> {
  const port = task.port;
  if (!port) return runJob(registry, task.request);
  const stop = new AbortController();
  const onMessage = (m: PoolMessage): void => {
    if (m?.type === 'stop') stop.abort('stop');
  };
  port.on('message', onMessage);
  try {
    return await runJob(registry, task.request, stop.signal, (batch) =>
      port.postMessage({ type: 'progress', batch } satisfies ThreadMessage),
    );
  } finally {
    port.off('message', onMessage);
    port.postMessage({ type: 'end' } satisfies ThreadMessage);
    port.close();
  }
}
