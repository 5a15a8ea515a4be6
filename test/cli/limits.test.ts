/**
 * Up-front limits (issue 15, item 6): requests whose size is known before any work starts are
 * refused with the number and the limit in one message — thread counts above the cores (unless
 * BRAGG_ALLOW_OVERSUBSCRIBE=1), `simulate orientations --random` beyond its memory bound or
 * `--step` finer than the grid the walker is allowed, a sweep with too many patterns or shards.
 * Each fails before the change: 1,000 threads started, 1e8 orientations passed 6 GB, a 0.5° grid
 * ran minutes, a sweep of 1e12 patterns ran V8 out of heap.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import { runInProcess } from '../support/cli/in-process.js';
import { stderrProblems } from '../support/cli/output.js';
import { writeSmallSweep } from '../support/jobs/sweep.js';

const cores = availableParallelism();
const au = join(packageRoot(), 'data', 'structures', 'au.cif');
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-limits-'));
  env = { ...process.env, BRAGG_DEBUG: '', BRAGG_HOME: dir, BRAGG_RUNS_DB: '' };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One line `bragg: …` (exit 1), clean, that contains every one of `parts`. */
function expectOneLine(r: { code: number | undefined; stderr: string }, ...parts: string[]): void {
  expect(r.code).toBe(1);
  expect(stderrProblems(r.stderr)).toEqual([]);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^bragg: /);
  for (const p of parts) expect(lines[0]).toContain(p);
}

describe('thread counts are capped at the cores', () => {
  it('--workers, --threads and --concurrency above the cores are refused, naming the flag and both numbers', async () => {
    const sweep = await writeSmallSweep(dir, { count: 2, chunk: 2, size: 64 });
    const cases: [string[], string][] = [
      [['simulate', 'dataset', sweep, '-o', join(dir, 'ds'), '--workers', '1000'], '--workers'],
      [['doctor', '--threads', '1000'], '--threads'],
      [['worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '1000'], '--concurrency'],
      [['phase', 'train', '--data', join(dir, 'none'), '--threads', '1000'], '--threads'],
    ];
    for (const [args, flag] of cases) {
      const r = await runInProcess(args, { env, timeoutMs: 10_000 });
      expect(r.hung).toBe(false);
      expectOneLine(r, `${flag}: 1000`, `limit of ${cores}`, 'BRAGG_ALLOW_OVERSUBSCRIBE=1');
    }
  });

  it('BRAGG_THREADS above the cores is refused for a command with --threads', async () => {
    const r = await runInProcess(['doctor'], { env: { ...env, BRAGG_THREADS: '4096' } });
    expectOneLine(r, 'BRAGG_THREADS=4096', `limit of ${cores}`);
  });

  it('BRAGG_ALLOW_OVERSUBSCRIBE=1 lifts the cap (the command runs into its own checks)', async () => {
    // above the cores, within phase train's own bound (64)
    const threads = String(Math.min(64, cores + 1));
    const args = ['phase', 'train', '--data', join(dir, 'none'), '--threads', threads];
    expect((await runInProcess(args, { env })).stderr).toContain('limit of');
    const r = await runInProcess(args, { env: { ...env, BRAGG_ALLOW_OVERSUBSCRIBE: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('limit of');
    expect(r.stderr).toContain(join(dir, 'none'));
  });

  it('counts up to the cores pass the cap', async () => {
    const r = await runInProcess(['doctor', '--threads', String(cores), '--json'], { env });
    expect(r.stderr).not.toContain('limit of');
  });
});

describe('simulate orientations: sizes checked before any work', () => {
  it('--random beyond the memory bound is refused with the bytes, the limit and the most that fits', async () => {
    const out = join(dir, 'q.npy');
    const r = await runInProcess(
      ['simulate', 'orientations', au, '--random', '100000000', '-o', out],
      { env },
    );
    expectOneLine(
      r,
      '--random: 100000000 orientations need 64 bytes each',
      '6.0 GiB',
      '2.0 GiB',
      'at most 33554432',
    );
    const e = await runInProcess(
      ['simulate', 'orientations', au, '--random', '30000000', '--euler', '-o', out],
      { env },
    );
    expectOneLine(e, '80 bytes each', 'at most 26843545');
    const big = await runInProcess(['simulate', 'orientations', au, '--random', '1e12'], { env });
    expectOneLine(big, '--random: 1000000000000 orientations');
  });

  it('a --step whose grid is too large is refused with its point count and the smallest step that fits', async () => {
    const r = await runInProcess(['simulate', 'orientations', au, '--step', '0.5', '--json'], {
      env,
      timeoutMs: 10_000,
    });
    expect(r.hung).toBe(false);
    expectOneLine(
      r,
      '--step: an orientation grid at 0.5° has too many points',
      '118808640 grid points',
      'limit of 15000000 grid points',
      'at least 1°',
    );
  });

  it('small requests still run', async () => {
    const r = await runInProcess(['simulate', 'orientations', au, '--random', '10', '--json'], {
      env,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ count: 10 });
  });
});

describe('simulate dataset: the plan is sized before any shard runs', () => {
  async function sweepWith(name: string, orientations: string, chunk: number): Promise<string> {
    const base = await writeSmallSweep(dir, { size: 64 });
    const { readFile } = await import('node:fs/promises');
    const text = (await readFile(base, 'utf8'))
      .replace(/orientations: \{[^}]*\}/, `orientations: { ${orientations} }`)
      .replace(/chunkSize: \d+/, `chunkSize: ${chunk}`);
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('orientations.count: 1e12 is refused naming the key, the pattern count and the limit', async () => {
    const sweep = await sweepWith('huge.yaml', 'count: 1000000000000', 2500);
    const r = await runInProcess(['simulate', 'dataset', sweep, '-o', join(dir, 'huge')], {
      env,
      timeoutMs: 10_000,
    });
    expect(r.hung).toBe(false);
    expectOneLine(r, 'orientations.count', '6.00e+12 patterns', 'limit of 1000000000 patterns');
  });

  it('1e8 orientations with chunkSize 5 is refused as too many shards, with the chunkSize that fits', async () => {
    const sweep = await sweepWith('shards.yaml', 'count: 100000000', 5);
    const r = await runInProcess(['simulate', 'dataset', sweep, '-o', join(dir, 'shards')], {
      env,
      timeoutMs: 10_000,
    });
    expect(r.hung).toBe(false);
    expectOneLine(r, 'chunkSize', '120000000 shards', 'limit of 100000 shards', 'at least 6001');
  });

  it('a grid sampling finer than the walker allows is refused when the sweep loads', async () => {
    const sweep = await sweepWith('grid.yaml', 'count: 4, sampling: grid, gridStepDeg: 0.6', 4);
    const r = await runInProcess(['simulate', 'dataset', sweep, '-o', join(dir, 'grid')], {
      env,
      timeoutMs: 10_000,
    });
    expectOneLine(r, 'orientations.gridStepDeg', 'grid points');
  });
});
