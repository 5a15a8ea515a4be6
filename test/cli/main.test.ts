import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { flagFor, runProgram } from '../../src/cli/main.js';
import { BraggError, FormatError, ValidationError } from '../../src/core/errors.js';
import { takeFrame } from '../../src/core/slice.js';
import { fromSystemError } from '../../src/core/system-errors.js';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray } from '../../src/core/ndarray.js';

/**
 * A small program shaped like bragg's (a group with a subcommand, options in kebab-case, a
 * global option): its action throws whatever error `throwing` makes from the parsed options.
 */
function program(throwing: (opts: Record<string, unknown>) => unknown): Command {
  const root = new Command('bragg').exitOverride().option('--threads <n>', 'global');
  root.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const group = root.command('simulate');
  group
    .command('pattern')
    .argument('<cif>')
    .option('--width <px>')
    .option('--kernel-size <n>')
    .option('--thickness <list>')
    .option('--dw', 'Debye–Waller on')
    .addOption(new Option('--no-dw', 'Debye–Waller off'))
    .option('--size <n>', 'parsed by a parser that throws', (v) => {
      if (v === '0') throw new ValidationError(`must be ≥ 1, got ${v}`, 'size');
      return Number(v);
    })
    .action((_cif: string, opts: Record<string, unknown>) => {
      throw throwing(opts);
    });
  return root;
}

async function run(
  throwing: (opts: Record<string, unknown>) => unknown,
  args: string[] = [],
  debug = false,
): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const out = { stderr: { write: (s: string) => (stderr += s) }, debug };
  const argv = ['node', 'bragg', 'simulate', 'pattern', 'x.cif', ...args];
  const code = await runProgram(program(throwing), argv, out);
  return { code, stderr };
}

describe('CLI: validation fields shown as the flags of the command that ran', () => {
  it('maps a camelCase field to its kebab-case flag', async () => {
    const r = await run(() => new ValidationError('must be odd, got 4', 'kernelSize'));
    expect(r).toEqual({ code: 1, stderr: 'bragg: --kernel-size: must be odd, got 4\n' });
  });

  it('maps plain, kebab-case, dotted and indexed fields, and a parent command’s option', async () => {
    const cases: [string, string][] = [
      ['width', '--width'],
      ['kernel-size', '--kernel-size'],
      ['thickness[2]', '--thickness[2]'],
      ['thickness.max', '--thickness.max'],
      ['dw', '--dw'],
      ['threads', '--threads'],
    ];
    for (const [field, flag] of cases) {
      const r = await run(() => new ValidationError('bad', field));
      expect(r.stderr).toBe(`bragg: ${flag}: bad\n`);
    }
  });

  it('leaves fields that are no option as they are', async () => {
    for (const field of ['phases[0].cif', 'cif', '--width', 'frame']) {
      const r = await run(() => new ValidationError('bad', field));
      expect(r.stderr).toBe(`bragg: ${field}: bad\n`);
    }
  });

  it('maps a field of an error thrown while options are parsed', async () => {
    const r = await run(() => new Error('not reached'), ['--size', '0']);
    expect(r).toEqual({ code: 1, stderr: 'bragg: --size: must be ≥ 1, got 0\n' });
  });

  it('shows a library error’s domain field as the flag (takeFrame → --frame)', async () => {
    const root = new Command('bragg').exitOverride();
    root
      .command('convert')
      .option('--frame <n>')
      .action((opts: { frame: string }) => {
        takeFrame(ndarray('float32', [3, 2]), Number(opts.frame));
      });
    let stderr = '';
    const out = { stderr: { write: (s: string) => (stderr += s) }, debug: false };
    const code = await runProgram(root, ['node', 'bragg', 'convert', '--frame', '5'], out);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^bragg: --frame: frame 5 is out of range/);
  });

  it('finds flags through flagFor directly', () => {
    const sub = program(() => undefined).commands[0]!.commands[0]!;
    expect(flagFor(sub, 'kernelSize')).toBe('--kernel-size');
    expect(flagFor(sub, 'nope')).toBeUndefined();
  });
});

describe('CLI: error messages and exit codes', () => {
  it('prints other bragg errors as they are, exit code 1', async () => {
    const r = await run(() => new FormatError('NPY', 'truncated', { file: 'a.npy' }));
    expect(r).toEqual({ code: 1, stderr: 'bragg: NPY: truncated (a.npy)\n' });
  });

  it('prints an unexpected error as an internal error with a hint, no stack', async () => {
    const r = await run(() => new TypeError('cannot read properties of undefined'));
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('bragg: internal error: cannot read properties of undefined');
    expect(lines[1]).toMatch(/BRAGG_DEBUG=1/);
    expect(lines).toHaveLength(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const bug = await run(() => new BraggError('INTERNAL', 'unhandled dtype'));
    expect(bug.stderr).toMatch(/^bragg: internal error: unhandled dtype\n.*BRAGG_DEBUG=1/);
    const str = await run(() => 'a thrown string');
    expect(str.stderr).toMatch(/^bragg: internal error: a thrown string\n/);
  });

  it('adds the stack with debug on', async () => {
    const r = await run(() => new TypeError('boom'), [], true);
    expect(r.stderr).toMatch(/^bragg: internal error: boom\nTypeError: boom\n\s+at /);
    const v = await run(() => new ValidationError('bad', 'width'), [], true);
    expect(v.stderr).toMatch(/^bragg: --width: bad\nValidationError: width: bad\n\s+at /);
  });

  it('exits 2 on usage errors and 0 on --help', async () => {
    expect((await run(() => undefined, ['--bogus'])).code).toBe(2);
    expect((await run(() => undefined, ['--help'])).code).toBe(0);
  });
});

describe('file-system errors at the edge', () => {
  it('a missing output folder is a one-line IO error naming the file, not an internal error', async () => {
    // Before the fix: "bragg: internal error: ENOENT …" and a hint that this is a bug.
    const target = join(tmpdir(), `bragg-missing-${process.pid}`, 'x.npy');
    const p = new Command().name('t').exitOverride();
    p.command('write').action(async () => {
      await writeFile(target, 'x');
    });
    let err = '';
    const code = await runProgram(p, ['node', 't', 'write'], {
      stderr: { write: (s: string) => (err += s) },
      debug: false,
    });
    expect(code).toBe(1);
    expect(err).toBe(`bragg: cannot open ${target}: no such file or folder (ENOENT)\n`);
  });

  it('leaves other errors alone', () => {
    const e = new TypeError('x is not a function');
    expect(fromSystemError(e)).toBe(e);
    const b = new ValidationError('bad', 'f');
    expect(fromSystemError(b)).toBe(b);
  });
});
