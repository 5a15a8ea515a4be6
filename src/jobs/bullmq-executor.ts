/**
 * The distributed executor: enqueues a run's jobs on a BullMQ queue in Redis and follows them
 * while `bragg worker` processes (any number, on any hosts) run them. Outputs go to the run's
 * output directory, which every worker must see at the same absolute path (a shared
 * file system: NFS, CephFS, a bind mount, ...). Interrupting the coordinator removes the
 * run's jobs that have not started; a rerun enqueues what is missing again.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Job } from 'bullmq';
import { DEFAULT_QUEUE, decodeFailure, jobIdFor, redisConnection } from './bullmq-common.js';
import type { Executor, ExecutorCapabilities, ExecutorHooks, Task } from './executor.js';

export interface BullmqExecutorOptions {
  redis: string;
  queue?: string;
  /** Tries per job for errors that might be transient (bad input fails at once). */
  attempts?: number;
}

export class BullmqExecutor implements Executor {
  readonly name: string;
  /** Workers on any host take the jobs: temporaries in a shared output directory may be live. */
  readonly capabilities: ExecutorCapabilities = { local: false, concurrency: undefined };
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly attempts: number;

  constructor(o: BullmqExecutorOptions) {
    const queueName = o.queue ?? DEFAULT_QUEUE;
    const connection = redisConnection(o.redis);
    this.queue = new Queue(queueName, { connection });
    this.events = new QueueEvents(queueName, { connection });
    this.attempts = o.attempts ?? 3;
    this.name = `bullmq:${o.redis}/${queueName}`;
  }

  async runAll(
    runId: string,
    tasks: readonly Task[],
    hooks: ExecutorHooks,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.events.waitUntilReady();
    // Following many jobs at once adds one listener per job to the queue and its events.
    this.queue.setMaxListeners(tasks.length + 16);
    this.events.setMaxListeners(tasks.length + 16);
    const keyOf = new Map(tasks.map((t) => [jobIdFor(runId, t.key), t.key]));
    // Every activation is an attempt (a job redone after its worker died is activated again).
    const onActive = ({ jobId }: { jobId: string }): void => {
      const key = keyOf.get(jobId);
      if (key !== undefined) hooks.onStart(key);
    };
    this.events.on('active', onActive);
    try {
      // A finished job with the same id is stale (its shard file is missing): run it again.
      for (const t of tasks) {
        const old = await this.queue.getJob(jobIdFor(runId, t.key));
        if (old && ((await old.isCompleted()) || (await old.isFailed()))) await old.remove();
      }
      const jobs = await this.queue.addBulk(
        tasks.map((t) => ({
          name: t.request.type,
          data: t.request,
          opts: {
            jobId: jobIdFor(runId, t.key),
            attempts: this.attempts,
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
        job.waitUntilFinished(this.events).then(
          (result: unknown) => hooks.onDone(key, result),
          (err: unknown) =>
            hooks.onFail(key, decodeFailure(err instanceof Error ? err.message : String(err))),
        );
      await Promise.race([Promise.all(jobs.map((j, i) => follow(j, tasks[i]!.key))), aborted]);
      if (signal?.aborted) await this.removeUnstarted(runId, tasks);
    } finally {
      this.events.off('active', onActive);
    }
  }

  private async removeUnstarted(runId: string, tasks: readonly Task[]): Promise<void> {
    for (const t of tasks) {
      const job = await this.queue.getJob(jobIdFor(runId, t.key));
      if (!job) continue;
      const state = await job.getState();
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
        await job.remove().catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
  }
}
