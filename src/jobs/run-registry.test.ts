/**
 * The run registry when its file is damaged or busy: every failure is a bragg error that names
 * the file (and says what to do), and a registry locked by another process mid-run never turns
 * a done shard into a failed one.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, errorFromData, errorToData } from '../core/errors.js';
import { RunRegistry, RunRegistryError } from './run-registry.js';
import { runSharded } from './sharded-run.js';
import { syntheticPlan } from '../../test/support/jobs/synthetic.js';
import { localExecutor } from '../../test/support/jobs/executors.js';

let dir: string;
let good: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-registry-'));
  // A registry with enough rows to span many pages.
  good = join(dir, 'good.sqlite');
  const reg = RunRegistry.open(good);
  for (let i = 0; i < 200; i++) {
    reg.beginRun({
      id: `run-${i}`,
      kind: 'test',
      executor: 'inline',
      configHash: 'h',
      config: { i, pad: 'x'.repeat(200) },
      outDir: dir,
      shards: [{ id: 's0', count: 1, file: 's0.bin' }],
    });
  }
  reg.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A damaged copy of the good registry, made by `damage` (given the copy's path). */
function damagedCopy(name: string, damage: (path: string) => void): string {
  const path = join(dir, `${name}.sqlite`);
  copyFileSync(good, path);
  damage(path);
  return path;
}

/** The error `fn` throws (fails the test when it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, none was thrown');
}

/** A typed error naming the file and saying to move it aside (never a raw SqliteError). */
function expectDamaged(err: unknown, file: string): void {
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).file).toBe(file);
  expect((err as Error).message).toContain(file);
  expect((err as Error).message).toMatch(/move the file aside/);
}

describe('a damaged run registry', () => {
  it('a file that is not a database', () => {
    const path = join(dir, 'text.sqlite');
    writeFileSync(path, 'this is not a database\n'.repeat(100));
    expectDamaged(
      thrown(() => RunRegistry.open(path)),
      path,
    );
  });

  it('a truncated registry (to 100 bytes, to half its size)', () => {
    for (const at of [100, Math.floor(readFileSync(good).length / 2)]) {
      const path = damagedCopy(`trunc-${at}`, (p) => truncateSync(p, at));
      expectDamaged(
        thrown(() => RunRegistry.open(path)),
        path,
      );
    }
  });

  it('an overwritten registry (pages in the middle replaced)', () => {
    const path = damagedCopy('overwritten', (p) => {
      const b = readFileSync(p);
      b.fill(0x5a, 4096, b.length - 4096);
      writeFileSync(p, b);
    });
    expectDamaged(
      thrown(() => RunRegistry.open(path)),
      path,
    );
  });

  it('a directory where the file should be', () => {
    const path = join(dir, 'dir.sqlite');
    mkdirSync(path);
    const err = thrown(() => RunRegistry.open(path));
    expect(err).toBeInstanceOf(RunRegistryError);
    expect(err).toMatchObject({ code: 'CONFLICT', file: path });
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/is a directory.*move it aside/);
  });

  it('a database of another schema (a runs table without bragg columns)', () => {
    const path = join(dir, 'foreign.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE runs (x INTEGER)');
    db.close();
    const err = thrown(() => RunRegistry.open(path));
    expectDamaged(err, path);
    expect((err as Error).message).toMatch(/table runs has no column id/);
  });

  it('a run whose config is broken JSON: listing and reading it', () => {
    const path = damagedCopy('json', (p) => {
      const db = new Database(p);
      db.prepare(`UPDATE runs SET config_json = '{broken' WHERE id = 'run-7'`).run();
      db.close();
    });
    const reg = RunRegistry.open(path);
    try {
      for (const read of [() => reg.listRuns(500), () => reg.getRun('run-7')]) {
        const err = thrown(read);
        expectDamaged(err, path);
        expect((err as Error).message).toContain('run-7');
      }
      // Other runs still read.
      expect(reg.getRun('run-8').config).toMatchObject({ i: 8 });
    } finally {
      reg.close();
    }
  });

  it('the typed errors cross threads and queues as data with their file', () => {
    const err = new RunRegistryError('TIMEOUT', 'locked', '/x/runs.sqlite');
    const back = errorFromData(JSON.parse(JSON.stringify(errorToData(err))));
    expect(back).toBeInstanceOf(RunRegistryError);
    expect(back).toMatchObject({ code: 'TIMEOUT', file: '/x/runs.sqlite', permanent: false });
  });
});

/** Fast retries for tests: each try waits 20 ms for the lock, then 2 more tries. */
const FAST = { busyTimeoutMs: 20, retries: 2, retryDelayMs: 10 };

describe('a busy run registry', () => {
  it('a write that stays locked fails with a TIMEOUT naming the file; the lock gone, it works', () => {
    const path = join(dir, 'busy.sqlite');
    const reg = RunRegistry.open(path, FAST);
    const other = new Database(path);
    try {
      reg.beginRun({
        id: 'r',
        kind: 'test',
        executor: 'inline',
        configHash: 'h',
        config: {},
        outDir: dir,
        shards: [{ id: 's0', count: 1, file: 's0.bin' }],
      });
      other.exec('BEGIN IMMEDIATE');
      const err = thrown(() => reg.shardStarted('r', 's0'));
      expect(err).toBeInstanceOf(RunRegistryError);
      expect(err).toMatchObject({ code: 'TIMEOUT', file: path });
      expect((err as Error).message).toMatch(/locked by another process.*3 tries/);
      other.exec('ROLLBACK');
      reg.shardStarted('r', 's0');
      expect(reg.shards('r')[0]).toMatchObject({ status: 'running', attempts: 1 });
    } finally {
      other.close();
      reg.close();
    }
  });

  it('locked for the rest of a run: every shard stays done, none failed, the failure reported', async () => {
    const path = join(dir, 'busy-run.sqlite');
    const out = join(dir, 'busy-run');
    const reg = RunRegistry.open(path, FAST);
    const other = new Database(path);
    const ex = localExecutor(2);
    const shards = syntheticPlan(out, { shards: 6, rows: 5 });
    const base = { runId: 'busy', kind: 'test', outDir: out, configHash: 'h', config: {}, shards };
    try {
      const r = await runSharded({
        ...base,
        executor: ex,
        registry: reg,
        onProgress: (p) => {
          // another process takes the write lock once the run has started
          if (p.event.kind === 'started' && !other.inTransaction) other.exec('BEGIN IMMEDIATE');
        },
      });
      expect(r.status).toBe('completed');
      expect(r.failed).toEqual([]);
      expect(r.done.map((d) => d.id)).toEqual(shards.map((s) => s.id));
      expect(r.registryError).toMatchObject({ name: 'RunRegistryError', code: 'TIMEOUT' });
      expect(r.registryError!.message).toContain(path);
      other.exec('ROLLBACK');
      // The registry never calls a done shard failed; a rerun records the run as it is.
      expect(reg.shards('busy').some((s) => s.status === 'failed')).toBe(false);
      const again = await runSharded({ ...base, executor: ex, registry: reg });
      expect(again).toMatchObject({ status: 'completed', failed: [], skipped: 6 });
      expect(reg.getRun('busy')).toMatchObject({ status: 'completed', doneShards: 6 });
    } finally {
      await ex.close();
      other.close();
      reg.close();
    }
  });

  it('locked for longer than SQLite waits (5.5 s) mid-run by another thread: the run completes and the registry is right', async () => {
    const path = join(dir, 'busy-while.sqlite');
    const out = join(dir, 'busy-while');
    // The case: a lock held past SQLite's busy timeout (5 s) by another process. The
    // registry's default retries wait it out.
    const reg = RunRegistry.open(path);
    const locker = lockerThread(path, 5500);
    const ex = localExecutor(2);
    const shards = syntheticPlan(out, { shards: 6, rows: 5 });
    try {
      await locker.ready;
      const r = await runSharded({
        runId: 'while',
        kind: 'test',
        outDir: out,
        configHash: 'h',
        config: {},
        shards,
        executor: ex,
        registry: reg,
        onProgress: (p) => {
          if (p.event.kind === 'started') locker.lockNow();
        },
      });
      expect(r).toMatchObject({ status: 'completed', failed: [] });
      expect(r.registryError).toBeUndefined();
      expect(reg.getRun('while')).toMatchObject({
        status: 'completed',
        doneShards: 6,
        failedShards: 0,
      });
      expect(reg.shards('while').every((s) => s.status === 'done' && s.sha256 !== null)).toBe(true);
    } finally {
      await ex.close();
      await locker.done;
      reg.close();
    }
  });
});

/**
 * A thread with its own connection that, when `lockNow()` is first called, takes the write lock
 * (BEGIN IMMEDIATE) and holds it for `holdMs`. `lockNow` returns once the lock is held: the
 * handshake is through shared memory, so it works from a synchronous hook.
 */
function lockerThread(
  path: string,
  holdMs: number,
): { ready: Promise<void>; lockNow(): void; done: Promise<void> } {
  const flags = new Int32Array(new SharedArrayBuffer(8));
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const Database = require('better-sqlite3');
    const { path, flags, holdMs } = workerData;
    const db = new Database(path);
    parentPort.postMessage('ready');
    Atomics.wait(flags, 0, 0);
    db.exec('BEGIN IMMEDIATE');
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, holdMs);
    db.exec('COMMIT');
    db.close();
  `;
  const w = new Worker(code, { eval: true, workerData: { path, flags, holdMs } });
  const ready = new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  const done = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  return {
    ready,
    done,
    lockNow() {
      if (Atomics.load(flags, 0) === 1) return;
      Atomics.store(flags, 0, 1);
      Atomics.notify(flags, 0);
      Atomics.wait(flags, 1, 0, 10_000);
    },
  };
}
