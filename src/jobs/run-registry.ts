/**
 * The run registry: one SQLite file (better-sqlite3) recording runs, their shards (status,
 * attempts, timings, errors), artifacts and lineage ids (dataset id → model id → prediction).
 * Only the process that coordinates a run writes it; workers report through their results.
 *
 * Location: `--db`, else `$BRAGG_RUNS_DB`, else `$BRAGG_HOME/runs.sqlite`, else
 * `~/.bragg/runs.sqlite`.
 *
 * **A damaged or busy registry.** The file is checked when it is opened (SQLite's
 * `quick_check` and bragg's tables and columns) and every statement's errors are bragg errors
 * that name the file: a file that is not a database, truncated or overwritten, a directory in
 * its place, a foreign schema or a row with broken JSON is a {@link FormatError} (or a
 * {@link RunRegistryError} with code `IO`) that says to move the file aside (bragg then creates
 * a new one). A statement that finds the registry locked by another process waits
 * `busyTimeoutMs` and is tried again `retries` times with doubling pauses; then it fails with a
 * {@link RunRegistryError} with code `TIMEOUT`. Runs decide what such a failure means (a
 * sharded run keeps its shards right and records them at its end: see `runSharded`).
 */
import Database from 'better-sqlite3';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError } from '../core/errors.js';
import {
  RUN_SELECT,
  checkRegistry,
  prepareLocation,
  registryError,
  toRun,
  toShard,
  withRetries,
  type RetryPolicy,
  type RunRecord,
  type RunStatus,
  type ShardRecord,
  type RunRow,
  type ShardRow,
} from './run-registry-sqlite.js';

export { RunRegistryError } from './run-registry-sqlite.js';

export type { RunRecord, RunStatus, ShardRecord, ShardStatus } from './run-registry-sqlite.js';

export interface ArtifactRecord {
  kind: string;
  path: string;
  sha256: string | null;
  createdAt: string;
}

export interface LineageRecord {
  role: 'input' | 'output';
  kind: string;
  refId: string;
}

export interface RunRegistryOptions {
  /** How long one statement waits for another process's lock [ms] (default 5000). */
  busyTimeoutMs?: number;
  /** Tries after the first for a statement that found the registry locked (default 3). */
  retries?: number;
  /** The first pause between tries [ms], doubled after each (default 250). */
  retryDelayMs?: number;
}

/** Where the registry is, from the environment (read at the edge: the CLI, the server). */
export function defaultRegistryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BRAGG_RUNS_DB) return env.BRAGG_RUNS_DB;
  const home = env.BRAGG_HOME ?? join(homedir(), '.bragg');
  return join(home, 'runs.sqlite');
}

const now = (): string => new Date().toISOString();

export class RunRegistry {
  private constructor(
    private readonly db: Database.Database,
    /** The registry's file (`:memory:` for one in memory). */
    readonly file: string,
    private readonly policy: RetryPolicy,
  ) {}

  /**
   * Opens (or creates) the registry at `path` and checks it. Throws a {@link FormatError} naming
   * the file when it is not a sound bragg registry, a {@link RunRegistryError} when it cannot be
   * opened (`IO`) or stays locked (`TIMEOUT`).
   */
  static open(path: string, options: RunRegistryOptions = {}): RunRegistry {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (path !== ':memory:') prepareLocation(path);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: busyTimeoutMs });
    } catch (err) {
      throw registryError(path, 'open', err);
    }
    const reg = new RunRegistry(db, path, {
      retries: options.retries ?? 3,
      retryDelayMs: options.retryDelayMs ?? 250,
      busyTimeoutMs,
    });
    try {
      checkRegistry(db, (what, fn) => reg.exec(what, fn), path);
    } catch (err) {
      db.close();
      throw err;
    }
    return reg;
  }

  /** Runs one statement (or transaction) with the registry's retries and typed errors. */
  private exec<T>(what: string, fn: () => T): T {
    return withRetries(this.file, this.policy, what, fn);
  }

  close(): void {
    this.db.close();
  }

  /** Create a run, or mark an existing one (same id) running again: that is a resume. */
  beginRun(r: {
    id: string;
    kind: string;
    executor: string;
    configHash: string;
    config: unknown;
    outDir: string;
    shards: readonly { id: string; count: number; file: string }[];
    /** Creation time of a new run (default now). */
    createdAt?: string;
  }): { resumed: boolean; createdAt: string } {
    const t = now();
    const created = r.createdAt ?? t;
    const tx = this.db.transaction(() => {
      const existing = this.db.prepare('SELECT created_at FROM runs WHERE id = ?').get(r.id) as
        { created_at: string } | undefined;
      this.db
        .prepare(
          `INSERT INTO runs (id, kind, status, created_at, updated_at, executor, config_hash,
             config_json, out_dir, total_shards)
           VALUES (@id, @kind, 'running', @created, @t, @executor, @hash, @cfg, @outDir, @n)
           ON CONFLICT(id) DO UPDATE SET status = 'running', updated_at = @t, finished_at = NULL,
             executor = @executor, error = NULL, total_shards = @n`,
        )
        .run({
          id: r.id,
          kind: r.kind,
          t,
          created,
          executor: r.executor,
          hash: r.configHash,
          cfg: JSON.stringify(r.config),
          outDir: r.outDir,
          n: r.shards.length,
        });
      const ins = this.db.prepare(
        `INSERT INTO shards (run_id, shard_id, status, count, file) VALUES (?, ?, 'pending', ?, ?)
         ON CONFLICT(run_id, shard_id) DO UPDATE SET
           status = CASE WHEN status = 'done' THEN 'done' ELSE 'pending' END`,
      );
      for (const s of r.shards) ins.run(r.id, s.id, s.count, s.file);
      return existing;
    });
    // IMMEDIATE: take the write lock first, so that a busy registry waits (not fails at once).
    const existing = this.exec(`record the start of run ${r.id}`, () => tx.immediate());
    return { resumed: existing !== undefined, createdAt: existing?.created_at ?? created };
  }

  shardStarted(runId: string, shardId: string, worker?: string): void {
    this.exec(`record shard ${shardId} of run ${runId} as started`, () =>
      this.db
        .prepare(
          `UPDATE shards SET status = 'running', attempts = attempts + 1, started_at = ?,
             worker = ?, error = NULL WHERE run_id = ? AND shard_id = ?`,
        )
        .run(now(), worker ?? null, runId, shardId),
    );
  }

  shardDone(
    runId: string,
    shardId: string,
    r: { ms: number | null; sha256: string; worker?: string },
  ): void {
    this.exec(`record shard ${shardId} of run ${runId} as done`, () =>
      this.markDone(runId, shardId, r),
    );
  }

  private markDone(
    runId: string,
    shardId: string,
    r: { ms: number | null; sha256: string; worker?: string | null },
  ): void {
    this.db
      .prepare(
        `UPDATE shards SET status = 'done', finished_at = ?, ms = ?, sha256 = ?, error = NULL,
           worker = COALESCE(?, worker) WHERE run_id = ? AND shard_id = ?`,
      )
      .run(now(), r.ms, r.sha256, r.worker ?? null, runId, shardId);
  }

  shardFailed(runId: string, shardId: string, error: string, worker?: string): void {
    this.exec(`record shard ${shardId} of run ${runId} as failed`, () =>
      this.markFailed(runId, shardId, error, worker),
    );
  }

  private markFailed(runId: string, shardId: string, error: string, worker?: string): void {
    this.db
      .prepare(
        `UPDATE shards SET status = 'failed', finished_at = ?, error = ?,
           worker = COALESCE(?, worker) WHERE run_id = ? AND shard_id = ?`,
      )
      .run(now(), error, worker ?? null, runId, shardId);
  }

  finishRun(runId: string, status: RunStatus, error?: string): void {
    this.exec(`record the end of run ${runId}`, () => this.markFinished(runId, status, error));
  }

  private markFinished(runId: string, status: RunStatus, error?: string): void {
    const t = now();
    this.db
      .prepare(
        `UPDATE runs SET status = ?, updated_at = ?, finished_at = ?, error = ? WHERE id = ?`,
      )
      .run(status, t, status === 'running' ? null : t, error ?? null, runId);
  }

  /**
   * A run's whole outcome in one transaction: every shard's final state, then the run's. What a
   * run records at its end when writes during the run failed (a registry locked for long).
   * Shards not listed keep their state, except `running` ones, which become `pending` again.
   */
  recordOutcome(
    runId: string,
    o: {
      done: readonly { id: string; ms: number | null; sha256: string; worker: string | null }[];
      failed: readonly { id: string; error: string }[];
      status: RunStatus;
      error?: string;
    },
  ): void {
    const tx = this.db.transaction(() => {
      this.db
        .prepare(`UPDATE shards SET status = 'pending' WHERE run_id = ? AND status = 'running'`)
        .run(runId);
      for (const d of o.done) this.markDone(runId, d.id, d);
      for (const f of o.failed) this.markFailed(runId, f.id, f.error);
      this.markFinished(runId, o.status, o.error);
    });
    this.exec(`record the outcome of run ${runId}`, () => tx.immediate());
  }

  addArtifact(runId: string, kind: string, path: string, sha256?: string): void {
    this.exec(`record artifact ${path} of run ${runId}`, () =>
      this.db
        .prepare(
          `INSERT INTO artifacts (run_id, kind, path, sha256, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(run_id, path) DO UPDATE SET sha256 = excluded.sha256, kind = excluded.kind`,
        )
        .run(runId, kind, path, sha256 ?? null, now()),
    );
  }

  addLineage(runId: string, role: 'input' | 'output', kind: string, refId: string): void {
    this.exec(`record the lineage of run ${runId}`, () =>
      this.db
        .prepare(`INSERT OR IGNORE INTO lineage (run_id, role, kind, ref_id) VALUES (?, ?, ?, ?)`)
        .run(runId, role, kind, refId),
    );
  }

  listRuns(limit = 50): RunRecord[] {
    const rows = this.exec('list runs', () =>
      this.db.prepare(`${RUN_SELECT} ORDER BY r.updated_at DESC LIMIT ?`).all(limit),
    ) as RunRow[];
    return rows.map((r) => toRun(this.file, r));
  }

  /** The run with exactly this id, if there is one. */
  findRun(id: string): RunRecord | undefined {
    const row = this.exec(`read run ${id}`, () =>
      this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id),
    ) as RunRow | undefined;
    return row ? toRun(this.file, row) : undefined;
  }

  /** A run by id or by a unique id prefix. */
  getRun(idOrPrefix: string): RunRecord {
    const rows = this.exec(`read run ${idOrPrefix}`, () =>
      this.db
        .prepare(`${RUN_SELECT} WHERE r.id = ? OR r.id LIKE ? ESCAPE '\\' LIMIT 3`)
        .all(idOrPrefix, `${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`),
    ) as RunRow[];
    const exact = rows.find((r) => r.id === idOrPrefix);
    if (exact) return toRun(this.file, exact);
    if (rows.length === 1) return toRun(this.file, rows[0]!);
    if (rows.length === 0) throw new NotFoundError(`no run with id '${idOrPrefix}'`);
    throw new NotFoundError(
      `run id '${idOrPrefix}' is ambiguous: ${rows.map((r) => r.id).join(', ')}, ...`,
    );
  }

  shards(runId: string): ShardRecord[] {
    const rows = this.exec(`read the shards of run ${runId}`, () =>
      this.db.prepare(`SELECT * FROM shards WHERE run_id = ? ORDER BY rowid`).all(runId),
    ) as ShardRow[];
    return rows.map(toShard);
  }

  artifacts(runId: string): ArtifactRecord[] {
    const rows = this.exec(`read the artifacts of run ${runId}`, () =>
      this.db
        .prepare(`SELECT kind, path, sha256, created_at FROM artifacts WHERE run_id = ?`)
        .all(runId),
    ) as { kind: string; path: string; sha256: string | null; created_at: string }[];
    return rows.map((a) => ({
      kind: a.kind,
      path: a.path,
      sha256: a.sha256,
      createdAt: a.created_at,
    }));
  }

  lineage(runId: string): LineageRecord[] {
    const rows = this.exec(`read the lineage of run ${runId}`, () =>
      this.db
        .prepare(`SELECT role, kind, ref_id FROM lineage WHERE run_id = ? ORDER BY role, kind`)
        .all(runId),
    ) as { role: 'input' | 'output'; kind: string; ref_id: string }[];
    return rows.map((l) => ({ role: l.role, kind: l.kind, refId: l.ref_id }));
  }
}
