/**
 * The one pipeline for sharded datasets, whatever the workflow: plan → shard jobs on any
 * executor → the dataset's index (a manifest, a table) published by the workflow → artifacts
 * and lineage in the run registry. The run id is a function of the dataset id and the output
 * directory, so running the same command again resumes the same run: finished shards are
 * skipped, missing ones are computed, and the index is rewritten from what is there.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import type { Executor } from './executor.js';
import { failureError } from './run-job.js';
import type { RunRegistry } from './run-registry.js';
import type { PlannedShard, Progress, ShardedRunResult } from './sharded-run.js';
import { runSharded } from './sharded-run.js';

/** A file a run produced, recorded in the run registry. */
export interface Artifact {
  kind: string;
  path: string;
}

/** What a workflow says about one dataset run. */
export interface DatasetRunSpec {
  /** Run kind in the registry, e.g. `simulate-dataset`. */
  kind: string;
  /** First part of the run id, e.g. `ds`. */
  runPrefix: string;
  /** The dataset's id (a function of its config). */
  datasetId: string;
  outDir: string;
  /** Hash of the config (recorded; a rerun with another config is another dataset). */
  configHash: string;
  /** The config as recorded in the registry. */
  config: unknown;
  /** The shards of the run (its `createdAt` is kept by a resumed run; `outDir` is absolute). */
  shards(run: DatasetRunInfo): PlannedShard[];
  /** Directories (relative to `outDir`) where shards leave temporaries (default: their files'). */
  tempDirs?: readonly string[];
  /** Writes the dataset's index from the run's outcome; returns the files to record. */
  publish(result: ShardedRunResult, run: DatasetRunInfo): Promise<Artifact[]>;
}

export interface DatasetRunInfo {
  runId: string;
  createdAt: string;
  outDir: string;
}

export interface DatasetRunOptions {
  executor: Executor;
  registry?: RunRegistry;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface DatasetRunOutcome extends DatasetRunInfo {
  result: ShardedRunResult;
  artifacts: Artifact[];
}

export function datasetRunId(prefix: string, datasetId: string, outDir: string): string {
  return `${prefix}-${datasetId.slice(0, 8)}-${sha256Hex(resolve(outDir)).slice(0, 6)}`;
}

export async function runDataset(
  spec: DatasetRunSpec,
  o: DatasetRunOptions,
): Promise<DatasetRunOutcome> {
  const outDir = resolve(spec.outDir);
  await mkdir(outDir, { recursive: true });
  const runId = datasetRunId(spec.runPrefix, spec.datasetId, outDir);
  const createdAt = o.registry?.findRun(runId)?.createdAt ?? new Date().toISOString();
  const info = { runId, createdAt, outDir };
  const result = await runSharded({
    runId,
    kind: spec.kind,
    outDir,
    configHash: spec.configHash,
    config: spec.config,
    createdAt,
    shards: spec.shards(info),
    ...(spec.tempDirs ? { tempDirs: spec.tempDirs } : {}),
    executor: o.executor,
    ...(o.registry ? { registry: o.registry } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const artifacts = await spec.publish(result, info);
  // The dataset is on disk and its index written; a registry that could not record the run
  // is reported now (naming its file), not hidden.
  if (result.registryError) throw failureError(result.registryError);
  if (o.registry) {
    for (const a of artifacts) o.registry.addArtifact(runId, a.kind, a.path);
    o.registry.addLineage(runId, 'output', 'dataset', spec.datasetId);
  }
  return { ...info, result, artifacts };
}
