/**
 * Redis that is not there, or goes away: the coordinator gives up after its connect timeout
 * with one error naming the URL (no endless retries, no raw error objects), and `bragg worker`
 * keeps reconnecting with one line per back-off step but stops on the first SIGTERM or SIGINT.
 * Real processes throughout (redis-server, `node bin/bragg.js`); parts that need redis-server or
 * dist/ skip, saying why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BraggError } from '../../src/core/errors.js';
import { packageRoot } from '../../src/core/paths.js';
import { DEFAULT_QUEUE, redisConnection } from '../../src/jobs/bullmq-common.js';
import { BullmqExecutor } from '../../src/jobs/bullmq-executor.js';
import { RunRegistry } from '../../src/jobs/run-registry.js';
import { runSharded } from '../../src/jobs/sharded-run.js';
import { runBragg } from '../support/cli/spawn.js';
import type { WorkerProcess } from '../support/jobs/redis.js';
import {
  exited,
  freePort,
  hasRedisServer,
  spawnWorker,
  startRedis,
  stopProcess,
} from '../support/jobs/redis.js';
import { writeSmallSweep } from '../support/jobs/sweep.js';
import { syntheticPlan } from '../support/jobs/synthetic.js';

const built = existsSync(join(packageRoot(), 'dist', 'src', 'cli', 'commands', 'worker.js'));
const noDist = built ? '' : '(dist/ is not built: npm run build)';
const noRedis = hasRedisServer() ? '' : '(redis-server is not installed)';

let dir: string;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-redis-down-'));
});
afterAll(async () => {
  for (const w of workers) await stopProcess(w.proc, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** redis-server on `port` of 127.0.0.1 (a restart where the old one was), once it accepts connections. */
async function redisOn(port: number): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return proc;
}

/** A URL where nothing listens (a port just freed). */
async function deadUrl(): Promise<string> {
  return `redis://127.0.0.1:${await freePort()}`;
}

describe('the coordinator with no Redis', () => {
  it('a run fails after the connect timeout with one typed error naming the URL; the registry says failed', async () => {
    const url = await deadUrl();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const reg = RunRegistry.open(join(dir, 'runs.sqlite'));
    const ex = new BullmqExecutor({ redis: url, connectTimeoutMs: 1500 });
    try {
      const out = join(dir, 'no-redis');
      const run = runSharded({
        runId: 'no-redis',
        kind: 'test',
        outDir: out,
        configHash: 'h',
        config: {},
        shards: syntheticPlan(out, { shards: 2, rows: 2 }),
        executor: ex,
        registry: reg,
      });
      const err: unknown = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BraggError);
      expect(err).toMatchObject({ code: 'TIMEOUT' });
      expect((err as Error).message).toContain(`cannot reach Redis at ${url}`);
      expect((err as Error).message).toMatch(/ECONNREFUSED/);
      // Nothing printed the connection errors as they came (BullMQ does, without a listener).
      expect(printed).not.toHaveBeenCalled();
      expect(reg.getRun('no-redis')).toMatchObject({ status: 'failed' });
      expect(reg.getRun('no-redis').error).toContain(url);
    } finally {
      await ex.close();
      reg.close();
      printed.mockRestore();
    }
  });

  it.skipIf(noDist !== '')(
    `bragg simulate dataset --redis <nothing there> exits with one line naming the URL ${noDist}`,
    async () => {
      const url = await deadUrl();
      const sweep = await writeSmallSweep(dir, { count: 4, chunk: 2, size: 256 });
      const r = await runBragg(
        [
          'simulate',
          'dataset',
          sweep,
          '-o',
          join(dir, 'ds'),
          '--redis',
          url,
          '--db',
          join(dir, 'cli.sqlite'),
        ],
        { reader: 'all', killAfterMs: 60_000 },
      );
      expect(r.hung).toBe(false);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^bragg: cannot reach Redis at ${url} within 10 s`));
    },
    90_000,
  );
});

describe.skipIf(noRedis !== '')(`the coordinator whose Redis goes away mid-run ${noRedis}`, () => {
  it('fails after the reconnect timeout with one error saying how far it got; the registry says failed', async () => {
    const redis = await startRedis();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const reg = RunRegistry.open(join(dir, 'lost.sqlite'));
    const ex = new BullmqExecutor({ redis: redis.url, reconnectTimeoutMs: 1500 });
    const probe = new Queue(DEFAULT_QUEUE, { connection: redisConnection(redis.url) });
    try {
      const out = join(dir, 'lost');
      // No worker: the jobs wait in the queue, so the run is mid-way when Redis goes away.
      const run = runSharded({
        runId: 'lost',
        kind: 'test',
        outDir: out,
        configHash: 'h',
        config: {},
        shards: syntheticPlan(out, { shards: 3, rows: 2 }),
        executor: ex,
        registry: reg,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await vi.waitFor(async () => expect(await probe.getWaitingCount()).toBe(3), {
        timeout: 10_000,
        interval: 100,
      });
      await probe.close();
      await redis.kill();
      const err = await run;
      expect(err).toBeInstanceOf(BraggError);
      expect(err).toMatchObject({ code: 'TIMEOUT' });
      expect((err as Error).message).toMatch(
        new RegExp(
          `^lost Redis at ${redis.url} during the run and it did not come back within 2 s`,
        ),
      );
      expect((err as Error).message).toContain('0 of 3 jobs of this run finished');
      expect((err as Error).message).toContain('run the same command to resume');
      expect(printed).not.toHaveBeenCalled();
      expect(reg.getRun('lost')).toMatchObject({ status: 'failed' });
      expect(reg.getRun('lost').error).toContain('lost Redis');
    } finally {
      await probe.close().catch(() => undefined);
      await ex.close();
      reg.close();
      printed.mockRestore();
      await redis.stop();
    }
  }, 60_000);

  it('a Redis that is back within the reconnect timeout does not fail the run', async () => {
    const redis = await startRedis();
    const port = Number(new URL(redis.url).port);
    const ex = new BullmqExecutor({ redis: redis.url, reconnectTimeoutMs: 20_000 });
    const probe = new Queue(DEFAULT_QUEUE, { connection: redisConnection(redis.url) });
    let again: ChildProcess | undefined;
    const controller = new AbortController();
    try {
      const out = join(dir, 'back');
      let settled = false;
      const run = runSharded({
        runId: 'back',
        kind: 'test',
        outDir: out,
        configHash: 'h',
        config: {},
        shards: syntheticPlan(out, { shards: 2, rows: 2 }),
        executor: ex,
        signal: controller.signal,
      }).finally(() => (settled = true));
      await vi.waitFor(async () => expect(await probe.getWaitingCount()).toBe(2), {
        timeout: 10_000,
        interval: 100,
      });
      await probe.close();
      await redis.kill();
      again = await redisOn(port);
      // Reconnected and still waiting for its jobs (no worker): nothing failed.
      await new Promise((r) => setTimeout(r, 3000));
      expect(settled).toBe(false);
      controller.abort();
      await expect(run).resolves.toMatchObject({ status: 'interrupted' });
    } finally {
      await probe.close().catch(() => undefined);
      await ex.close();
      await redis.stop();
      if (again) await stopProcess(again);
    }
  }, 60_000);
});

describe.skipIf(noDist !== '')(`bragg worker with no Redis ${noDist}`, () => {
  it('reports each back-off step once and stops on the first SIGTERM', async () => {
    const url = await deadUrl();
    const w = spawnWorker(url);
    workers.push(w);
    await w.waitFor((e) => e.event === 'redis-down' && e.attempt === 3);
    const downs = w.events.filter((e) => e.event === 'redis-down');
    expect(downs.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(downs[0]).toMatchObject({ redis: url, message: expect.stringMatching(/ECONNREFUSED/) });
    w.proc.kill('SIGTERM');
    const end = await exited(w.proc);
    expect(end).toEqual({ code: 0, signal: null });
    expect(w.events.at(-1)).toMatchObject({ event: 'stopped' });
    expect(w.stderr()).toBe('');
  });
});

describe.skipIf(noDist !== '' || noRedis !== '')(
  `bragg worker whose Redis goes away ${noDist}${noRedis}`,
  () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`stops on the first ${signal} while its job runs and Redis is gone`, async () => {
        const redis = await startRedis();
        const w = spawnWorker(redis.url, ['--concurrency', '1']);
        workers.push(w);
        const queue = new Queue(DEFAULT_QUEUE, { connection: redisConnection(redis.url) });
        try {
          await w.waitFor((e) => e.event === 'ready');
          // One long job (about 20 s of work), so that it is running when Redis goes away.
          const [shard] = syntheticPlan(join(dir, `gone-${signal}`), {
            shards: 1,
            rows: 200,
            cpuMsPerRow: 100,
          });
          await queue.add('x', shard!.request, { jobId: `gone-${signal}` });
          await w.waitFor((e) => e.event === 'active');
          await queue.close();
          await redis.kill();
          await w.waitFor((e) => e.event === 'redis-down');
          w.proc.kill(signal);
          const end = await exited(w.proc);
          expect(end).toEqual({ code: 0, signal: null });
          expect(w.events.find((e) => String(e.event).startsWith('abandoning'))).toMatchObject({
            reason: 'Redis is not connected',
          });
        } finally {
          await queue.close().catch(() => undefined);
          await redis.stop();
        }
      }, 60_000);
    }
  },
);
