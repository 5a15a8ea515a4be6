/**
 * `bragg simulate dataset`: a resolved sweep → its shards as `simulate-shard` jobs → an
 * executor (worker threads here, or BullMQ workers) → `manifest.json`. The run id is a
 * function of the dataset id and the output directory, so running the same command again
 * resumes the same run.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ResolvedSweep } from '../simulate/sweep/config.js';
import { sha256Hex } from '../simulate/sweep/config.js';
import type { DatasetManifest } from '../simulate/sweep/manifest.js';
import { MANIFEST_NAME, buildManifest } from '../simulate/sweep/manifest.js';
import { planShards } from '../simulate/sweep/plan.js';
import type { Executor } from './executor.js';
import type { RunRegistry } from './run-registry.js';
import type { PlannedShard, Progress, ShardedRunResult } from './sharded-run.js';
import { runSharded } from './sharded-run.js';

export interface DatasetRunOptions {
  sweep: ResolvedSweep;
  outDir: string;
  executor: Executor;
  registry?: RunRegistry;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface DatasetRunResult {
  manifest: DatasetManifest;
  manifestPath: string;
  result: ShardedRunResult;
}

export function datasetRunId(datasetId: string, outDir: string): string {
  return `ds-${datasetId.slice(0, 8)}-${sha256Hex(resolve(outDir)).slice(0, 6)}`;
}

export async function runDataset(o: DatasetRunOptions): Promise<DatasetRunResult> {
  const r = o.sweep;
  const outDir = resolve(o.outDir);
  await mkdir(join(outDir, 'shards'), { recursive: true });
  const runId = datasetRunId(r.datasetId, outDir);
  let createdAt = new Date().toISOString();
  if (o.registry) {
    try {
      createdAt = o.registry.getRun(runId).createdAt;
    } catch {
      // a new run
    }
  }
  const specs = planShards(r);
  const shards: PlannedShard[] = specs.map((s) => {
    const phase = s.phaseIndex === undefined ? undefined : r.phases[s.phaseIndex]!;
    return {
      id: s.id,
      file: s.file,
      count: s.count,
      request: {
        type: 'simulate-shard',
        payload: {
          datasetId: r.datasetId,
          outDir,
          createdAt,
          classes: r.classes,
          sweep: r.sweep,
          phase: phase
            ? { name: phase.name, cifText: phase.cifText, cifSha256: phase.cifSha256 }
            : null,
          shard: {
            id: s.id,
            classIndex: s.classIndex,
            seed: s.seed,
            block: s.block,
            start: s.start,
            count: s.count,
            shardSeed: s.shardSeed,
            file: s.file,
            latticeScale: phase?.latticeScale ?? null,
          },
        },
      },
    };
  });
  const result = await runSharded({
    runId,
    kind: 'simulate-dataset',
    outDir,
    configHash: r.hash,
    config: { source: r.source, sweep: r.sweep },
    createdAt,
    shards,
    executor: o.executor,
    ...(o.registry ? { registry: o.registry } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const manifest = buildManifest(r, {
    runId,
    createdAt,
    planned: specs,
    done: new Map(result.done.map((d) => [d.id, d.sha256])),
    failed: result.failed.map((f) => ({ id: f.id, error: `${f.error.name}: ${f.error.message}` })),
  });
  const manifestPath = join(outDir, MANIFEST_NAME);
  // The manifest changes as a run progresses: replace it atomically (write, then rename).
  const tmp = `${manifestPath}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, manifestPath);
  if (o.registry) {
    o.registry.addArtifact(runId, 'manifest', manifestPath);
    o.registry.addLineage(runId, 'output', 'dataset', r.datasetId);
  }
  return { manifest, manifestPath, result };
}
