/**
 * `bragg simulate pacbed-dataset`: a resolved config → its shards as `pacbed-shard` jobs → an
 * executor → the training table. Executors: `InlineExecutor` (shards one after another on
 * this thread, each simulated on the multislice worker-thread pool; the default), the
 * job system's `LocalExecutor` (shards in parallel on a piscina pool), or BullMQ workers.
 * Shards whose table rows exist are skipped, so running the same command again resumes.
 */
import { availableParallelism } from 'node:os';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BraggError } from '../../../core/errors.js';
import type { Executor, ExecutorHooks, Task } from '../../../jobs/executor.js';
import { runJob } from '../../../jobs/run-job.js';
import { removeStaleTemps } from '../../../jobs/output.js';
import { runSharded, type Progress, type ShardedRunResult } from '../../../jobs/sharded-run.js';
import type { RunRegistry } from '../../../jobs/run-registry.js';
import { sha256Hex } from '../../sweep/config.js';
import { planPacbedShards, type ResolvedPacbedDataset } from './config.js';
import { seriesValues } from './schema.js';
import { TABLE_COLUMNS, type PacbedShardPayload } from './shard-job.js';

/** Runs jobs one at a time on this thread (each may use worker threads of its own). */
export class InlineExecutor implements Executor {
  readonly name = 'inline';
  async runAll(
    _runId: string,
    tasks: readonly Task[],
    hooks: ExecutorHooks,
    signal?: AbortSignal,
  ): Promise<void> {
    for (const t of tasks) {
      if (signal?.aborted) return;
      hooks.onStart(t.key);
      const out = await runJob(t.request, signal);
      if (out.ok) hooks.onDone(t.key, out.result);
      else hooks.onFail(t.key, out.error);
    }
  }
  async close(): Promise<void> {}
}

export interface PacbedDatasetRunOptions {
  dataset: ResolvedPacbedDataset;
  /** Default: `InlineExecutor`. */
  executor?: Executor;
  /** Multislice threads per shard (default: cores, at most 8, for the inline executor). */
  threads?: number;
  registry?: RunRegistry;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface PacbedDatasetRunResult {
  runId: string;
  tablePath: string;
  /** Table rows (images) written to the table. */
  rows: number;
  result: ShardedRunResult;
}

export function pacbedRunId(r: ResolvedPacbedDataset): string {
  return `pacbed-${r.datasetId.slice(0, 8)}-${sha256Hex(r.outDir).slice(0, 6)}`;
}

export async function runPacbedDataset(
  o: PacbedDatasetRunOptions,
): Promise<PacbedDatasetRunResult> {
  const r = o.dataset;
  const c = r.config;
  const shards = planPacbedShards(r);
  await mkdir(join(r.outDir, 'tables'), { recursive: true });
  const executor = o.executor ?? new InlineExecutor();
  const threads = o.threads ?? Math.min(8, availableParallelism());
  const maxAngle = c.simulation.maxAngle ?? 1.5 * Math.max(...seriesValues(c.convergenceAngles));
  const runId = pacbedRunId(r);
  if (executor.name === 'inline' || executor.name.startsWith('local:')) {
    // temporaries of an interrupted run on this machine (a shared directory's may be live)
    for (const d of ['tables', ...shards.map((s) => s.dir)])
      await removeStaleTemps(join(r.outDir, d));
  }
  const result = await runSharded({
    runId,
    kind: 'simulate-pacbed-dataset',
    outDir: r.outDir,
    configHash: r.hash,
    config: c,
    shards: shards.map((s) => {
      const payload: PacbedShardPayload = {
        outDir: r.outDir,
        cifText: r.cifText,
        cifName: r.cifPath,
        material: r.material,
        zone: c.zone,
        kv: c.kv,
        convergenceAngle: s.convergenceAngle,
        mistilt: s.mistilt,
        azimuth: s.azimuth,
        thicknesses: s.thicknesses,
        images: s.images,
        tableFile: s.tableFile,
        id: s.id,
        seed: s.seed,
        simulation: { ...c.simulation, maxAngle },
        output: { format: c.output.format, size: c.output.size, resize: c.output.resize },
        threads,
      };
      return {
        id: s.id,
        file: s.tableFile,
        count: s.thicknesses.length,
        request: { type: 'pacbed-shard', payload },
      };
    }),
    executor,
    ...(o.registry ? { registry: o.registry } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  // The training table: the finished shards' rows in shard order, replaced atomically.
  const header = TABLE_COLUMNS.join(';');
  const lines = [header];
  for (const d of result.done) {
    const text = await readFile(join(r.outDir, d.file), 'utf8');
    const [head, ...rows] = text.trimEnd().split('\n');
    if (head !== header) {
      throw new BraggError('INTERNAL', `${d.file}: unexpected header ${JSON.stringify(head)}`);
    }
    lines.push(...rows);
  }
  const tablePath = join(r.outDir, c.output.table);
  const tmp = `${tablePath}.tmp-${process.pid}`;
  await writeFile(tmp, `${lines.join('\n')}\n`);
  await rename(tmp, tablePath);
  return { runId, tablePath, rows: lines.length - 1, result };
}
