/**
 * Shared settings of the distributed runner: the queue name, the Redis connection from a
 * `redis://host:port[/db]` URL, and BullMQ job ids (`<run>.<shard>`: adding a job whose id
 * exists is a no-op, so enqueueing a run twice does not duplicate work).
 */
import type { ConnectionOptions } from 'bullmq';
import { ValidationError } from '../core/errors.js';

export const DEFAULT_QUEUE = 'bragg-jobs';

export function redisConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(`expected redis://host:port, got '${url}'`, '--redis');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ValidationError(`expected a redis:// or rediss:// URL, got '${url}'`, '--redis');
  }
  // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null for them.
  return { url, maxRetriesPerRequest: null };
}

export function jobIdFor(runId: string, shardId: string): string {
  return `${runId}.${shardId}`;
}
