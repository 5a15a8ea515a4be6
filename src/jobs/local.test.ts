import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishAtomically } from './output.js';
import { failureError, runJob, toFailure } from './run-job.js';
import { decodeFailure, encodeFailure } from './bullmq-common.js';
import { FormatError, ValidationError } from '../core/errors.js';
import { RunRegistry } from './run-registry.js';
import { runSharded } from './sharded-run.js';
import { syntheticPlan } from '../../test/support/jobs/synthetic.js';
import { localExecutor, testJobs } from '../../test/support/jobs/executors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-jobs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('publishAtomically', () => {
  it('publishes once: a second delivery leaves the first file and no temporaries', async () => {
    const final = join(dir, 'pub', 'x.bin');
    const a = await publishAtomically(final, (tmp) => writeFile(tmp, 'first'));
    const b = await publishAtomically(final, (tmp) => writeFile(tmp, 'second'));
    expect([a, b]).toEqual([true, false]);
    expect(await readFile(final, 'utf8')).toBe('first');
    expect(await readdir(join(dir, 'pub'))).toEqual(['x.bin']);
  });

  it('two concurrent deliveries of the same shard yield one identical file', async () => {
    const final = join(dir, 'race', 'x.bin');
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => publishAtomically(final, (tmp) => writeFile(tmp, 'same bytes'))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await readdir(join(dir, 'race'))).toEqual(['x.bin']);
  });

  it('a failing writer publishes nothing and leaves no temporary file', async () => {
    const final = join(dir, 'fail', 'x.bin');
    await expect(
      publishAtomically(final, async (tmp) => {
        await writeFile(tmp, 'partial');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readdir(join(dir, 'fail'))).toEqual([]);
  });
});

describe('runJob', () => {
  it('reports an unknown job type and an invalid payload as permanent typed failures', async () => {
    const a = await runJob(testJobs, { type: 'nope', payload: {} });
    expect(a).toMatchObject({ ok: false, error: { name: 'NotFoundError', permanent: true } });
    const b = await runJob(testJobs, { type: 'synthetic-shard', payload: { count: -1 } });
    expect(b).toMatchObject({ ok: false, error: { name: 'ValidationError', permanent: true } });
  });
});

describe('local pool runs', () => {
  it('runs all shards, records them, and a rerun skips every finished shard', async () => {
    const out = join(dir, 'run1');
    const reg = RunRegistry.open(join(dir, 'runs.sqlite'));
    const ex = localExecutor(2);
    try {
      const shards = syntheticPlan(out, { shards: 5, rows: 10, poison: ['b3'] });
      const base = { kind: 'test', outDir: out, configHash: 'h', config: { a: 1 }, shards };
      const r1 = await runSharded({ ...base, runId: 'run-a', executor: ex, registry: reg });
      expect(r1.status).toBe('failed');
      expect(r1.done.map((d) => d.id)).toEqual(['b0', 'b1', 'b2', 'b4']);
      expect(r1.failed).toHaveLength(1);
      expect(r1.failed[0]!.error.message).toContain('poisoned');
      // The error crossed the worker thread as data and comes back as its own class and fields.
      const rebuilt = failureError(r1.failed[0]!.error);
      expect(rebuilt).toBeInstanceOf(ValidationError);
      expect((rebuilt as ValidationError).field).toBe('poison');
      const run = reg.getRun('run-a');
      expect(run).toMatchObject({ totalShards: 5, doneShards: 4, failedShards: 1, patterns: 40 });
      const failedShard = reg.shards('run-a').find((s) => s.shardId === 'b3')!;
      expect(failedShard.error).toContain('ValidationError');

      // Resume with the poison removed: only b3 is computed.
      const fixed = syntheticPlan(out, { shards: 5, rows: 10 });
      const r2 = await runSharded({
        ...base,
        shards: fixed,
        runId: 'run-a',
        executor: ex,
        registry: reg,
      });
      expect(r2.status).toBe('completed');
      expect(r2.skipped).toBe(4);
      expect(r2.done.filter((d) => d.computed).map((d) => d.id)).toEqual(['b3']);
      expect(reg.getRun('run-a')).toMatchObject({ status: 'completed', doneShards: 5 });
      // Same payloads → same bytes as an independent run elsewhere.
      const other = join(dir, 'run1-copy');
      const r3 = await runSharded({
        ...base,
        outDir: other,
        shards: syntheticPlan(other, { shards: 5, rows: 10 }),
        runId: 'run-b',
        executor: ex,
      });
      expect(r3.done.map((d) => d.sha256)).toEqual(r2.done.map((d) => d.sha256));
    } finally {
      await ex.close();
      reg.close();
    }
  });

  it('an abort stops the run, reports it interrupted, and a rerun completes it', async () => {
    const out = join(dir, 'run2');
    const ex = localExecutor(2);
    try {
      const shards = syntheticPlan(out, { shards: 8, rows: 20, cpuMsPerRow: 5 });
      const ac = new AbortController();
      const base = { kind: 'test', outDir: out, configHash: 'h', config: {}, shards, runId: 'r2' };
      const r1 = await runSharded({
        ...base,
        executor: ex,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.event.kind === 'done') ac.abort();
        },
      });
      expect(r1.status).toBe('interrupted');
      expect(r1.done.length).toBeGreaterThan(0);
      expect(r1.done.length).toBeLessThan(8);
      const ex2 = localExecutor(2);
      try {
        const r2 = await runSharded({ ...base, executor: ex2 });
        expect(r2.status).toBe('completed');
        // A shard whose thread finished as the abort arrived is published too: never half.
        expect(r2.skipped).toBeGreaterThanOrEqual(r1.done.length);
        expect(r2.skipped + r2.done.filter((d) => d.computed).length).toBe(8);
        const files = await readdir(join(out, 'shards'));
        expect(files.sort()).toEqual(shards.map((s) => `${s.id}.bin`).sort());
      } finally {
        await ex2.close();
      }
    } finally {
      await ex.close();
    }
  });
});

describe('BullMQ failure reasons', () => {
  it('carry the error as data: a FormatError comes back as a FormatError with its fields', () => {
    const err = new FormatError('NPY', 'truncated header', { file: 'x.npy', offset: 10 });
    const reason = encodeFailure(toFailure(err));
    expect(reason.split('\n')[0]).toBe(`FormatError: ${err.message}`);
    const back = failureError(decodeFailure(reason));
    expect(back).toBeInstanceOf(FormatError);
    expect(back).toMatchObject({ file: 'x.npy', offset: 10, message: err.message });
  });

  it('turn a reason without error data (a crashed worker) into a retryable WORKER error', () => {
    const d = decodeFailure('job stalled more than allowable limit');
    expect(d).toMatchObject({ code: 'WORKER', permanent: false });
    expect(d.message).toContain('stalled');
  });
});
