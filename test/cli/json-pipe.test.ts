/**
 * Every command that has `--json`, run as a user runs it — `node bin/bragg.js … --json` with
 * stdout a real pipe — on small inputs this test makes itself: all of stdout must parse, as one
 * JSON document or as JSON lines (every line a document), with exit 0 and no stack trace or
 * library source on stderr. Outputs larger than the pipe (64 KiB) are among them.
 *
 * Not run here: `bragg worker --json` (runs until stopped and needs Redis; test/e2e/bullmq.test.ts
 * runs it) and `bragg bench scale --json` (about 20 s
 * at its smallest, `--patterns 2 --method rings --no-redis`, on 2 cores).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TINY_ARCH,
  writeTinyMap,
  writeTinyPacbedConfig,
  writeTinySweep,
} from '../support/cli/fixtures.js';
import { parseJsonOutput, stderrProblems, type ParsedJson } from '../support/cli/output.js';
import { ROOT, runBragg } from '../support/cli/spawn.js';

const BUILT = existsSync(join(ROOT, 'dist/src/cli/main.js'));
const BENCH = existsSync(join(ROOT, 'dist/bench/cli.js'));
const PIPE = 65536;

describe.skipIf(!BUILT)(
  'every --json output, read whole from a pipe (needs `npm run build`)',
  () => {
    let dir = '';
    let db = '';
    let sweep = '';
    let pacbed = '';
    let map = '';
    /** Bytes of stdout per case, for the check that large outputs were among them. */
    const sizes = new Map<string, number>();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bragg-json-pipe-'));
      db = join(dir, 'runs.sqlite');
      sweep = await writeTinySweep(dir);
      pacbed = await writeTinyPacbedConfig(dir);
      map = await writeTinyMap(dir);
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    /** Runs `args` with a reader that keeps up; asserts a clean exit; returns the parsed stdout. */
    async function json(name: string, args: string[]): Promise<ParsedJson> {
      const r = await runBragg(args, {
        reader: 'all',
        env: { BRAGG_HOME: join(dir, 'home') },
        killAfterMs: 120_000,
      });
      sizes.set(name, r.stdout.length);
      expect(stderrProblems(r.stderr), r.stderr.slice(0, 2000)).toEqual([]);
      expect(r.hung).toBe(false);
      expect([r.code, r.signal], r.stderr.slice(0, 2000)).toEqual([0, null]);
      const parsed = parseJsonOutput(r.stdout.toString('utf8'));
      expect(parsed.kind === 'invalid' ? parsed.error : parsed.kind).toMatch(/^(document|lines)$/);
      return parsed;
    }

    /** The last record of JSON lines (or the document). */
    function last(p: ParsedJson): Record<string, unknown> {
      const v = p.kind === 'lines' ? p.values.at(-1) : p.kind === 'document' ? p.value : undefined;
      return v as Record<string, unknown>;
    }

    it('info: every bundled sample and a CIF', async () => {
      for (const f of ['au-zones.nxs', 'au-001.dm4', 'au-001.npy', 'au-001.png', 'au-001.tif']) {
        const p = await json(`info ${f}`, ['info', join(ROOT, 'data/samples', f), '--json']);
        expect(last(p)).toMatchObject({ file: join(ROOT, 'data/samples', f) });
      }
      await json('info cif', ['info', join(ROOT, 'data/structures/au.cif'), '--json']);
    });

    it('convert', async () => {
      const p = await json('convert', [
        'convert',
        join(ROOT, 'data/samples/au-001.npy'),
        join(dir, 'au.npz'),
        '--json',
      ]);
      expect(p.kind).toBe('document');
    });

    it('simulate reflections (about 780 kB: twelve pipes full)', async () => {
      const p = await json('simulate reflections', [
        'simulate',
        'reflections',
        join(ROOT, 'data/structures/pbi2-2h.cif'),
        '--kv',
        '200',
        '--gmax',
        '4',
        '--json',
      ]);
      expect(p.kind).toBe('document');
      expect(sizes.get('simulate reflections')).toBeGreaterThan(10 * PIPE);
    });

    it('simulate pattern and orientations', async () => {
      const cif = join(ROOT, 'data/structures/au.cif');
      await json('simulate pattern', [
        'simulate',
        'pattern',
        cif,
        '--kv',
        '200',
        '--zone',
        '1,1,0',
        '--size',
        '128',
        '-o',
        join(dir, 'pattern.npy'),
        '--json',
      ]);
      await json('simulate orientations', [
        'simulate',
        'orientations',
        cif,
        '--step',
        '5',
        '--json',
      ]);
    });

    it('simulate pacbed and cbed', async () => {
      const common = [
        join(ROOT, 'data/structures/rutile.cif'),
        '--kv',
        '80',
        '--conv-angle',
        '20',
        '--thickness',
        '30,60',
        '--sampling',
        '0.15',
        '--extent',
        '4.6',
        '--max-angle',
        '40',
        '--threads',
        '1',
        '--json',
      ];
      await json('simulate pacbed', [
        'simulate',
        'pacbed',
        ...common,
        '--scan',
        '2',
        '-o',
        join(dir, 'p.npz'),
      ]);
      await json('simulate cbed', ['simulate', 'cbed', ...common, '-o', join(dir, 'c.npz')]);
    });

    it('simulate dataset (JSON lines), then runs list and runs show', async () => {
      const p = await json('simulate dataset', [
        'simulate',
        'dataset',
        sweep,
        '-o',
        join(dir, 'data'),
        '--workers',
        '2',
        '--db',
        db,
        '--json',
      ]);
      expect(p.kind).toBe('lines');
      const summary = last(p);
      expect(summary).toMatchObject({ type: 'summary', status: 'completed', shards: 12 });
      const list = await json('runs list', ['runs', 'list', '--db', db, '--json']);
      expect(list.kind).toBe('document');
      const show = await json('runs show', [
        'runs',
        'show',
        String(summary.runId),
        '--db',
        db,
        '--json',
      ]);
      expect(last(show)).toMatchObject({ id: summary.runId, status: 'completed' });
    });

    it('simulate pacbed-dataset (JSON lines, the summary one of them)', async () => {
      const p = await json('simulate pacbed-dataset', [
        'simulate',
        'pacbed-dataset',
        pacbed,
        '--threads',
        '1',
        '--db',
        db,
        '--json',
      ]);
      expect(p.kind).toBe('lines');
      expect(last(p)).toMatchObject({ type: 'summary', status: 'completed', images: 6 });
    });

    let modelDir = '';
    it('phase train (JSON lines, the result one of them), predict and evaluate', async () => {
      const t = await json('phase train', [
        'phase',
        'train',
        '--data',
        join(dir, 'data'),
        '--epochs',
        '1',
        '--batch-size',
        '8',
        ...TINY_ARCH,
        '-o',
        join(dir, 'models'),
        '--db',
        db,
        '--json',
      ]);
      expect(t.kind).toBe('lines');
      const result = last(t);
      expect(result).toMatchObject({ type: 'result' });
      modelDir = String(result.modelDir);
      const p = await json('phase predict', [
        'phase',
        'predict',
        map,
        '--model',
        modelDir,
        '-o',
        join(dir, 'pred'),
        '--db',
        db,
        '--json',
      ]);
      expect(p.kind).toBe('document');
      const [pred] = (p as { value: { npz: string }[] }).value;
      await json('phase evaluate', [
        'phase',
        'evaluate',
        '--pred',
        pred!.npz,
        '--exp-dir',
        join(dir, 'maps'),
        '--cif-dir',
        dir,
        '--json',
      ]);
    });

    it('doctor', async () => {
      await json('doctor', ['doctor', '--json']);
    });

    it('demo (the readable report on stderr, only the summary document on stdout)', async () => {
      // Before the fix stdout held the report and then the JSON: no parser could read it.
      const parsed = await json('demo', [
        'demo',
        '--count',
        '2',
        '--epochs',
        '1',
        '--no-pacbed',
        '-o',
        join(dir, 'demo'),
        '--json',
      ]);
      expect(parsed.kind).toBe('document');
      if (parsed.kind === 'document') {
        expect(parsed.value).toMatchObject({
          datasetId: expect.any(String),
          modelId: expect.any(String),
        });
      }
    }, 180_000);

    describe.skipIf(!BENCH)('bench, at their smallest settings', () => {
      const cases: [string, string[]][] = [
        ['kinematic', ['--min-ms', '1']],
        ['multislice', ['--scan', '1']],
        ['conv', ['--net', 'phase1d', '--reps', '1']],
        ['formats-npy', ['--size-mb', '1', '--repeats', '1']],
        ['formats-dm', ['--size-mb', '1', '--repeats', '1']],
        ['formats-nexus', ['--frames', '2', '--samples', '1']],
        ['train', ['--net', 'phase1d', '--steps', '1', '--warmup', '1']],
        ['phase-predict', ['--size', '4', '--repeats', '1']],
      ];
      for (const [name, args] of cases) {
        it(name, async () => {
          const extra = name.startsWith('formats-') && name !== 'formats-npy' ? ['--dir', dir] : [];
          await json(`bench ${name}`, ['bench', name, ...args, ...extra, '--json']);
        });
      }
    });

    it('had outputs larger than the pipe among them', () => {
      const large = [...sizes].filter(([, n]) => n > PIPE).map(([name]) => name);
      expect(large).toContain('simulate reflections');
    });
  },
);
