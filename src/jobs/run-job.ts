/**
 * Running one job wherever it lands (a pool thread, a BullMQ worker, the calling thread): look
 * its type up in the registry, validate the payload at this boundary, run, and turn any error
 * into data (`errorToData`: class, code, message, fields, whether retrying can help) that
 * survives structured cloning and JSON and is rebuilt as the same class on the other side
 * (`errorFromData`).
 */
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { BraggError, ValidationError, errorFromData, errorToData } from '../core/errors.js';
import type { ErrorData } from '../core/errors.js';
import { ProgressChannel, type ProgressBatch } from './progress.js';
import type { JobRegistry } from './registry.js';
import type { JobRequest } from './types.js';

/** A failed job's error, as data (see `errorToData`). */
export type JobFailure = ErrorData;

export type JobOutcome = { ok: true; result: unknown } | { ok: false; error: JobFailure };

export function workerName(): string {
  return `${hostname()}:${process.pid}:${threadId}`;
}

/**
 * A job's error as data. Bad input (a BraggError) fails the same way on every retry; anything
 * else (a bug, a full disk, a lost connection) may not, so only BraggErrors keep `permanent`.
 */
export function toFailure(err: unknown): JobFailure {
  const data = errorToData(err);
  return err instanceof BraggError ? data : { ...data, permanent: false };
}

/** The error a failed job threw, rebuilt as its own class (`instanceof FormatError` holds). */
export function failureError(f: JobFailure): BraggError {
  return errorFromData(f);
}

/** A failure as one line for people and logs: `FormatError: NPY: … (file, offset)`. */
export function failureText(f: JobFailure): string {
  return `${f.name}: ${f.message}`;
}

/**
 * Run `req` here. `onProgress` gets the job's progress in batches (see `ProgressChannel`); the
 * last batch is sent before this resolves.
 */
export async function runJob(
  registry: JobRegistry,
  req: JobRequest,
  signal?: AbortSignal,
  onProgress?: (batch: ProgressBatch) => void,
): Promise<JobOutcome> {
  const channel = new ProgressChannel((b) => {
    try {
      onProgress?.(b);
    } catch {
      // a listener's failure is not the job's
    }
  });
  try {
    const type = registry.get(req.type);
    const parsed = type.payload.safeParse(req.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ValidationError(
        `invalid ${req.type} payload: ${issue.message}`,
        issue.path.join('.') || 'payload',
      );
    }
    const result = await type.run(parsed.data, {
      signal,
      worker: workerName(),
      progress: (data, o) => channel.push(data, o),
    });
    return { ok: true, result };
  } catch (err) {
    return { ok: false, error: toFailure(err) };
  } finally {
    channel.close();
  }
}
