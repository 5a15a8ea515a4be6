/**
 * The job progress channel: coalescing and milestones (fake timers: no timing asserted), and
 * progress crossing each executor — inline, a pool thread (MessagePort), BullMQ (a real
 * redis-server on 127.0.0.1 and an in-process `startQueueWorker`; skipped without it) — in
 * order and before the job's outcome; a stop reaching a cooperative job through each.
 */
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisConnection } from './bullmq-common.js';
import { ProgressChannel, type ProgressBatch } from './progress.js';
import { BullmqExecutor } from './bullmq-executor.js';
import { startQueueWorker } from './bullmq-worker.js';
import type { Executor } from './executor.js';
import { runSingleJob } from './single-job.js';
import { hasRedisServer, startRedis, type RedisHandle } from '../../test/support/jobs/redis.js';
import { inlineExecutor, localExecutor, testWorker } from '../../test/support/jobs/executors.js';

describe('ProgressChannel', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the first message at once, then the latest ordinary one and every milestone per interval', () => {
    vi.useFakeTimers();
    const sent: ProgressBatch[] = [];
    const ch = new ProgressChannel((b) => sent.push(b), { intervalMs: 100 });
    ch.push({ i: 0 });
    expect(sent).toEqual([{ progress: [{ i: 0 }] }]);
    for (let i = 1; i <= 1000; i++) ch.push({ i });
    ch.push({ epoch: 1 }, { milestone: true });
    ch.push({ i: 1001 });
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sent[1]).toEqual({ progress: [{ epoch: 1 }, { i: 1001 }] });
    ch.push({ i: 1002 });
    ch.close();
    expect(sent[2]).toEqual({ progress: [{ i: 1002 }] });
    ch.push({ late: true });
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(3);
  });

  it('keeps at most maxPending milestones per batch (the newest) and refuses non-JSON data', () => {
    vi.useFakeTimers();
    const sent: ProgressBatch[] = [];
    const ch = new ProgressChannel((b) => sent.push(b), { intervalMs: 100, maxPending: 3 });
    ch.push('first');
    for (let i = 0; i < 10; i++) ch.push(i, { milestone: true });
    ch.flush();
    expect(sent[1]).toEqual({ progress: [7, 8, 9] });
    expect(() => ch.push({ n: 1n })).toThrow(
      expect.objectContaining({ code: 'VALIDATION', field: 'progress' }),
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => ch.push(cyclic)).toThrow(/not JSON/);
  });
});

/** Runs a ticker on `ex`; returns the messages its hooks saw and the outcome. */
async function tick(ex: Executor, runId: string) {
  const seen: unknown[] = [];
  const result = await runSingleJob(ex, {
    runId,
    key: 'a',
    request: { type: 'test-ticker', payload: { ticks: 500, milestones: 5 } },
    onProgress: (d) => seen.push(d),
  });
  return { seen, result };
}

/** A ticker that waits for its stop; the run aborted once its first message arrives. */
async function stopTicker(ex: Executor, runId: string) {
  const ac = new AbortController();
  const seen: unknown[] = [];
  const run = runSingleJob(ex, {
    runId,
    key: 'b',
    request: { type: 'test-ticker', payload: { ticks: 1, milestones: 0, untilStopped: true } },
    stopGraceMs: 15_000,
    attempts: 1,
    signal: ac.signal,
    onProgress: (d) => {
      seen.push(d);
      ac.abort('cancel');
    },
  });
  await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
  return seen;
}

function checkTicks(seen: unknown[]): void {
  // coalesced: far fewer than 505 messages; every milestone, in order, after the ticks
  expect(seen.length).toBeLessThan(505);
  expect(seen.slice(-5)).toEqual([0, 1, 2, 3, 4].map((milestone) => ({ milestone })));
  expect(seen[0]).toEqual({ tick: 0 });
}

describe('progress through the executors', () => {
  it('inline: coalesced, milestones kept, before the result; a stop reaches the job', async () => {
    const { seen, result } = await tick(inlineExecutor(), 'p-inline');
    expect(result).toEqual({ ticks: 500 });
    checkTicks(seen);
    expect((await stopTicker(inlineExecutor(), 'p-inline-stop')).at(-1)).toEqual({ stopped: true });
  });

  it('a pool thread: over its MessagePort, before the result; a stop reaches the job in the thread', async () => {
    const ex = localExecutor(1);
    try {
      const { seen, result } = await tick(ex, 'p-local');
      expect(result).toEqual({ ticks: 500 });
      checkTicks(seen);
      expect((await stopTicker(ex, 'p-local-stop')).at(-1)).toEqual({ stopped: true });
    } finally {
      await ex.close();
    }
  }, 30_000);
});

describe.skipIf(!hasRedisServer())('progress through BullMQ (needs redis-server)', () => {
  let redis: RedisHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('job.updateProgress → QueueEvents, before completion; a cancel key stops the running job', async () => {
    const queue = `progress-${Date.now()}`;
    const worker = startQueueWorker({ redis: redis.url, worker: testWorker(), queue, concurrency: 1, cancelPollMs: 100 }); // prettier-ignore
    const ex = new BullmqExecutor({ redis: redis.url, queue });
    try {
      await worker.ready();
      const { seen, result } = await tick(ex, 'p-bull');
      expect(result).toEqual({ ticks: 500 });
      checkTicks(seen);
      expect((await stopTicker(ex, 'p-bull-stop')).at(-1)).toEqual({ stopped: true });
    } finally {
      await ex.close();
      await worker.close(true);
    }
  }, 60_000);

  it('a stop of a job no worker has taken removes it and does not wait for its grace', async () => {
    // no worker on this queue: the job stays waiting; its grace (10 min) must not be waited for
    const queue = `progress-idle-${Date.now()}`;
    const ex = new BullmqExecutor({ redis: redis.url, queue });
    const ac = new AbortController();
    try {
      const run = runSingleJob(ex, {
        runId: 'p-bull-idle',
        key: 'c',
        request: { type: 'test-ticker', payload: { ticks: 1, milestones: 0, untilStopped: true } },
        stopGraceMs: 600_000,
        attempts: 1,
        signal: ac.signal,
      });
      setTimeout(() => ac.abort('cancel'), 300);
      await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
      const q = new Queue(queue, { connection: redisConnection(redis.url) });
      try {
        expect(await q.getJob('p-bull-idle.c')).toBeUndefined();
      } finally {
        await q.close();
      }
    } finally {
      await ex.close();
    }
  }, 30_000);
});
