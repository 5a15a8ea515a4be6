import type { CommandModule } from '../../workflows/command.js';
import { ValidationError } from '../../core/errors.js';
import { DEFAULT_QUEUE } from '../../jobs/bullmq-common.js';
import { startQueueWorker } from '../../jobs/bullmq-worker.js';
import { appJobWorker } from '../../app/jobs.js';

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) {
      throw new ValidationError(`expected a positive integer, got '${v}'`, flag);
    }
    return n;
  };
}

export const workerCommand: CommandModule = {
  name: 'worker',
  register(program) {
    program
      .command('worker')
      .description(
        'Run jobs from a BullMQ queue on Redis (start one per host; outputs go to the run\n' +
          'directory, which every worker must see at the same path). Ctrl-C finishes the\n' +
          'running jobs and stops; a second Ctrl-C abandons them (another worker redoes them).',
      )
      .requiredOption('--redis <url>', 'Redis URL, redis://host:port[/db]')
      .option(
        '--concurrency <n>',
        'jobs at a time, one worker thread each (default: cores)',
        positiveInt('--concurrency'),
      )
      .option('--queue <name>', 'queue name', DEFAULT_QUEUE)
      .option(
        '--lock-duration <ms>',
        'job lock duration [ms]',
        positiveInt('--lock-duration'),
        30_000,
      )
      .option(
        '--stalled-interval <ms>',
        'stalled-job check interval [ms]',
        positiveInt('--stalled-interval'),
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
          const worker = startQueueWorker({
            redis: opts.redis,
            worker: appJobWorker(),
            queue: opts.queue,
            ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
            lockDurationMs: opts.lockDuration,
            stalledIntervalMs: opts.stalledInterval,
            onEvent: (e) =>
              log({ event: e.kind, job: e.jobId, ...(e.message ? { message: e.message } : {}) }),
          });
          await worker.ready();
          log({
            event: 'ready',
            queue: opts.queue,
            concurrency: worker.concurrency,
            pid: process.pid,
          });
          await new Promise<void>((resolve) => {
            let stopping = false;
            const stop = (): void => {
              const force = stopping;
              stopping = true;
              log({ event: force ? 'abandoning running jobs' : 'stopping after running jobs' });
              void worker.close(force).then(resolve, resolve);
            };
            process.on('SIGINT', stop);
            process.on('SIGTERM', stop);
          });
          log({ event: 'stopped' });
        },
      );
  },
};
