/**
 * Shared settings of the distributed runner: the queue name, the Redis connection from a
 * `redis://host:port[/db]` URL, and BullMQ job ids (`<run>.<shard>`: adding a job whose id
 * exists is a no-op, so enqueueing a run twice does not duplicate work).
 */
import type { ConnectionOptions } from 'bullmq';
import { BraggError, ValidationError, errorFromData, errorToData } from '../core/errors.js';
import type { ErrorData } from '../core/errors.js';

export const DEFAULT_QUEUE = 'bragg-jobs';

export function redisConnection(url: string): ConnectionOptions {
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
  return { url, maxRetriesPerRequest: null };
}

export function jobIdFor(runId: string, shardId: string): string {
  return `${runId}.${shardId}`;
}

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
