/**
 * One long job (a training, a batch prediction) on any executor, as a call: the result, or the
 * job's error rebuilt as its own class (`failureError`). Its progress messages go to
 * `onProgress`; aborting `signal` stops it (within `stopGraceMs` it may stop by itself, e.g.
 * between two batches), and a job stopped before it reported an outcome is an INTERRUPTED error.
 */
import { BraggError } from '../core/errors.js';
import type { Executor } from './executor.js';
import { failureError, type JobOutcome } from './run-job.js';
import type { JobRequest } from './types.js';

export interface SingleJob {
  /** The run the job belongs to (with BullMQ, its job id is `<runId>.<key>`). */
  runId: string;
  key: string;
  request: JobRequest;
  stopGraceMs?: number;
  /** Tries for transient errors (BullMQ; default the executor's). */
  attempts?: number;
  signal?: AbortSignal;
  onStart?: () => void;
  onProgress?: (data: unknown) => void;
}

export async function runSingleJob(executor: Executor, job: SingleJob): Promise<unknown> {
  let outcome: JobOutcome | undefined;
  await executor.runAll(
    job.runId,
    [
      {
        key: job.key,
        request: job.request,
        ...(job.stopGraceMs !== undefined ? { stopGraceMs: job.stopGraceMs } : {}),
        ...(job.attempts !== undefined ? { attempts: job.attempts } : {}),
      },
    ],
    {
      onStart: () => job.onStart?.(),
      onDone: (_key, result) => (outcome = { ok: true, result }),
      onFail: (_key, error) => (outcome = { ok: false, error }),
      onProgress: (_key, data) => job.onProgress?.(data),
    },
    job.signal,
  );
  if (outcome === undefined) {
    throw new BraggError(
      'INTERRUPTED',
      `job ${job.key} of run ${job.runId} was stopped before it ended (${executor.name})`,
    );
  }
  if (!outcome.ok) throw failureError(outcome.error);
  return outcome.result;
}
