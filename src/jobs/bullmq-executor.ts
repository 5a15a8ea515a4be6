/**
 * The distributed executor: enqueues a run's jobs on a BullMQ queue in Redis and follows them
 * while `bragg worker` processes (any number, on any hosts) run them. Outputs go to the run's
 * output directory, which every worker must see at the same absolute path (a shared
 * file system: NFS, CephFS, a bind mount, ...). Interrupting the coordinator removes the
 * run's jobs that have not started; a rerun enqueues what is missing again.
 *
 * The connection is made when a run starts: a Redis that does not answer within
 * `connectTimeoutMs` fails the run with one `TIMEOUT` error naming the URL (nothing retries
 * forever, nothing prints connection errors as they come). A Redis that goes away during the
 * run is waited for `reconnectTimeoutMs` (reconnecting meanwhile: a restart goes unnoticed);
 * then the run fails with one `TIMEOUT` error saying how far it got (the run registry records
 * it failed; the same command resumes it once Redis is back).
 */
import type { EventEmitter } from 'node:events';
import { Queue, QueueEvents } from 'bullmq';
import type { ConnectionOptions, Job } from 'bullmq';
import {
  CANCEL_TTL_S,
  DEFAULT_CONNECT_TIMEOUT_MS,
  cancelKey,
  DEFAULT_QUEUE,
  closeWithin,
  redisLost,
  decodeFailure,
  jobIdFor,
  redisConnection,
  waitReady,
  type QueuedJob,
} from './bullmq-common.js';
import type { Executor, ExecutorCapabilities, ExecutorHooks, Task } from './executor.js';
import { deliverProgress } from './executor.js';
import { isProgressBatch } from './progress.js';

export interface BullmqExecutorOptions {
  redis: string;
  queue?: string;
  /** Tries per job for errors that might be transient (bad input fails at once). */
  attempts?: number;
  /** How long a run waits for Redis to answer before it fails [ms] (default 10 000). */
  connectTimeoutMs?: number;
  /** How long a run waits for a Redis that went away during it to come back [ms] (default 30 000). */
  reconnectTimeoutMs?: number;
}

/** How long a run waits for a Redis lost mid-run by default [ms]. */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000;

/** The coordinator's pause before reconnection attempt `times` [ms]: 0.25 s doubling to 2 s. */
function coordinatorBackoffMs(times: number): number {
  return Math.min(250 * 2 ** Math.max(0, times - 1), 2000);
}

/** Beyond a job's stop grace: the worker's look for cancel keys (1 s) and the way back [ms]. */
const CANCEL_MARGIN_MS = 5000;

/** How long closing waits for a Redis that may have gone away [ms]. */
const CLOSE_WAIT_MS = 5000;

export class BullmqExecutor implements Executor {
  readonly name: string;
  /** Workers on any host take the jobs: temporaries in a shared output directory may be live. */
  readonly capabilities: ExecutorCapabilities = { local: false, concurrency: undefined };
  private readonly attempts: number;
  private readonly url: string;
  private readonly queueName: string;
  private readonly connection: ConnectionOptions;
  private readonly connectTimeoutMs: number;
  private readonly reconnectTimeoutMs: number;
  /** Since when a connection has been down [ms since the epoch], undefined while up. */
  private downSince: number | undefined;
  private readonly downWatchers = new Set<() => void>();
  private conn: Promise<{ queue: Queue; events: QueueEvents }> | undefined;
  private readonly opened: (Queue | QueueEvents)[] = [];
  /** The latest connection error (kept for messages; never printed as it comes). */
  private lastError: unknown;

  constructor(o: BullmqExecutorOptions) {
    this.queueName = o.queue ?? DEFAULT_QUEUE;
    this.url = o.redis;
    this.connection = redisConnection(o.redis, {
      retryStrategy: (times) => {
        this.downSince ??= Date.now();
        for (const w of this.downWatchers) w();
        return coordinatorBackoffMs(times);
      },
    });
    this.attempts = o.attempts ?? 3;
    this.connectTimeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.reconnectTimeoutMs = o.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS;
    this.name = `bullmq:${o.redis}/${this.queueName}`;
  }

  /**
   * The queue and its event stream, connected (once). The queue first: a queue that never
   * connected closes at once, a QueueEvents would wait for its connection forever.
   */
  private connect(): Promise<{ queue: Queue; events: QueueEvents }> {
    this.conn ??= (async () => {
      try {
        const queue = this.open(new Queue(this.queueName, { connection: this.connection }));
        await waitReady(
          queue.waitUntilReady(),
          this.url,
          this.connectTimeoutMs,
          () => this.lastError,
        );
        const events = this.open(new QueueEvents(this.queueName, { connection: this.connection }));
        await waitReady(
          events.waitUntilReady(),
          this.url,
          this.connectTimeoutMs,
          () => this.lastError,
        );
        return { queue, events };
      } catch (err) {
        // Stop the reconnecting; a later run tries again.
        await this.close();
        this.conn = undefined;
        throw err;
      }
    })();
    return this.conn;
  }

  private open<T extends Queue | QueueEvents>(x: T): T {
    // Both emit 'error' (the overloads of their `on` do not combine into one signature).
    (x as unknown as EventEmitter).on('error', (err: unknown) => {
      this.lastError = err;
    });
    (x.getBackend() as unknown as EventEmitter).on('ready', () => {
      this.downSince = undefined;
    });
    this.opened.push(x);
    return x;
  }

  async runAll(
    runId: string,
    tasks: readonly Task[],
    hooks: ExecutorHooks,
    signal?: AbortSignal,
  ): Promise<void> {
    const { queue, events } = await this.connect();
    // Following many jobs at once adds one listener per job to the queue and its events.
    queue.setMaxListeners(tasks.length + 16);
    events.setMaxListeners(tasks.length + 16);
    const keyOf = new Map(tasks.map((t) => [jobIdFor(runId, t.key), t.key]));
    // Every activation is an attempt (a job redone after its worker died is activated again).
    const onActive = ({ jobId }: { jobId: string }): void => {
      const key = keyOf.get(jobId);
      if (key !== undefined) hooks.onStart(key);
    };
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
      const key = keyOf.get(jobId);
      if (key !== undefined && isProgressBatch(data)) deliverProgress(hooks, key, data);
    };
    events.on('active', onActive);
    events.on('progress', onProgress);
    try {
      // A finished job with the same id is stale (its shard file is missing): run it again.
      for (const t of tasks) {
        const old = await queue.getJob(jobIdFor(runId, t.key));
        if (old && ((await old.isCompleted()) || (await old.isFailed()))) await old.remove();
      }
      const jobs = await queue.addBulk(
        tasks.map((t) => ({
          name: t.request.type,
          data: {
            type: t.request.type,
            payload: t.request.payload,
            ...(t.stopGraceMs ? { stopGraceMs: t.stopGraceMs } : {}),
          } satisfies QueuedJob,
          opts: {
            jobId: jobIdFor(runId, t.key),
            attempts: t.attempts ?? this.attempts,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: { age: 24 * 3600 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })),
      );
      const aborted = new Promise<void>((resolve) => {
        if (signal?.aborted) resolve();
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      const follow = (job: Job, key: string): Promise<void> =>
        job.waitUntilFinished(events).then(
          (result: unknown) => hooks.onDone(key, result),
          (err: unknown) =>
            hooks.onFail(key, decodeFailure(err instanceof Error ? err.message : String(err))),
        );
      let finished = 0;
      const lost = this.lostWatch(() => `${finished} of ${tasks.length} jobs of this run finished`);
      const follows = jobs.map((j, i) => follow(j, tasks[i]!.key).then(() => void finished++));
      try {
        await Promise.race([Promise.all(follows), aborted, lost.promise]);
        if (signal?.aborted) {
          const removed = await this.removeUnstarted(queue, runId, tasks);
          // Started jobs that stop by themselves are asked to, and waited for (their grace, and
          // a bit); a removed job never ends, so it is not waited for.
          const started = tasks.filter((t) => !removed.has(t.key));
          const grace = Math.max(0, ...started.map((t) => t.stopGraceMs ?? 0));
          if (grace > 0) {
            await this.cancelStarted(queue, runId, started);
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([
              Promise.all(follows.filter((_, i) => !removed.has(tasks[i]!.key))),
              lost.promise,
              new Promise<void>((r) => (timer = setTimeout(r, grace + CANCEL_MARGIN_MS))),
            ]);
            clearTimeout(timer);
          }
        }
      } finally {
        lost.stop();
      }
    } finally {
      events.off('active', onActive);
      events.off('progress', onProgress);
    }
  }

  /**
   * Rejects once a connection has been down for `reconnectTimeoutMs` without coming back:
   * checked when a reconnection attempt starts and every second while one is down.
   */
  private lostWatch(progress: () => string): { promise: Promise<never>; stop: () => void } {
    let timer: NodeJS.Timeout | undefined;
    let fail: (err: unknown) => void = () => undefined;
    const promise = new Promise<never>((_resolve, reject) => (fail = reject));
    const check = (): void => {
      const since = this.downSince;
      if (since === undefined) {
        clearInterval(timer);
        timer = undefined;
        return;
      }
      if (Date.now() - since >= this.reconnectTimeoutMs) {
        stop();
        fail(redisLost(this.url, this.reconnectTimeoutMs, progress(), this.lastError));
        return;
      }
      timer ??= setInterval(check, Math.min(1000, this.reconnectTimeoutMs));
    };
    const stop = (): void => {
      clearInterval(timer);
      this.downWatchers.delete(check);
    };
    this.downWatchers.add(check);
    check();
    return { promise, stop };
  }

  /** Removes the run's jobs that no worker has taken yet; returns their task keys. */
  private async removeUnstarted(
    queue: Queue,
    runId: string,
    tasks: readonly Task[],
  ): Promise<Set<string>> {
    const removed = new Set<string>();
    for (const t of tasks) {
      const job = await queue.getJob(jobIdFor(runId, t.key));
      if (!job) continue;
      const state = await job.getState();
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
        const gone = await job.remove().then(
          () => true,
          () => false,
        );
        if (gone) removed.add(t.key);
      }
    }
    return removed;
  }

  /** Asks the workers running the run's jobs that have a stop grace to stop them. */
  private async cancelStarted(queue: Queue, runId: string, tasks: readonly Task[]): Promise<void> {
    const client = await queue.getBackend().client;
    for (const t of tasks) {
      if (!t.stopGraceMs) continue;
      const id = jobIdFor(runId, t.key);
      await client.set(cancelKey(this.queueName, id), '1', { EX: CANCEL_TTL_S });
    }
  }

  /** Closes the connections; a Redis that went away is not waited for long. */
  async close(): Promise<void> {
    const opened = this.opened.splice(0).reverse();
    for (const x of opened) await closeWithin(x.close(), CLOSE_WAIT_MS);
  }
}
