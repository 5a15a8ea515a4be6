/**
 * Runs `node bin/bragg.js …` as a child process the way a shell pipeline would, with stdout a
 * real pipe and a reader that behaves as asked.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The entry point under test (`BRAGG_TEST_BIN` to try another one, e.g. an older copy). */
const BIN = process.env.BRAGG_TEST_BIN ?? 'bin/bragg.js';

export interface BraggRun {
  /** Exit status, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** True when the child was still running after `killAfterMs` and was killed. */
  hung: boolean;
  /** Wall time from the spawn to the child's end [ms] (reported, never asserted). */
  ms: number;
}

export interface SpawnOptions {
  /**
   * How stdout's reader behaves: `all` reads everything as it comes; `late` reads nothing
   * until the child has exited or `lateMs` have passed (a reader slower than bragg), then
   * everything; `first-chunk` closes the pipe after the first chunk (`| head -c 100`);
   * `first-line` closes it once a whole line arrived (`| head -1`); `closed` closes it before
   * bragg writes anything (`| true`), so that even a command that prints once, at the end,
   * writes to a pipe without a reader.
   */
  reader: 'all' | 'late' | 'first-chunk' | 'first-line' | 'closed';
  lateMs?: number;
  env?: Record<string, string>;
  /** Replace the compiled CLI by test/support/cli/fake-main.mjs (behaviour: BRAGG_TEST_MAIN). */
  fakeMain?: boolean;
  killAfterMs?: number;
}

export function runBragg(args: readonly string[], o: SpawnOptions): Promise<BraggRun> {
  const pre = o.fakeMain ? ['--import', './test/support/cli/redirect-main.mjs'] : [];
  const t0 = performance.now();
  const child = spawn(process.execPath, [...pre, BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, BRAGG_DEBUG: '', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let stderr = '';
  let hung = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  const collect = (): void => {
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stdout.resume();
  };
  if (o.reader === 'all') collect();
  if (o.reader === 'first-chunk') {
    child.stdout.once('data', (b: Buffer) => {
      out.push(b);
      child.stdout.destroy();
    });
  }
  if (o.reader === 'first-line') {
    const onData = (b: Buffer): void => {
      out.push(b);
      if (!b.includes(0x0a)) return;
      child.stdout.off('data', onData);
      child.stdout.destroy();
    };
    child.stdout.on('data', onData);
  }
  if (o.reader === 'closed') child.stdout.destroy();
  if (o.reader === 'late') {
    child.stdout.pause();
    const start = setTimeout(collect, o.lateMs ?? 3000);
    child.once('exit', () => {
      clearTimeout(start);
      collect();
    });
  }
  const killer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, o.killAfterMs ?? 40_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      const ms = performance.now() - t0;
      resolve({ code, signal, stdout: Buffer.concat(out), stderr, hung, ms });
    });
  });
}
