/**
 * The exit path of bin/bragg.js, run as a user runs it: a child process whose stdout is a real
 * pipe. Output larger than the pipe (64 KiB) must arrive whole however slow the reader; a reader
 * that goes away (`| head -1`) must stop the command quietly; a bug escaping main is one line.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runBragg } from '../support/cli/spawn.js';

const BUILT = existsSync(join(ROOT, 'dist/src/cli/main.js'));

// ~780 kB of JSON: twelve times the pipe's 64 KiB, far more than the pipe and the reading side's
// buffers hold together (about 220 kB here), so an early exit is sure to cut it.
const REFLECTIONS = [
  'simulate',
  'reflections',
  'data/structures/pbi2-2h.cif',
  '--kv',
  '200',
  '--gmax',
  '4',
  '--json',
];

describe.skipIf(!BUILT)('bragg on a pipe (needs `npm run build`)', () => {
  it('writes all of a large JSON output to a reader slower than bragg', async () => {
    // The reader starts when bragg has exited (or after 3 s, when bragg waits for it as it
    // must): an exit before stdout drained cuts the output at what the pipe held.
    const r = await runBragg(REFLECTIONS, { reader: 'late' });
    expect(r.stderr).toBe('');
    expect(r.hung).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(10 * 65536);
    const rows = JSON.parse(r.stdout.toString('utf8')) as unknown[];
    expect(rows.length).toBeGreaterThan(100);
  });

  it('writes all of it to a reader that keeps up', async () => {
    const r = await runBragg(REFLECTIONS, { reader: 'all' });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(() => JSON.parse(r.stdout.toString('utf8'))).not.toThrow();
  });

  it('stops quietly with status 141 when the reader closes after the first chunk', async () => {
    const r = await runBragg(REFLECTIONS, { reader: 'first-chunk' });
    expect(r.stderr).toBe('');
    expect(r.hung).toBe(false);
    expect([r.code, r.signal]).toEqual([141, null]);
  });
});

describe('bin/bragg.js exit path (with a stand-in for the compiled CLI)', () => {
  it('stops a running command, quietly, when the reader goes away', async () => {
    const r = await runBragg([], {
      reader: 'first-chunk',
      fakeMain: true,
      env: { BRAGG_TEST_MAIN: 'stream' },
    });
    expect(r.stderr).toBe('');
    expect(r.hung).toBe(false);
    expect(r.code).toBe(141);
    expect(r.stdout.toString()).toMatch(/^line 0\n/);
  });

  it('after a broken pipe, waits for the command to wind down, then exits 141', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bragg-exit-'));
    try {
      const marker = join(dir, 'wound-down');
      const r = await runBragg([], {
        reader: 'first-chunk',
        fakeMain: true,
        env: { BRAGG_TEST_MAIN: 'wind-down', BRAGG_TEST_MARKER: marker },
      });
      expect(r.stderr).toBe('');
      expect(r.hung).toBe(false);
      // main resolved to 1 (interrupted); the status says the output was cut
      expect(r.code).toBe(141);
      expect(existsSync(marker)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits with the code main resolves to', async () => {
    const r = await runBragg([], {
      reader: 'all',
      fakeMain: true,
      env: { BRAGG_TEST_MAIN: 'code' },
    });
    expect([r.code, r.stderr]).toEqual([3, '']);
  });

  it('reports a bug escaping main in one line and a hint, without a stack trace', async () => {
    const r = await runBragg([], {
      reader: 'all',
      fakeMain: true,
      env: { BRAGG_TEST_MAIN: 'throw' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'bragg: internal error: a fake bug\n' +
        'bragg: this is a bug; rerun with BRAGG_DEBUG=1 to see where it happened\n',
    );
  });

  // tfjs-backend-wasm's emscripten glue rethrows from its own handlers: Node then exited 7 and
  // printed the line of minified wasm glue the throw came from (56 KB).
  for (const [mode, message] of [
    ['emscripten', 'a fake bug in a timer'],
    ['rejection', 'a fake unhandled rejection'],
  ] as const) {
    it(`reports an uncaught ${mode === 'emscripten' ? 'exception' : 'rejection'} in one line, past emscripten's rethrowing handlers`, async () => {
      const r = await runBragg([], {
        reader: 'all',
        fakeMain: true,
        env: { BRAGG_TEST_MAIN: mode },
      });
      expect(r.stderr).toBe(
        `bragg: internal error: ${message}\n` +
          'bragg: this is a bug; rerun with BRAGG_DEBUG=1 to see where it happened\n',
      );
      expect([r.code, r.signal]).toEqual([1, null]);
    });
  }

  it('adds the stack trace with BRAGG_DEBUG=1', async () => {
    const r = await runBragg([], {
      reader: 'all',
      fakeMain: true,
      env: { BRAGG_TEST_MAIN: 'throw', BRAGG_DEBUG: '1' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bragg: internal error: a fake bug\nTypeError: a fake bug\n\s+at /);
  });
});
