/**
 * A sharded run: every shard is one job that publishes one file. A shard whose file exists is
 * finished (a rerun resumes) when the file is the one its writer recorded — in the run
 * registry, else in the workflow's index (`PlannedShard.recorded`): same size, same sha256.
 * A file that is not (truncated, bit-flipped, replaced) is moved aside as `<file>.damaged`
 * and computed again: shard bytes are a function of the config, so the rerun restores the
 * recorded file, and the user's intent — resume to a complete, correct dataset — holds
 * without a manual step; the damaged copy is kept and reported (`replaced`, a `replaced`
 * progress event). The rest go to an executor; everything is recorded in the run registry.
 * Used by `bragg simulate dataset`, `bragg simulate pacbed-dataset` and the scale benchmark.
 */
import { dirname, join, relative } from 'node:path';
import { BraggError, NotFoundError, ValidationError, errorToData } from '../core/errors.js';
import type { Executor } from './executor.js';
import type { RecordedFile } from './output.js';
import { checkFile, fileSize, moveAside, removeStaleTemps } from './output.js';
import { failureText, type JobFailure } from './run-job.js';
import type { RunRegistry, RunStatus } from './run-registry.js';
import type { JobRequest, ShardResult } from './types.js';

export interface PlannedShard {
  id: string;
  /** Relative to the run's output directory. */
  file: string;
  count: number;
  request: JobRequest;
  /**
   * What the run that wrote this shard recorded about its file in the workflow's own index
   * (a dataset manifest): checked when the run registry has no record of the shard.
   */
  recorded?: RecordedFile | undefined;
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
  /**
   * The shard that caused this update and what happened to it (`replaced`: its file was not
   * the recorded one, was moved aside and is computed again; `error` says why).
   */
  event: {
    shard: string;
    kind: 'skipped' | 'replaced' | 'started' | 'done' | 'failed';
    error?: string;
  };
}

/** A shard file found damaged on resume, moved aside and computed again. */
export interface ReplacedShard {
  id: string;
  file: string;
  /** Where the damaged file is now (relative to the output directory). */
  movedTo: string;
  /** What differed from the record (size or sha256). */
  reason: string;
}

export interface DoneShard {
  id: string;
  file: string;
  count: number;
  sha256: string;
  /** Size of the file [bytes]. */
  bytes: number;
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
  /** Existing shard files that did not match their record (moved aside, computed again). */
  replaced: ReplacedShard[];
  /** Patterns computed by this invocation and wall time [s]. */
  computedPatterns: number;
  elapsedS: number;
  /**
   * Why the run registry could not record this run's outcome (set only when it still could not
   * at the run's end); the shards and this result are right regardless.
   */
  registryError?: JobFailure;
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
  // Nothing has run yet: a registry that cannot record the start fails the run here.
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

  // Registry writes during the run: the first failure is kept and later writes are skipped
  // (the outcome is recorded at the end in one transaction).
  let registryFailure: unknown;
  const record = (write: (r: RunRegistry) => void): void => {
    if (!o.registry || registryFailure !== undefined) return;
    try {
      write(o.registry);
    } catch (err) {
      registryFailure = err;
    }
  };

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

  // Resume: an existing file is done only if it is the one recorded for it (see the header).
  const pending: PlannedShard[] = [];
  const replaced: ReplacedShard[] = [];
  const registered = new Map<string, RecordedFile>();
  try {
    for (const r of o.registry?.shards(o.runId) ?? []) {
      if (r.status === 'done' && r.sha256) registered.set(r.shardId, { sha256: r.sha256 });
    }
  } catch {
    // a registry that cannot be read now: the workflow's records (`recorded`) still apply
  }
  for (const s of o.shards) {
    const path = join(o.outDir, s.file);
    const bytes = await fileSize(path);
    if (bytes === undefined) {
      pending.push(s);
      continue;
    }
    const check = await checkFile(path, bytes, registered.get(s.id) ?? s.recorded);
    if (check.ok) {
      const { sha256 } = check;
      done.set(s.id, { ...s, sha256, bytes, computed: false, ms: null, worker: null });
      donePatterns += s.count;
      if (!registered.has(s.id)) record((r) => r.shardDone(o.runId, s.id, { ms: null, sha256 }));
      emit({ shard: s.id, kind: 'skipped' });
      continue;
    }
    const movedTo = relative(o.outDir, await moveAside(path));
    replaced.push({ id: s.id, file: s.file, movedTo, reason: check.reason });
    pending.push(s);
    emit({
      shard: s.id,
      kind: 'replaced',
      error: `${s.file} is not the file recorded for it (${check.reason}): moved to ${movedTo}, computing it again`,
    });
  }
  const byId = new Map(pending.map((s) => [s.id, s]));

  if (pending.length > 0 && !o.signal?.aborted) {
    const running = o.executor.runAll(
      o.runId,
      pending.map((s) => ({ key: s.id, request: s.request })),
      {
        onStart: (key) => {
          record((r) => r.shardStarted(o.runId, key));
          emit({ shard: key, kind: 'started' });
        },
        onDone: (key, result) => {
          const s = byId.get(key)!;
          if (!isShardResult(result)) {
            const error = errorToData(
              new BraggError('PROTOCOL', `job returned no shard result: ${JSON.stringify(result)}`),
            );
            failed.push({ id: key, error });
            record((r) => r.shardFailed(o.runId, key, error.message));
            emit({ shard: key, kind: 'failed', error: error.message });
            return;
          }
          if (done.has(key)) return;
          done.set(key, {
            id: key,
            file: s.file,
            count: s.count,
            sha256: result.sha256,
            bytes: 0, // set below, once the file is seen here
            computed: true,
            ms: result.ms,
            worker: result.worker,
          });
          donePatterns += s.count;
          computedPatterns += s.count;
          record((r) =>
            r.shardDone(o.runId, key, {
              ms: result.ms,
              sha256: result.sha256,
              worker: result.worker,
            }),
          );
          emit({ shard: key, kind: 'done' });
        },
        onFail: (key, error) => {
          // A shard whose file is published stays done, whatever fails after (a hook, a report).
          if (done.has(key)) return;
          failed.push({ id: key, error });
          record((r) => r.shardFailed(o.runId, key, failureText(error)));
          emit({ shard: key, kind: 'failed', error: error.message });
        },
      },
      o.signal,
    );
    try {
      await running;
    } catch (err) {
      // The executor itself failed (Redis unreachable, ...): the run is not left `running`.
      const data = errorToData(err);
      record((r) => r.finishRun(o.runId, 'failed', `${data.name}: ${data.message}`));
      throw err;
    }
  }

  // A shard reported done must be visible here: catches workers that write elsewhere.
  for (const d of done.values()) {
    if (!d.computed) continue;
    const bytes = await fileSize(join(o.outDir, d.file));
    if (bytes !== undefined) {
      d.bytes = bytes;
    } else {
      done.delete(d.id);
      const error = errorToData(
        new NotFoundError(
          `a worker reported ${d.file} written but it is not in ${o.outDir}: workers must share the output directory at the same path`,
        ),
      );
      failed.push({ id: d.id, error });
      record((r) => r.shardFailed(o.runId, d.id, error.message));
    }
  }

  const status: RunStatus =
    done.size === o.shards.length ? 'completed' : o.signal?.aborted ? 'interrupted' : 'failed';
  const runError = failed.length > 0 ? `${failed.length} shard(s) failed` : undefined;
  record((r) => r.finishRun(o.runId, status, runError));
  let registryError: JobFailure | undefined;
  if (o.registry && registryFailure !== undefined) {
    try {
      o.registry.recordOutcome(o.runId, {
        done: [...done.values()],
        failed: failed.map((f) => ({ id: f.id, error: failureText(f.error) })),
        status,
        ...(runError !== undefined ? { error: runError } : {}),
      });
    } catch (err) {
      registryError = errorToData(err);
    }
  }
  const order = new Map(o.shards.map((s, i) => [s.id, i]));
  return {
    runId: o.runId,
    status,
    done: [...done.values()].sort((a, b) => order.get(a.id)! - order.get(b.id)!),
    failed,
    skipped: o.shards.length - pending.length,
    replaced,
    computedPatterns,
    elapsedS: (performance.now() - t0) / 1000,
    ...(registryError !== undefined ? { registryError } : {}),
  };
}
