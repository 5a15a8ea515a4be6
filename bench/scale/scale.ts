/**
 * `bragg bench scale`: simulation throughput of the job system on this machine — patterns/s
 * with 1 and 2 local worker threads and with 2 `bragg worker` processes through a local
 * redis-server (when installed), for the seed sweep (examples/sweeps/seed.yaml, scaled down);
 * the projected wall time of the seed's 2.5 million patterns; the per-job queue overhead and
 * the bytes written per pattern, from which the scaling limits follow.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { loadSweep, resolveSweep } from '../../src/workflows/phase/dataset/sweep.js';
import type { ResolvedSweep } from '../../src/workflows/phase/dataset/sweep.js';
import { BullmqExecutor } from '../../src/jobs/bullmq-executor.js';
import { runPhaseDataset } from '../../src/workflows/phase/dataset/run.js';
import type { Executor } from '../../src/jobs/executor.js';
import { createExecutor } from '../../src/app/context.js';
import { runSharded } from '../../src/jobs/sharded-run.js';
import type { RedisHandle, WorkerProcess } from '../../test/support/jobs/redis.js';
import {
  hasRedisServer,
  spawnWorker,
  startRedis,
  stopProcess,
} from '../../test/support/jobs/redis.js';
import { syntheticPlan } from '../../test/support/jobs/synthetic.js';

export const SEED_PATTERNS = 2_500_000;

/** The sweep's profileMethod under test. */
export type Method = 'image' | 'exact' | 'rings';

export interface ScaleCase {
  method: Method;
  executor: string;
  patterns: number;
  wallS: number;
  patternsPerS: number;
  /** Wall time of the same run on fresh threads (includes building tables and grids). */
  firstRunS: number;
}

export interface ScaleResult {
  machine: { cores: number; node: string };
  sweep: string;
  patternsPerRun: number;
  cases: ScaleCase[];
  /** Per-job overhead: jobs/s of empty synthetic jobs, local pool vs BullMQ. */
  queue: { executor: string; jobs: number; jobsPerS: number }[];
  /** Shard bytes per pattern (npz: x_all, x_px, x_q + labels). */
  bytesPerPattern: number;
  projection: { method: string; executor: string; hours: number }[];
  redis: string | undefined;
}

async function scaled(
  patternsPerClass: number,
  chunk: number,
  method: Method,
): Promise<ResolvedSweep> {
  const path = join(packageRoot(), 'examples', 'sweeps', 'seed.yaml');
  const base = await loadSweep(path);
  const sweep = {
    ...base.sweep,
    seeds: [base.sweep.seeds[0]!],
    orientations: { ...base.sweep.orientations, count: patternsPerClass },
    chunkSize: chunk,
    profileMethod: method,
  };
  return resolveSweep(sweep, dirname(path), path);
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) n += (await stat(join(dir, f))).size;
  return n;
}

export async function benchScale(o: {
  patternsPerClass?: number;
  chunk?: number;
  methods?: Method[];
  redis?: boolean;
  log?: (line: string) => void;
}): Promise<ScaleResult> {
  const log = o.log ?? (() => undefined);
  const perClass = o.patternsPerClass ?? 40;
  const chunk = o.chunk ?? 10;
  const work = await mkdtemp(join(tmpdir(), 'bragg-bench-scale-'));
  let redis: RedisHandle | undefined;
  const workers: WorkerProcess[] = [];
  const cases: ScaleCase[] = [];
  const queue: ScaleResult['queue'] = [];
  let bytesPerPattern = 0;
  let patternsPerRun = 0;
  try {
    if ((o.redis ?? true) && hasRedisServer()) {
      redis = await startRedis();
      for (let i = 0; i < 2; i++) workers.push(spawnWorker(redis.url, ['--concurrency', '1']));
      await Promise.all(workers.map((w) => w.waitFor((e) => e.event === 'ready')));
    } else {
      log('redis-server not found: skipping the BullMQ cases');
    }
    const executors: [string, () => Executor][] = [
      ['local:1', () => createExecutor({ workers: 1 })],
      ['local:2', () => createExecutor({ workers: 2 })],
    ];
    if (redis)
      executors.push([
        'bullmq:2 workers',
        () => new BullmqExecutor({ redis: redis!.url, queue: 'bragg-jobs' }),
      ]);
    let k = 0;
    for (const method of o.methods ?? (['image', 'exact', 'rings'] as Method[])) {
      const sweep = await scaled(perClass, chunk, method);
      for (const [name, make] of executors) {
        const ex = make();
        try {
          // Warm-up: each worker thread builds its reflection tables and orientation grid
          // once (seconds) and reuses them for every later shard; the timed run measures the
          // steady state that a long sweep sees.
          const w0 = performance.now();
          await runPhaseDataset({ sweep, outDir: join(work, `warm-${k++}`), executor: ex });
          const warmS = (performance.now() - w0) / 1000;
          const out = join(work, `run-${k++}`);
          const t0 = performance.now();
          const r = await runPhaseDataset({ sweep, outDir: out, executor: ex });
          const wallS = (performance.now() - t0) / 1000;
          patternsPerRun = r.manifest.counts.patterns;
          if (bytesPerPattern === 0) {
            bytesPerPattern = (await dirBytes(join(out, 'shards'))) / patternsPerRun;
          }
          const c = {
            method,
            executor: name,
            patterns: patternsPerRun,
            wallS,
            patternsPerS: patternsPerRun / wallS,
            firstRunS: warmS,
          };
          cases.push(c);
          log(
            `${method.padEnd(6)} ${name.padEnd(17)} ${c.patterns} patterns in ${wallS.toFixed(1)} s → ${c.patternsPerS.toFixed(1)} patterns/s (first run with setup ${warmS.toFixed(1)} s)`,
          );
        } finally {
          await ex.close();
        }
      }
    }
    // Queue overhead: empty jobs.
    for (const [name, make] of executors.filter(([n]) => n !== 'local:1')) {
      const out = join(work, `queue-${k++}`);
      const ex = make();
      const jobs = 200;
      try {
        const t0 = performance.now();
        await runSharded({
          runId: `bench-queue-${k}`,
          kind: 'bench',
          outDir: out,
          configHash: '-',
          config: {},
          shards: syntheticPlan(out, { shards: jobs, rows: 1, width: 1 }),
          executor: ex,
        });
        const s = (performance.now() - t0) / 1000;
        queue.push({ executor: name, jobs, jobsPerS: jobs / s });
        log(`queue  ${name.padEnd(17)} ${jobs} empty jobs → ${(jobs / s).toFixed(0)} jobs/s`);
      } finally {
        await ex.close();
      }
    }
  } finally {
    for (const w of workers) await stopProcess(w.proc);
    await redis?.stop();
    await rm(work, { recursive: true, force: true });
  }
  const projection = cases.map((c) => ({
    method: c.method,
    executor: c.executor,
    hours: SEED_PATTERNS / c.patternsPerS / 3600,
  }));
  return {
    machine: { cores: availableParallelism(), node: process.version },
    sweep: 'examples/sweeps/seed.yaml (1 seed, scaled down)',
    patternsPerRun,
    cases,
    queue,
    bytesPerPattern,
    projection,
    redis: redis?.url,
  };
}
