/**
 * The run registry's SQLite side: its schema (the tables and the columns bragg needs), the rows
 * as SQLite returns them, and SQLite's errors as bragg errors that name the file and say what to
 * do (see `run-registry.ts`).
 */
import type Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  BraggError,
  FormatError,
  registerErrorClass,
  type BraggErrorOptions,
  type ErrorCode,
  type ErrorFields,
} from '../core/errors.js';

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

/**
 * The run registry cannot be used: it is locked by another process for longer than the
 * registry waits (`TIMEOUT`), its file cannot be opened or written (`IO`), or a directory is
 * where the file should be (`CONFLICT`). Names the file.
 */
export class RunRegistryError extends BraggError {
  constructor(
    code: ErrorCode,
    message: string,
    /** The registry's file. */
    readonly file: string,
    options?: BraggErrorOptions,
  ) {
    super(code, message, options);
  }

  override fields(): ErrorFields {
    return { file: this.file };
  }

  static override fromFields(message: string, f: ErrorFields, code: ErrorCode): RunRegistryError {
    return new RunRegistryError(code, message, typeof f.file === 'string' ? f.file : '');
  }
}
registerErrorClass(RunRegistryError);

export const SCHEMA = `
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

export interface RunRow {
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

export interface ShardRow {
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

export const RUN_SELECT = `SELECT r.*,
  (SELECT COUNT(*) FROM shards s WHERE s.run_id = r.id AND s.status = 'done') AS done,
  (SELECT COUNT(*) FROM shards s WHERE s.run_id = r.id AND s.status = 'failed') AS failed,
  (SELECT SUM(count) FROM shards s WHERE s.run_id = r.id AND s.status = 'done') AS patterns
  FROM runs r`;

/** bragg's tables and the columns it reads and writes (a registry lacking one is foreign). */
export const COLUMNS = {
  runs: [
    'id',
    'kind',
    'status',
    'created_at',
    'updated_at',
    'finished_at',
    'executor',
    'config_hash',
    'config_json',
    'out_dir',
    'total_shards',
    'error',
  ],
  shards: [
    'run_id',
    'shard_id',
    'status',
    'attempts',
    'worker',
    'started_at',
    'finished_at',
    'ms',
    'count',
    'file',
    'sha256',
    'error',
  ],
  artifacts: ['run_id', 'kind', 'path', 'sha256', 'created_at'],
  lineage: ['run_id', 'role', 'kind', 'ref_id'],
} as const satisfies Record<string, readonly string[]>;

/** What to do about a damaged registry, said in every such error. */
export const MOVE_ASIDE = 'move the file aside (bragg then creates a new registry there)';

/** The SQLite result code of a better-sqlite3 error (`SQLITE_BUSY`, ...), if it is one. */
function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && code.startsWith('SQLITE_')
    ? code
    : undefined;
}

const isBusy = (code: string | undefined): boolean =>
  code !== undefined && /^SQLITE_(BUSY|LOCKED)/.test(code);

/** Blocks the calling thread for `ms` (statements are synchronous; so is their back-off). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The registry's folder, made if missing; a directory where the file should be is refused. */
export function prepareLocation(path: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
    if (!isDir) mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new RunRegistryError('IO', `cannot create run registry ${path}: ${why}`, path, {
      cause: err,
    });
  }
  if (isDir) {
    throw new RunRegistryError(
      'CONFLICT',
      `run registry ${path} is a directory, not a database file; move it aside (bragg then creates a new registry there), or name another file`,
      path,
    );
  }
}

/** A SQLite error (other than a lock) as a bragg error naming the file; other errors as they are. */
export function registryError(file: string, what: string, err: unknown): Error {
  const code = sqliteCode(err);
  if (code === undefined) return err instanceof Error ? err : new Error(String(err));
  const msg = (err as Error).message;
  if (
    code === 'SQLITE_NOTADB' ||
    code.startsWith('SQLITE_CORRUPT') ||
    (code === 'SQLITE_ERROR' && /no such (table|column)/.test(msg))
  ) {
    return new FormatError('run registry', `damaged: ${msg}; ${MOVE_ASIDE}`, {
      file,
      cause: err,
    });
  }
  return new RunRegistryError(
    'IO',
    `run registry ${file}: cannot ${what}: ${msg} (${code})`,
    file,
    {
      cause: err,
    },
  );
}

/** How a statement that finds the registry locked is tried again. */
export interface RetryPolicy {
  /** Tries after the first. */
  retries: number;
  /** The first pause [ms], doubled after each try. */
  retryDelayMs: number;
  /** How long each try waits for the lock (SQLite's busy timeout) [ms]. */
  busyTimeoutMs: number;
}

/**
 * Runs one statement (or transaction): a locked registry is tried again after a pause, up to
 * `retries` times, then fails with a `TIMEOUT`; any other SQLite error becomes a bragg error
 * naming the file. Errors that are not SQLite's pass unchanged (bragg's own, bugs).
 */
export function withRetries<T>(file: string, p: RetryPolicy, what: string, fn: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      const code = sqliteCode(err);
      if (isBusy(code) && attempt < p.retries) {
        sleepSync(p.retryDelayMs * 2 ** attempt);
        continue;
      }
      if (isBusy(code)) {
        const pausesMs = p.retryDelayMs * (2 ** p.retries - 1);
        const waitedS = ((p.retries + 1) * p.busyTimeoutMs + pausesMs) / 1000;
        throw new RunRegistryError(
          'TIMEOUT',
          `run registry ${file} is locked by another process (waited ${waitedS.toFixed(1)} s in ${p.retries + 1} tries): cannot ${what}`,
          file,
          { cause: err },
        );
      }
      throw registryError(file, what, err);
    }
  }
}

/** A damaged registry: what is wrong, where (a table's column), and what to do. */
export function damaged(file: string, what: string, path?: string): FormatError {
  return new FormatError('run registry', `${what}; ${MOVE_ASIDE}`, {
    file,
    ...(path !== undefined ? { path } : {}),
  });
}

/**
 * The open-time checks: a database (WAL journal), sound pages (`quick_check`), bragg's tables
 * (made when missing) with bragg's columns. `exec` runs each statement with retries.
 */
export function checkRegistry(
  db: Database.Database,
  exec: <T>(what: string, fn: () => T) => T,
  file: string,
): void {
  exec('open', () => db.pragma('journal_mode = WAL'));
  const problem = exec('check', () => db.pragma('quick_check', { simple: true }));
  if (problem !== 'ok') {
    const first = String(problem).split('\n').slice(0, 2).join(' ').slice(0, 200);
    throw damaged(file, `corrupt (SQLite quick_check: ${first})`);
  }
  const tables = exec('check', () =>
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all(),
  ).map((r) => (r as { name: string }).name);
  if (Object.keys(COLUMNS).some((t) => !tables.includes(t))) {
    exec('create the tables', () => db.exec(SCHEMA));
  }
  for (const [table, want] of Object.entries(COLUMNS)) {
    const have = exec('check', () => db.pragma(`table_info(${table})`) as { name: string }[]);
    const names = new Set(have.map((c) => c.name));
    const missing = want.filter((c) => !names.has(c));
    if (missing.length > 0) {
      throw damaged(file, `not a bragg run registry: table ${table} has no column ${missing[0]}`);
    }
  }
}

export function toShard(s: ShardRow): ShardRecord {
  return {
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
  };
}

/** A run row as a record; a config that is not JSON is a damaged registry (a FormatError). */
export function toRun(file: string, r: RunRow): RunRecord {
  let config: unknown;
  try {
    config = JSON.parse(r.config_json) as unknown;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw damaged(file, `run ${r.id} has a broken config (${why})`, 'runs.config_json');
  }
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    executor: r.executor,
    configHash: r.config_hash,
    config,
    outDir: r.out_dir,
    totalShards: r.total_shards,
    doneShards: r.done ?? 0,
    failedShards: r.failed ?? 0,
    patterns: r.patterns ?? 0,
    error: r.error,
  };
}
