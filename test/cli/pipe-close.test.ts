/**
 * `bragg … | head -1` for the commands of issue 15 (item 1): the reader closes the pipe after
 * the first line (or before the first byte, for a command that prints once, at the end). The
 * command must stop quietly — no stack trace and no library source on stderr (`phase train
 * --json` once exited 7 after printing 56 KB of minified tfjs-backend-wasm glue) — end without
 * hanging, exit 141 (128 + SIGPIPE, as bin/bragg.js documents), and leave no run `running` in
 * the run registry: a closed pipe stops a run as Ctrl-C does (`interrupted`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_ARCH, writeTinyPacbedConfig, writeTinySweep } from '../support/cli/fixtures.js';
import { stderrProblems } from '../support/cli/output.js';
import { ROOT, runBragg, type SpawnOptions } from '../support/cli/spawn.js';

const BUILT = existsSync(join(ROOT, 'dist/src/cli/main.js'));

describe.skipIf(!BUILT)('a reader that goes away (`| head -1`; needs `npm run build`)', () => {
  let dir = '';
  let sweep = '';
  const durations: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bragg-pipe-close-'));
    sweep = await writeTinySweep(dir);
    // the dataset `phase train` reads
    const r = await runBragg(
      [
        'simulate',
        'dataset',
        sweep,
        '-o',
        join(dir, 'data'),
        '--workers',
        '2',
        '--db',
        join(dir, 'setup.sqlite'),
      ],
      { reader: 'all', env: { BRAGG_HOME: join(dir, 'home') } },
    );
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    console.info(`bragg … | head -1, time to exit: ${durations.join('; ')}`);
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs `args` with `reader`; asserts a quiet stop with 141 within a generous bound. */
  async function closedEarly(
    name: string,
    args: string[],
    reader: SpawnOptions['reader'] = 'first-line',
  ): Promise<void> {
    const r = await runBragg(args, {
      reader,
      env: { BRAGG_HOME: join(dir, 'home') },
      killAfterMs: 60_000,
    });
    durations.push(`${name} ${(r.ms / 1000).toFixed(1)} s`);
    expect(stderrProblems(r.stderr), r.stderr.slice(0, 2000)).toEqual([]);
    expect(r.stderr.length, r.stderr.slice(0, 2000)).toBeLessThan(4000);
    expect(r.hung).toBe(false);
    expect([r.code, r.signal], r.stderr.slice(0, 2000)).toEqual([141, null]);
  }

  /** The statuses of the runs in registry `db`. */
  async function statuses(db: string): Promise<string[]> {
    const r = await runBragg(['runs', 'list', '--db', db, '--json'], { reader: 'all' });
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout.toString('utf8')) as { status: string }[]).map((x) => x.status);
  }

  function stoppedRuns(list: string[]): void {
    expect(list.length).toBeGreaterThan(0);
    for (const s of list) expect(['interrupted', 'completed']).toContain(s);
  }

  it('info of an HDF5/NeXus file, as text and as JSON', async () => {
    const nxs = join(ROOT, 'data/samples/au-zones.nxs');
    // `info` prints once, at the end: a pipe closed before it writes is the reader gone.
    await closedEarly('info', ['info', nxs], 'closed');
    await closedEarly('info --json', ['info', nxs, '--json'], 'closed');
  });

  it('simulate dataset --json: the run ends interrupted', async () => {
    const db = join(dir, 'dataset.sqlite');
    await closedEarly('simulate dataset --json', [
      'simulate',
      'dataset',
      sweep,
      '-o',
      join(dir, 'data-cut'),
      '--workers',
      '2',
      '--db',
      db,
      '--json',
    ]);
    stoppedRuns(await statuses(db));
  });

  it('simulate pacbed-dataset --json: the run ends interrupted', async () => {
    const db = join(dir, 'pacbed.sqlite');
    const config = await writeTinyPacbedConfig(dir);
    await closedEarly('simulate pacbed-dataset --json', [
      'simulate',
      'pacbed-dataset',
      config,
      '--threads',
      '1',
      '--db',
      db,
      '--json',
    ]);
    stoppedRuns(await statuses(db));
  });

  it('demo, at its smallest', async () => {
    await closedEarly('demo', [
      'demo',
      '--count',
      '2',
      '--epochs',
      '1',
      '--workers',
      '2',
      '-o',
      join(dir, 'demo'),
    ]);
  });

  it('phase train --json: no tfjs-backend-wasm source, the training run ends interrupted', async () => {
    const db = join(dir, 'train.sqlite');
    await closedEarly('phase train --json', [
      'phase',
      'train',
      '--data',
      join(dir, 'data'),
      '--epochs',
      '50',
      '--batch-size',
      '4',
      ...TINY_ARCH,
      '-o',
      join(dir, 'models'),
      '--db',
      db,
      '--json',
    ]);
    stoppedRuns(await statuses(db));
  });
});
