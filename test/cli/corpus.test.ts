/**
 * The corpus of bad invocations (issue 15, "Done when"): for every command of `bragg` — found
 * by walking the commander program, so commands added later are covered without a change here —
 * missing, empty, folder, garbage, truncated and oversized inputs, outputs no one can write, and
 * damaged run registries, datasets, checkpoints and model bundles. Every case must fail cleanly:
 * exit status ≠ 0, one message line naming the file or flag, no stack trace, no internal error,
 * no hang (each case has a time limit and is stopped through its signal after it), bounded
 * memory. The cases run in this process (`runInProcess`); a sample runs `bin/bragg.js` as a
 * child process, with and without BRAGG_DEBUG=1.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandContext } from '../../src/app/context.js';
import { buildProgram } from '../../src/cli/main.js';
import { packageRoot } from '../../src/core/paths.js';
import type { CorpusCase } from '../support/cli/corpus.js';
import { casesFor, judge, leafCommands } from '../support/cli/corpus.js';
import type { CorpusFixtures } from '../support/cli/corpus-fixtures.js';
import { makeCorpusFixtures } from '../support/cli/corpus-fixtures.js';
import { runInProcess } from '../support/cli/in-process.js';
import { stderrProblems } from '../support/cli/output.js';
import { runBragg } from '../support/cli/spawn.js';

/** Memory a whole command's cases may add to this process [bytes]. */
const MEMORY_BOUND = 1.5 * 2 ** 30;
/** Time limit of one case [ms]: a case still running then has started work. */
const CASE_TIMEOUT_MS = 10_000;

/**
 * Cases that still fail in commands outside this test's owner's area, each with what is wrong
 * (issue 15, reported to their owners). Each must still fail: the day one is fixed this test
 * says so, and the entry goes.
 */
const KNOWN_OPEN: Readonly<Record<string, string>> = {};

const specs = leafCommands(buildProgram(createCommandContext({})));
let dir: string;
let fx: CorpusFixtures;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-corpus-'));
  fx = await makeCorpusFixtures(dir);
  env = {
    ...process.env,
    BRAGG_DEBUG: '',
    BRAGG_HOME: join(dir, 'home'),
    BRAGG_RUNS_DB: '',
    BRAGG_ALLOW_OVERSUBSCRIBE: '',
  };
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the corpus covers every command', () => {
  it('finds the platform’s and the workflows’ commands, with their file arguments', () => {
    const names = specs.map((s) => s.path.join(' '));
    for (const c of [
      'info',
      'convert',
      'runs list',
      'simulate dataset',
      'phase train',
      'phase evaluate',
    ]) {
      expect(names).toContain(c);
    }
    const kinds = (path: string) =>
      specs.find((s) => s.path.join(' ') === path)!.slots.map((s) => `${s.label}:${s.kind}`);
    expect(kinds('simulate dataset')).toEqual(
      expect.arrayContaining([
        '<sweep>:sweep',
        '--output:output-dir',
        '--workers:threads',
        '--db:registry',
      ]),
    );
    expect(kinds('phase train')).toEqual(
      expect.arrayContaining([
        '--data:dataset',
        '--checkpoint-dir:checkpoints',
        '--output:output-dir',
      ]),
    );
    expect(kinds('convert')).toEqual(expect.arrayContaining(['<in>:array', '<out>:output-file']));
  });
});

describe('bad invocations fail cleanly', () => {
  for (const spec of specs) {
    it(`bragg ${spec.path.join(' ')}`, async () => {
      const cases = casesFor(spec, fx);
      const failures: string[] = [];
      // the process's peak resident memory (KiB): what a case allocated, even if freed since
      const peak0 = process.resourceUsage().maxRSS;
      for (const c of cases) {
        const r = await runInProcess(c.args, { env, timeoutMs: CASE_TIMEOUT_MS });
        const problems = judge(c, r, stderrProblems);
        if (KNOWN_OPEN[c.name] === undefined) {
          for (const p of problems) failures.push(`${c.name}: ${p}`);
        } else if (problems.length === 0) {
          failures.push(`${c.name}: fixed (${KNOWN_OPEN[c.name]}): remove it from KNOWN_OPEN`);
        }
      }
      expect(failures).toEqual([]);
      expect((process.resourceUsage().maxRSS - peak0) * 1024).toBeLessThan(MEMORY_BOUND);
    }, 240_000);
  }
});

const built = existsSync(join(packageRoot(), 'dist', 'src', 'cli', 'main.js'));

describe.skipIf(!built)(
  `a sample as child processes${built ? '' : ' (dist/ is not built)'}`,
  () => {
    /** A few cases of different kinds, as a user's shell runs them. */
    function sample(): CorpusCase[] {
      const pick = (command: string, what: RegExp): CorpusCase => {
        const spec = specs.find((s) => s.path.join(' ') === command)!;
        const c = casesFor(spec, fx).find((x) => what.test(x.name));
        if (!c) throw new Error(`no case ${what} for ${command}`);
        return c;
      };
      return [
        pick('info', /<file>: a folder/),
        pick('convert', /<out>: under a file/),
        pick('runs list', /--db: garbage/),
        pick('simulate dataset', /<sweep>: oversized \(1e12/),
        pick('phase train', /--data: a shard missing/),
        pick('phase evaluate', /--pred: missing/),
      ];
    }

    it('fail with one clean line, the same as in-process', async () => {
      const failures: string[] = [];
      for (const c of sample()) {
        const r = await runBragg(c.args, {
          reader: 'all',
          killAfterMs: 60_000,
          env: { BRAGG_HOME: join(dir, 'home') },
        });
        for (const p of judge(
          c,
          { code: r.code ?? undefined, stderr: r.stderr, hung: r.hung },
          stderrProblems,
        )) {
          failures.push(`${c.name}: ${p}`);
        }
      }
      expect(failures).toEqual([]);
    }, 240_000);

    it('with BRAGG_DEBUG=1 the message is followed by where it was thrown', async () => {
      const c = sample()[0]!;
      const r = await runBragg(c.args, {
        reader: 'all',
        killAfterMs: 60_000,
        env: { BRAGG_DEBUG: '1' },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^bragg: /);
      expect(r.stderr).toMatch(/\n\s+at /);
    }, 60_000);
  },
);
