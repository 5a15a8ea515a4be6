import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import { writeSmallSweep } from '../support/jobs/sweep.js';
import { main } from '../../src/cli/main.js';

const built = existsSync(join(packageRoot(), 'dist', 'src', 'app', 'job-worker.js'));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
  try {
    const code = await main(['node', 'bragg', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe.skipIf(!built)('bragg simulate dataset / runs (needs dist/: npm run build)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bragg-cli-ds-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a dataset with JSON progress lines, then lists and shows the run', async () => {
    const sweep = await writeSmallSweep(dir, { count: 6, chunk: 3, size: 128 });
    const db = join(dir, 'runs.sqlite');
    const out = join(dir, 'out');
    const r = await run([
      'simulate',
      'dataset',
      sweep,
      '-o',
      out,
      '--workers',
      '2',
      '--json',
      '--db',
      db,
    ]);
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = lines.filter((l) => l.type === 'progress');
    expect(progress.filter((p) => (p.event as { kind: string }).kind === 'done')).toHaveLength(12);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({
      type: 'summary',
      status: 'completed',
      patterns: 36,
      shards: 12,
      skippedShards: 0,
    });

    const again = await run(['simulate', 'dataset', sweep, '-o', out, '--json', '--db', db]);
    expect(JSON.parse(again.out.trim().split('\n').at(-1)!)).toMatchObject({
      skippedShards: 12,
      computedPatterns: 0,
    });

    const list = await run(['runs', 'list', '--db', db, '--json']);
    const runs = JSON.parse(list.out) as { id: string; status: string; patterns: number }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: summary.runId, status: 'completed', patterns: 36 });
    const show = await run(['runs', 'show', String(summary.runId).slice(0, 8), '--db', db]);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`lineage   output dataset ${String(summary.datasetId)}`);
    expect(show.out).toMatch(/s1-c2-b1 +done/);
  });

  it('reports a bad sweep key with its line, and an unknown run id, as errors (exit 1)', async () => {
    const bad = await run([
      'simulate',
      'dataset',
      join(packageRoot(), 'package.json'),
      '-o',
      join(dir, 'x'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown key|required key/);
    const none = await run(['runs', 'show', 'nope', '--db', join(dir, 'runs.sqlite')]);
    expect(none.code).toBe(1);
    expect(none.err).toContain("no run with id 'nope'");
  });
});

describe.skipIf(!built)('Ctrl-C (needs dist/)', () => {
  it('SIGINT stops a local run cleanly (exit 1, interrupted) and the same command resumes it', async () => {
    const { spawn } = await import('node:child_process');
    const dir = await mkdtemp(join(tmpdir(), 'bragg-cli-int-'));
    try {
      const sweep = await writeSmallSweep(dir, { count: 40, chunk: 2, size: 256 });
      const args = [
        join(packageRoot(), 'bin', 'bragg.js'),
        'simulate',
        'dataset',
        sweep,
        '-o',
        join(dir, 'out'),
        '--json',
        '--workers',
        '1',
        '--db',
        join(dir, 'runs.sqlite'),
      ];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!sent && out.includes('"kind":"done"')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
      expect(code).toBe(1);
      const summary = JSON.parse(out.trim().split('\n').at(-1)!) as {
        status: string;
        shards: number;
      };
      expect(summary.status).toBe('interrupted');
      expect(summary.shards).toBeGreaterThan(0);
      expect(summary.shards).toBeLessThan(60);
      // The same command again resumes: finished shards are kept, the rest computed.
      const again = await run([
        'simulate',
        'dataset',
        sweep,
        '-o',
        join(dir, 'out'),
        '--json',
        '--workers',
        '1',
        '--db',
        join(dir, 'runs.sqlite'),
      ]);
      expect(again.code).toBe(0);
      const s2 = JSON.parse(again.out.trim().split('\n').at(-1)!) as {
        status: string;
        skippedShards: number;
        patterns: number;
      };
      expect(s2.status).toBe('completed');
      expect(s2.skippedShards).toBeGreaterThanOrEqual(summary.shards);
      expect(s2.patterns).toBe(240);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
