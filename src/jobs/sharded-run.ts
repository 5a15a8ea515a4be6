/**
 * A sharded run: every shard is one job that publishes one file. Shards whose file exists are
 * finished (a rerun resumes); the rest go to an executor; everything is recorded in the run
 * registry. Used by `bragg simulate dataset` and by the scale benchmark.
 */
import { dirname, join } from 'node:path';
import { BraggError, NotFoundError, ValidationError, errorToData } from '../core/errors.js';
import type { Executor } from './executor.js';
import { fileExists, removeStaleTemps, sha256File } from './output.js';
import { failureText, type JobFailure } from './run-job.js';
import type { RunRegistry, RunStatus } from './run-registry.js';
import type { JobRequest, ShardResult } from './types.js';

export interface PlannedShard {
  id: string;
  /** Relative to the run's output directory. */
  file: string;
  count: number;
  request: JobRequest;
}

export interface Progress {
  doneShards: number;
  failedShards: number;
  totalShards: number;
  donePatterns: number;
  totalPatterns: number;
  /** Patterns per second computed in this invocation (excludes skipped shards). */
  rate: number;
  /** Estimated seconds to go, or undefined before the first shard finishes. */
  etaS: number | undefined;
  elapsedS: number;
  /** The shard that caused this update and what happened to it. */
  event: { shard: string; kind: 'skipped' | 'started' | 'done' | 'failed'; error?: string };
}

export interface DoneShard {
  id: string;
  file: string;
  count: number;
  sha256: string;
  /** False when the file existed before this invocation. */
  computed: boolean;
  ms: number | null;
  worker: string | null;
}

export interface ShardedRunOptions {
  runId: string;
  kind: string;
  outDir: string;
  configHash: string;
  config: unknown;
  /** Creation time recorded for a new run (default now). */
  createdAt?: string;
  shards: readonly PlannedShard[];
  /**
   * Directories (relative to `outDir`) where shard jobs write temporaries; default: the
   * directories of the shard files. Cleared of stale temporaries when the executor is local.
   */
  tempDirs?: readonly string[];
  executor: Executor;
  registry?: RunRegistry;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface ShardedRunResult {
  runId: string;
  status: RunStatus;
  done: DoneShard[];
  failed: { id: string; error: JobFailure }[];
  skipped: number;
  /** Patterns computed by this invocation and wall time [s]. */
  computedPatterns: number;
  elapsedS: number;
}

function isShardResult(x: unknown): x is ShardResult {
  const r = x as Partial<ShardResult> | null;
  return !!r && typeof r.sha256 === 'string' && typeof r.file === 'string';
}

export async function runSharded(o: ShardedRunOptions): Promise<ShardedRunResult> {
  const ids = new Set<string>();
  for (const s of o.shards) {
    if (ids.has(s.id)) throw new ValidationError(`duplicate shard id ${s.id}`, 'shards');
    ids.add(s.id);
  }
  const t0 = performance.now();
  o.registry?.beginRun({
    id: o.runId,
    kind: o.kind,
    executor: o.executor.name,
    configHash: o.configHash,
    config: o.config,
    outDir: o.outDir,
    shards: o.shards,
    ...(o.createdAt ? { createdAt: o.createdAt } : {}),
  });
  if (o.executor.capabilities.local) {
    // temporaries of an interrupted run on this machine (with remote workers they may be live)
    const dirs = new Set(o.tempDirs ?? o.shards.map((s) => dirname(s.file)));
    for (const d of dirs) await removeStaleTemps(join(o.outDir, d));
  }

  const totalPatterns = o.shards.reduce((a, s) => a + s.count, 0);
  const done = new Map<string, DoneShard>();
  const failed: { id: string; error: JobFailure }[] = [];
  let donePatterns = 0;
  let computedPatterns = 0;
  const emit = (event: Progress['event']): void => {
    if (!o.onProgress) return;
    const elapsedS = (performance.now() - t0) / 1000;
    const rate = elapsedS > 0 ? computedPatterns / elapsedS : 0;
    const left = totalPatterns - donePatterns;
    o.onProgress({
      doneShards: done.size,
      failedShards: failed.length,
      totalShards: o.shards.length,
      donePatterns,
      totalPatterns,
      rate,
      etaS: rate > 0 ? left / rate : undefined,
      elapsedS,
      event,
    });
  };

  const pending: PlannedShard[] = [];
  for (const s of o.shards) {
    const path = join(o.outDir, s.file);
    if (await fileExists(path)) {
      const sha256 = await sha256File(path);
      done.set(s.id, { ...s, sha256, computed: false, ms: null, worker: null });
      donePatterns += s.count;
      o.registry?.shardDone(o.runId, s.id, { ms: null, sha256 });
      emit({ shard: s.id, kind: 'skipped' });
    } else {
      pending.push(s);
    }
  }
  const byId = new Map(pending.map((s) => [s.id, s]));

  if (pending.length > 0 && !o.signal?.aborted) {
    await o.executor.runAll(
      o.runId,
      pending.map((s) => ({ key: s.id, request: s.request })),
      {
        onStart: (key) => {
          o.registry?.shardStarted(o.runId, key);
          emit({ shard: key, kind: 'started' });
        },
        onDone: (key, result) => {
          const s = byId.get(key)!;
          if (!isShardResult(result)) {
            const error = errorToData(
              new BraggError('PROTOCOL', `job returned no shard result: ${JSON.stringify(result)}`),
            );
            failed.push({ id: key, error });
            o.registry?.shardFailed(o.runId, key, error.message);
            emit({ shard: key, kind: 'failed', error: error.message });
            return;
          }
          if (done.has(key)) return;
          done.set(key, {
            id: key,
            file: s.file,
            count: s.count,
            sha256: result.sha256,
            computed: true,
            ms: result.ms,
            worker: result.worker,
          });
          donePatterns += s.count;
          computedPatterns += s.count;
          o.registry?.shardDone(o.runId, key, {
            ms: result.ms,
            sha256: result.sha256,
            worker: result.worker,
          });
          emit({ shard: key, kind: 'done' });
        },
        onFail: (key, error) => {
          failed.push({ id: key, error });
          o.registry?.shardFailed(o.runId, key, failureText(error));
          emit({ shard: key, kind: 'failed', error: error.message });
        },
      },
      o.signal,
    );
  }

  // A shard reported done must be visible here: catches workers that write elsewhere.
  for (const d of done.values()) {
    if (d.computed && !(await fileExists(join(o.outDir, d.file)))) {
      done.delete(d.id);
      const error = errorToData(
        new NotFoundError(
          `a worker reported ${d.file} written but it is not in ${o.outDir}: workers must share the output directory at the same path`,
        ),
      );
      failed.push({ id: d.id, error });
      o.registry?.shardFailed(o.runId, d.id, error.message);
    }
  }

  const status: RunStatus =
    done.size === o.shards.length ? 'completed' : o.signal?.aborted ? 'interrupted' : 'failed';
  o.registry?.finishRun(
    o.runId,
    status,
    failed.length > 0 ? `${failed.length} shard(s) failed` : undefined,
  );
  const order = new Map(o.shards.map((s, i) => [s.id, i]));
  return {
    runId: o.runId,
    status,
    done: [...done.values()].sort((a, b) => order.get(a.id)! - order.get(b.id)!),
    failed,
    skipped: o.shards.length - pending.length,
    computedPatterns,
    elapsedS: (performance.now() - t0) / 1000,
  };
}
