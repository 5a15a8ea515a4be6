/**
 * Running one job wherever it lands (a pool thread, a BullMQ worker): look its type up,
 * validate the payload at this boundary, run, and turn any error into a plain outcome that
 * survives structured cloning and JSON (class name, code, message, whether retrying can help).
 */
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { BraggError, ValidationError } from '../core/errors.js';
import { jobType } from './job-types.js';
import type { JobRequest } from './types.js';

export interface JobFailure {
  name: string;
  code: string;
  message: string;
  /** True for bad input (a BraggError): every retry would fail the same way. */
  permanent: boolean;
}

export type JobOutcome = { ok: true; result: unknown } | { ok: false; error: JobFailure };

export function workerName(): string {
  return `${hostname()}:${process.pid}:${threadId}`;
}

export function toFailure(err: unknown): JobFailure {
  if (err instanceof BraggError) {
    return { name: err.name, code: err.code, message: err.message, permanent: true };
  }
  if (err instanceof Error) {
    return { name: err.name, code: 'ERROR', message: err.message, permanent: false };
  }
  return { name: 'Error', code: 'ERROR', message: String(err), permanent: false };
}

export async function runJob(req: JobRequest, signal?: AbortSignal): Promise<JobOutcome> {
  try {
    const type = jobType(req.type);
    const parsed = type.payload.safeParse(req.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ValidationError(
        `invalid ${req.type} payload: ${issue.message}`,
        issue.path.join('.') || 'payload',
      );
    }
    const result = await type.run(parsed.data, { signal, worker: workerName() });
    return { ok: true, result };
  } catch (err) {
    return { ok: false, error: toFailure(err) };
  }
}
