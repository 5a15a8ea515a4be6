import type { CommandModule } from '../../workflows/command.js';
import { numberArg } from '../../workflows/flags.js';
import { DEFAULT_QUEUE } from '../../jobs/bullmq-common.js';
import { startQueueWorker, type QueueWorkerEvent } from '../../jobs/bullmq-worker.js';
import { appJobWorker } from '../../app/jobs.js';

/** A worker event as a log line's fields (`redis-down` says where, why and when it retries). */
function eventLine(e: QueueWorkerEvent, redis: string): Record<string, unknown> {
  if (e.kind === 'redis-down') {
    return {
      event: 'redis-down',
      redis,
      ...(e.message ? { message: e.message } : {}),
      attempt: e.attempt,
      retryInS: (e.retryInMs ?? 0) / 1000,
    };
  }
  if (e.kind === 'redis-up') return { event: 'redis-up', redis };
  return { event: e.kind, job: e.jobId, ...(e.message ? { message: e.message } : {}) };
}

export const workerCommand: CommandModule = {
  name: 'worker',
  register(program) {
    program
      .command('worker')
      .description(
        'Run jobs from a BullMQ queue on Redis (start one per host; outputs go to the run\n' +
          'directory, which every worker must see at the same path). Ctrl-C (or SIGTERM) finishes\n' +
          'the running jobs and stops; a second one abandons them (another worker redoes them), as\n' +
          'does the first while Redis is unreachable (the worker keeps reconnecting until then).',
      )
      .requiredOption('--redis <url>', 'Redis URL, redis://host:port[/db]')
      .option(
        '--concurrency <n>',
        'jobs at a time, one worker thread each (default: cores)',
        numberArg('concurrency', { int: true, min: 1 }),
      )
      .option('--queue <name>', 'queue name', DEFAULT_QUEUE)
      .option(
        '--lock-duration <ms>',
        'job lock duration [ms]',
        numberArg('lockDuration', { int: true, min: 1 }),
        30_000,
      )
      .option(
        '--stalled-interval <ms>',
        'stalled-job check interval [ms]',
        numberArg('stalledInterval', { int: true, min: 1 }),
        30_000,
      )
      .option('--json', 'one JSON line per event')
      .action(
        async (opts: {
          redis: string;
          concurrency?: number;
          queue: string;
          lockDuration: number;
          stalledInterval: number;
          json?: boolean;
        }) => {
          const log = (e: Record<string, unknown>): void => {
            const line = opts.json
              ? JSON.stringify({ time: new Date().toISOString(), ...e })
              : `${new Date().toISOString()} ${Object.values(e).join(' ')}`;
            process.stdout.write(`${line}\n`);
          };
          // Signals first: a worker that cannot reach Redis still stops on the first one.
          let stopping = false;
          let resolveStopped: () => void = () => undefined;
          const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
          const stop = (): void => {
            const force = stopping || !worker.connected;
            stopping = true;
            log({
              event: force ? 'abandoning running jobs' : 'stopping after running jobs',
              ...(worker.connected ? {} : { reason: 'Redis is not connected' }),
            });
            void worker.close(force).then(resolveStopped, resolveStopped);
          };
          const worker = startQueueWorker({
            redis: opts.redis,
            worker: appJobWorker(),
            queue: opts.queue,
            ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
            lockDurationMs: opts.lockDuration,
            stalledIntervalMs: opts.stalledInterval,
            onEvent: (e) => log(eventLine(e, opts.redis)),
          });
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
          try {
            await Promise.race([
              worker.ready().then(() =>
                log({
                  event: 'ready',
                  queue: opts.queue,
                  concurrency: worker.concurrency,
                  pid: process.pid,
                }),
              ),
              stopped,
            ]);
            await stopped;
          } finally {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
          }
          log({ event: 'stopped' });
        },
      );
  },
};
