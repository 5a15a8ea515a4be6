/**
 * The distributed runner against a real redis-server (no mocks) and real `bragg worker`
 * processes. Skips, saying why, when redis-server or dist/ is absent.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import { DEFAULT_QUEUE, redisConnection } from '../../src/jobs/bullmq-common.js';
import { BullmqExecutor } from '../../src/jobs/bullmq-executor.js';
import { runSharded } from '../../src/jobs/sharded-run.js';
import type { RedisHandle, WorkerProcess } from '../support/jobs/redis.js';
import { hasRedisServer, spawnWorker, startRedis, stopProcess } from '../support/jobs/redis.js';
import { syntheticPlan } from '../support/jobs/synthetic.js';
import { writeSmallSweep } from '../support/jobs/sweep.js';
import { main } from '../../src/cli/main.js';
import { PhaseDataset } from '../../src/workflows/phase/dataset/reader.js';
import { loadSweep } from '../../src/workflows/phase/dataset/sweep.js';
import { runPhaseDataset } from '../../src/workflows/phase/dataset/run.js';
import { RunRegistry } from '../../src/jobs/run-registry.js';
import type { ShardResult } from '../../src/jobs/types.js';
import { localExecutor } from '../support/jobs/executors.js';
import { ValidationError } from '../../src/core/errors.js';
import { failureError } from '../../src/jobs/run-job.js';

const built = existsSync(join(packageRoot(), 'dist', 'src', 'cli', 'commands', 'worker.js'));
const reason = !hasRedisServer()
  ? 'redis-server is not installed (apt-get install redis-server)'
  : !built
    ? 'dist/ is not built (npm run build)'
    : '';

// Short locks so that a killed worker's job is redone within seconds.
const FAST = ['--concurrency', '1', '--lock-duration', '1500', '--stalled-interval', '500'];

describe.skipIf(reason !== '')(`BullMQ runner with real Redis ${reason}`, () => {
  let redis: RedisHandle;
  let dir: string;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'bragg-bullmq-'));
  });
  afterAll(async () => {
    for (const w of workers) await stopProcess(w.proc, 'SIGKILL');
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Two live workers, reused across tests (a killed one is replaced). */
  async function twoWorkers(): Promise<[WorkerProcess, WorkerProcess]> {
    for (let i = workers.length - 1; i >= 0; i--) {
      const p = workers[i]!.proc;
      if (p.exitCode !== null || p.signalCode !== null) workers.splice(i, 1);
    }
    while (workers.length < 2) workers.push(spawnWorker(redis.url, FAST));
    await Promise.all(workers.map((w) => w.waitFor((e) => e.event === 'ready')));
    return [workers[0]!, workers[1]!];
  }

  /** Workers stay up for the next test; afterAll stops them. */
  async function stopAll(): Promise<void> {}

  it('a worker killed mid-shard: the other redoes it; all shards present once, bytes as a local run', async () => {
    const out = join(dir, 'kill');
    const [a] = await twoWorkers();
    const shards = syntheticPlan(out, { shards: 6, rows: 30, cpuMsPerRow: 20 });
    const ex = new BullmqExecutor({ redis: redis.url });
    try {
      const killed = a
        .waitFor((e) => e.event === 'active')
        .then((e) => {
          a.proc.kill('SIGKILL');
          return e.job as string;
        });
      const r = await runSharded({
        runId: 'kill',
        kind: 'test',
        outDir: out,
        configHash: 'h',
        config: {},
        shards,
        executor: ex,
      });
      const killedJob = await killed;
      expect(r.status).toBe('completed');
      expect(r.failed).toEqual([]);
      expect(r.done.map((d) => d.id)).toEqual(shards.map((s) => s.id));
      // The killed job was finished by the surviving worker.
      const redone = r.done.find((d) => `kill.${d.id}` === killedJob)!;
      expect(redone.worker).not.toContain(`:${a.proc.pid}:`);
      expect((await readdir(join(out, 'shards'))).sort()).toEqual(
        shards.map((s) => `${s.id}.bin`).sort(),
      );
      // Same payloads computed locally give the same bytes.
      const local = localExecutor(1);
      const ref = join(dir, 'kill-local');
      const rl = await runSharded({
        runId: 'kill-local',
        kind: 'test',
        outDir: ref,
        configHash: 'h',
        config: {},
        shards: syntheticPlan(ref, { shards: 6, rows: 30 }),
        executor: local,
      });
      await local.close();
      expect(r.done.map((d) => d.sha256)).toEqual(rl.done.map((d) => d.sha256));
    } finally {
      await ex.close();
      await stopAll();
    }
  });

  it('a poisoned shard is reported with its typed error (rebuilt as its class) while the others complete', async () => {
    const out = join(dir, 'poison');
    await twoWorkers();
    const ex = new BullmqExecutor({ redis: redis.url });
    try {
      const shards = syntheticPlan(out, { shards: 4, rows: 5, poison: ['b2'] });
      const r = await runSharded({
        runId: 'poison',
        kind: 'test',
        outDir: out,
        configHash: 'h',
        config: {},
        shards,
        executor: ex,
      });
      expect(r.status).toBe('failed');
      expect(r.done.map((d) => d.id)).toEqual(['b0', 'b1', 'b3']);
      expect(r.failed.map((f) => f.id)).toEqual(['b2']);
      // The worker's typed error crossed Redis as data and comes back as its own class.
      expect(r.failed[0]!.error).toMatchObject({ name: 'ValidationError', permanent: true });
      const err = failureError(r.failed[0]!.error);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('poison');
      expect(err.message).toMatch(/poisoned/);
    } finally {
      await ex.close();
      await stopAll();
    }
  });

  it('interrupting the coordinator and running again completes the dataset', async () => {
    const out = join(dir, 'resume');
    await twoWorkers();
    const shards = syntheticPlan(out, { shards: 8, rows: 10, cpuMsPerRow: 10 });
    const base = {
      runId: 'resume',
      kind: 'test',
      outDir: out,
      configHash: 'h',
      config: {},
      shards,
    };
    const ac = new AbortController();
    const ex1 = new BullmqExecutor({ redis: redis.url });
    const r1 = await runSharded({
      ...base,
      executor: ex1,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.event.kind === 'done') ac.abort();
      },
    });
    await ex1.close();
    expect(r1.status).toBe('interrupted');
    expect(r1.done.length).toBeLessThan(8);
    const ex2 = new BullmqExecutor({ redis: redis.url });
    try {
      const r2 = await runSharded({ ...base, executor: ex2 });
      expect(r2.status).toBe('completed');
      expect(r2.done).toHaveLength(8);
      expect(await readdir(join(out, 'shards'))).toHaveLength(8);
    } finally {
      await ex2.close();
      await stopAll();
    }
  });

  it('the same shard delivered twice yields one identical file', async () => {
    const out = join(dir, 'dup');
    await twoWorkers();
    const conn = redisConnection(redis.url);
    const queue = new Queue(DEFAULT_QUEUE, { connection: conn });
    const events = new QueueEvents(DEFAULT_QUEUE, { connection: conn });
    try {
      await events.waitUntilReady();
      const [shard] = syntheticPlan(out, { shards: 1, rows: 40, cpuMsPerRow: 5 });
      const jobs = await queue.addBulk([
        { name: 'x', data: shard!.request, opts: { jobId: 'dup.1' } },
        { name: 'x', data: shard!.request, opts: { jobId: 'dup.2' } },
      ]);
      const results = (await Promise.all(
        jobs.map((j) => j.waitUntilFinished(events)),
      )) as ShardResult[];
      expect(results[0]!.sha256).toBe(results[1]!.sha256);
      expect(results.filter((r) => r.written)).toHaveLength(1);
      expect(await readdir(join(out, 'shards'))).toEqual(['b0.bin']);
    } finally {
      await events.close();
      await queue.close();
      await stopAll();
    }
  });

  it('bragg simulate dataset --redis with a worker SIGKILLed mid-shard gives the local dataset, pattern by pattern', async () => {
    const sweepPath = await writeSmallSweep(dir, { count: 20, chunk: 5, size: 256 });
    const sweep = await loadSweep(sweepPath);
    const local = localExecutor(1);
    const ref = await runPhaseDataset({ sweep, outDir: join(dir, 'ds-local'), executor: local });
    await local.close();
    const [a] = await twoWorkers();
    const killed = a
      .waitFor((e) => e.event === 'active' && String(e.job).startsWith('ds-'), 60_000)
      .then(() => a.proc.kill('SIGKILL'));
    const db = join(dir, 'runs.sqlite');
    const out = join(dir, 'ds-redis');
    const code = await main([
      'node',
      'bragg',
      'simulate',
      'dataset',
      sweepPath,
      '-o',
      out,
      '--redis',
      redis.url,
      '--json',
      '--db',
      db,
    ]);
    await killed;
    expect(code).toBe(0);
    const dl = await PhaseDataset.open(join(dir, 'ds-local'), '1d/x_all');
    const dr = await PhaseDataset.open(out, '1d/x_all');
    expect(dr.manifest.counts).toEqual(dl.manifest.counts);
    expect(dr.manifest.shards.map((s) => s.id)).toEqual(ref.manifest.shards.map((s) => s.id));
    for (const [i, s] of dl.manifest.shards.entries()) {
      const x1 = (await dl.readShard(s)).x;
      const x2 = (await dr.readShard(dr.manifest.shards[i]!)).x;
      expect(
        Buffer.from(x2.buffer, x2.byteOffset, x2.byteLength).equals(
          Buffer.from(x1.buffer, x1.byteOffset, x1.byteLength),
        ),
      ).toBe(true);
    }
    expect((await readdir(join(out, 'shards'))).length).toBe(dl.manifest.shards.length);
    const reg = RunRegistry.open(db);
    try {
      const run = reg.getRun(dr.manifest.runId);
      expect(run).toMatchObject({ status: 'completed', failedShards: 0, patterns: 120 });
      expect(run.executor).toBe(`bullmq:${redis.url}/${DEFAULT_QUEUE}`);
      // The shard the killed worker held was started again by the other worker.
      expect(reg.shards(run.id).some((x) => x.attempts >= 2)).toBe(true);
    } finally {
      reg.close();
    }
  });
});
