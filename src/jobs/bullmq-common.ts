/**
 * Shared settings of the distributed runner: the queue name, the Redis connection from a
 * `redis://host:port[/db]` URL, and BullMQ job ids (`<run>.<shard>`: adding a job whose id
 * exists is a no-op, so enqueueing a run twice does not duplicate work).
 *
 * **Redis that is not there.** ioredis reconnects forever by default. The coordinator waits a
 * bounded time for Redis (`waitReady`) and then fails with one {@link redisUnreachable} error
 * naming the URL; `bragg worker` keeps retrying with a back-off (`workerBackoffMs`) and says so
 * once per step. Connection errors are never left to an emitter without a listener (BullMQ
 * would print the raw error object on every retry).
 */
import type { ConnectionOptions } from 'bullmq';
import { BraggError, ValidationError, errorFromData, errorToData } from '../core/errors.js';
import type { ErrorData } from '../core/errors.js';

export const DEFAULT_QUEUE = 'bragg-jobs';

/** How long the coordinator waits for Redis before giving up [ms]. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface RedisConnectionOptions {
  /**
   * The pause before reconnection attempt `times` (1, 2, …) [ms]; `null` stops reconnecting.
   * Default: BullMQ's (1 s, growing to 20 s).
   */
  retryStrategy?: (times: number) => number | null;
}

export function redisConnection(url: string, o: RedisConnectionOptions = {}): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(`expected redis://host:port, got '${url}'`, 'redis');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ValidationError(`expected a redis:// or rediss:// URL, got '${url}'`, 'redis');
  }
  // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null for them.
  return {
    url,
    maxRetriesPerRequest: null,
    ...(o.retryStrategy ? { retryStrategy: o.retryStrategy } : {}),
  };
}

/** A worker's pause before reconnection attempt `times` [ms]: 0.5 s doubling to 10 s. */
export function workerBackoffMs(times: number): number {
  return Math.min(500 * 2 ** Math.max(0, times - 1), 10_000);
}

/** Errors of a connection that is down (refused, reset, unreachable, closed). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (
    typeof code === 'string' &&
    /^(ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)/.test(code)
  ) {
    return true;
  }
  return /Connection is closed|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET|Stream isn't writeable/i.test(
    err.message,
  );
}

/** Redis did not answer at `url` within the connect timeout: one error that names the URL. */
export function redisUnreachable(url: string, waitedMs: number, last?: unknown): BraggError {
  const why = last instanceof Error ? ` (${last.message})` : '';
  return new BraggError(
    'TIMEOUT',
    `cannot reach Redis at ${url} within ${(waitedMs / 1000).toFixed(0)} s${why}: is redis-server running there, and is the URL right?`,
    last === undefined ? undefined : { cause: last },
  );
}

/**
 * Redis went away during a run and did not come back within `waitedMs`: one error naming the
 * URL, how far the run got and what to do.
 */
export function redisLost(
  url: string,
  waitedMs: number,
  progress: string,
  last?: unknown,
): BraggError {
  const why = last instanceof Error ? ` (${last.message})` : '';
  return new BraggError(
    'TIMEOUT',
    `lost Redis at ${url} during the run and it did not come back within ${(waitedMs / 1000).toFixed(0)} s${why}; ${progress}: start redis-server again and run the same command to resume`,
    last === undefined ? undefined : { cause: last },
  );
}

/**
 * Resolves when `ready` does, or rejects with {@link redisUnreachable} after `timeoutMs` (or
 * when `ready` rejects). `lastError` gives the connection's latest error for the message.
 */
export async function waitReady(
  ready: Promise<unknown>,
  url: string,
  timeoutMs: number,
  lastError: () => unknown,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const r = await Promise.race([ready.then(() => 'ready' as const), timeout]);
    if (r === 'timeout') throw redisUnreachable(url, timeoutMs, lastError());
  } catch (err) {
    if (err instanceof BraggError) throw err;
    throw redisUnreachable(url, timeoutMs, err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for `closing` at most `ms`; a close that waits on a Redis that went away would hang
 * (its errors are dropped: there is nothing left to close).
 */
export async function closeWithin(closing: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    closing.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

export function jobIdFor(runId: string, shardId: string): string {
  return `${runId}.${shardId}`;
}

/**
 * A job as it is queued: the request, and how long a stop waits for it (`Task.stopGraceMs`).
 * A job with a grace can be stopped where it runs: the coordinator sets its
 * {@link cancelKey} and the worker, which looks for the keys of its running jobs every second,
 * aborts the job's signal.
 */
export interface QueuedJob {
  type: string;
  payload: unknown;
  stopGraceMs?: number;
}

/** The Redis key that asks the worker running job `jobId` of `queue` to stop it. */
export function cancelKey(queue: string, jobId: string): string {
  return `bragg:${queue}:cancel:${jobId}`;
}

/** How long a cancel request is kept [s]. */
export const CANCEL_TTL_S = 24 * 3600;

/**
 * A job's error as BullMQ carries it: a failed job keeps only a message (`failedReason`), so
 * the message is the error's line for people, then the error as data after a marker line.
 */
const ERROR_MARK = '\n--bragg-error-data--\n';

export function encodeFailure(f: ErrorData): string {
  return `${f.name}: ${f.message}${ERROR_MARK}${JSON.stringify(f)}`;
}

/** The error data in a failed job's reason; a reason without it becomes a WORKER error. */
export function decodeFailure(reason: string): ErrorData {
  const at = reason.indexOf(ERROR_MARK);
  if (at >= 0) {
    try {
      return errorToData(errorFromData(JSON.parse(reason.slice(at + ERROR_MARK.length))));
    } catch {
      // fall through: not ours after all
    }
  }
  return errorToData(new BraggError('WORKER', `job failed: ${reason}`));
}
