/**
 * The run registry: one SQLite file (better-sqlite3) recording runs, their shards (status,
 * attempts, timings, errors), artifacts and lineage ids (dataset id → model id → prediction).
 * Only the process that coordinates a run writes it; workers report through their results.
 *
 * Location: `--db`, else `$BRAGG_RUNS_DB`, else `$BRAGG_HOME/runs.sqlite`, else
 * `~/.bragg/runs.sqlite`.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../core/errors.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';
export type ShardStatus = 'pending' | 'running' | 'done' | 'failed';

export interface RunRecord {
  id: string;
  kind: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  executor: string;
  configHash: string;
  config: unknown;
  outDir: string;
  totalShards: number;
  doneShards: number;
  failedShards: number;
  patterns: number;
  error: string | null;
}

export interface ShardRecord {
  shardId: string;
  status: ShardStatus;
  attempts: number;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  ms: number | null;
  count: number;
  file: string;
  sha256: string | null;
  error: string | null;
}

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

/** Where the registry is, from the environment (read at the edge: the CLI, the server). */
export function defaultRegistryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BRAGG_RUNS_DB) return env.BRAGG_RUNS_DB;
  const home = env.BRAGG_HOME ?? join(homedir(), '.bragg');
  return join(home, 'runs.sqlite');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, finished_at TEXT,
  executor TEXT NOT NULL, config_hash TEXT NOT NULL, config_json TEXT NOT NULL,
  out_dir TEXT NOT NULL, total_shards INTEGER NOT NULL DEFAULT 0, error TEXT);
CREATE TABLE IF NOT EXISTS shards (
  run_id TEXT NOT NULL REFERENCES runs(id), shard_id TEXT NOT NULL, status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, worker TEXT, started_at TEXT, finished_at TEXT,
  ms REAL, count INTEGER NOT NULL, file TEXT NOT NULL, sha256 TEXT, error TEXT,
  PRIMARY KEY (run_id, shard_id));
CREATE TABLE IF NOT EXISTS artifacts (
  run_id TEXT NOT NULL REFERENCES runs(id), kind TEXT NOT NULL, path TEXT NOT NULL,
  sha256 TEXT, created_at TEXT NOT NULL, PRIMARY KEY (run_id, path));
CREATE TABLE IF NOT EXISTS lineage (
  run_id TEXT NOT NULL REFERENCES runs(id), role TEXT NOT NULL, kind TEXT NOT NULL,
  ref_id TEXT NOT NULL, PRIMARY KEY (run_id, role, kind, ref_id));
`;

const now = (): string => new Date().toISOString();

interface RunRow {
  id: string;
  kind: string;
  status: RunStatus;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  executor: string;
  config_hash: string;
  config_json: string;
  out_dir: string;
  total_shards: number;
  error: string | null;
  done: number | null;
  failed: number | null;
  patterns: number | null;
}

interface ShardRow {
  shard_id: string;
  status: ShardStatus;
  attempts: number;
  worker: string | null;
  started_at: string | null;
  finished_at: string | null;
  ms: number | null;
  count: number;
  file: string;
  sha256: string | null;
  error: string | null;
}

const RUN_SELECT = `SELECT r.*,
  (SELECT COUNT(*) FROM shards s WHERE s.run_id = r.id AND s.status = 'done') AS done,
  (SELECT COUNT(*) FROM shards s WHERE s.run_id = r.id AND s.status = 'failed') AS failed,
  (SELECT SUM(count) FROM shards s WHERE s.run_id = r.id AND s.status = 'done') AS patterns
  FROM runs r`;

export class RunRegistry {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): RunRegistry {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    return new RunRegistry(db);
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
    const existing = this.db.prepare('SELECT created_at FROM runs WHERE id = ?').get(r.id) as
      { created_at: string } | undefined;
    const tx = this.db.transaction(() => {
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
    });
    tx();
    return { resumed: existing !== undefined, createdAt: existing?.created_at ?? created };
  }

  shardStarted(runId: string, shardId: string, worker?: string): void {
    this.db
      .prepare(
        `UPDATE shards SET status = 'running', attempts = attempts + 1, started_at = ?, worker = ?,
           error = NULL WHERE run_id = ? AND shard_id = ?`,
      )
      .run(now(), worker ?? null, runId, shardId);
  }

  shardDone(
    runId: string,
    shardId: string,
    r: { ms: number | null; sha256: string; worker?: string },
  ): void {
    this.db
      .prepare(
        `UPDATE shards SET status = 'done', finished_at = ?, ms = ?, sha256 = ?, error = NULL,
           worker = COALESCE(?, worker) WHERE run_id = ? AND shard_id = ?`,
      )
      .run(now(), r.ms, r.sha256, r.worker ?? null, runId, shardId);
  }

  shardFailed(runId: string, shardId: string, error: string, worker?: string): void {
    this.db
      .prepare(
        `UPDATE shards SET status = 'failed', finished_at = ?, error = ?,
           worker = COALESCE(?, worker) WHERE run_id = ? AND shard_id = ?`,
      )
      .run(now(), error, worker ?? null, runId, shardId);
  }

  finishRun(runId: string, status: RunStatus, error?: string): void {
    const t = now();
    this.db
      .prepare(
        `UPDATE runs SET status = ?, updated_at = ?, finished_at = ?, error = ? WHERE id = ?`,
      )
      .run(status, t, status === 'running' ? null : t, error ?? null, runId);
  }

  addArtifact(runId: string, kind: string, path: string, sha256?: string): void {
    this.db
      .prepare(
        `INSERT INTO artifacts (run_id, kind, path, sha256, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(run_id, path) DO UPDATE SET sha256 = excluded.sha256, kind = excluded.kind`,
      )
      .run(runId, kind, path, sha256 ?? null, now());
  }

  addLineage(runId: string, role: 'input' | 'output', kind: string, refId: string): void {
    this.db
      .prepare(`INSERT OR IGNORE INTO lineage (run_id, role, kind, ref_id) VALUES (?, ?, ?, ?)`)
      .run(runId, role, kind, refId);
  }

  listRuns(limit = 50): RunRecord[] {
    const rows = this.db
      .prepare(`${RUN_SELECT} ORDER BY r.updated_at DESC LIMIT ?`)
      .all(limit) as RunRow[];
    return rows.map(toRun);
  }

  /** The run with exactly this id, if there is one. */
  findRun(id: string): RunRecord | undefined {
    const row = this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  /** A run by id or by a unique id prefix. */
  getRun(idOrPrefix: string): RunRecord {
    const rows = this.db
      .prepare(`${RUN_SELECT} WHERE r.id = ? OR r.id LIKE ? ESCAPE '\\' LIMIT 3`)
      .all(idOrPrefix, `${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as RunRow[];
    const exact = rows.find((r) => r.id === idOrPrefix);
    if (exact) return toRun(exact);
    if (rows.length === 1) return toRun(rows[0]!);
    if (rows.length === 0) throw new NotFoundError(`no run with id '${idOrPrefix}'`);
    throw new NotFoundError(
      `run id '${idOrPrefix}' is ambiguous: ${rows.map((r) => r.id).join(', ')}, ...`,
    );
  }

  shards(runId: string): ShardRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM shards WHERE run_id = ? ORDER BY rowid`)
      .all(runId) as ShardRow[];
    return rows.map((s) => ({
      shardId: s.shard_id,
      status: s.status,
      attempts: s.attempts,
      worker: s.worker,
      startedAt: s.started_at,
      finishedAt: s.finished_at,
      ms: s.ms,
      count: s.count,
      file: s.file,
      sha256: s.sha256,
      error: s.error,
    }));
  }

  artifacts(runId: string): ArtifactRecord[] {
    return (
      this.db
        .prepare(`SELECT kind, path, sha256, created_at FROM artifacts WHERE run_id = ?`)
        .all(runId) as { kind: string; path: string; sha256: string | null; created_at: string }[]
    ).map((a) => ({ kind: a.kind, path: a.path, sha256: a.sha256, createdAt: a.created_at }));
  }

  lineage(runId: string): LineageRecord[] {
    return (
      this.db
        .prepare(`SELECT role, kind, ref_id FROM lineage WHERE run_id = ? ORDER BY role, kind`)
        .all(runId) as { role: 'input' | 'output'; kind: string; ref_id: string }[]
    ).map((l) => ({ role: l.role, kind: l.kind, refId: l.ref_id }));
  }
}

function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    executor: r.executor,
    configHash: r.config_hash,
    config: JSON.parse(r.config_json) as unknown,
    outDir: r.out_dir,
    totalShards: r.total_shards,
    doneShards: r.done ?? 0,
    failedShards: r.failed ?? 0,
    patterns: r.patterns ?? 0,
    error: r.error,
  };
}
