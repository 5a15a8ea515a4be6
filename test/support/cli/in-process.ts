/**
 * Runs `bragg …` in this process: the real program (`buildProgram`, every command of
 * `COMMANDS`) with an environment of the test's choosing and a stop signal the test controls,
 * stdout and stderr captured. A case that has not settled after `timeoutMs` is asked to stop
 * (its signal aborts, as Ctrl-C would) and reported as `hung` — what a command whose success
 * path started work looks like.
 */
import type { Command } from 'commander';
import { createCommandContext } from '../../../src/app/context.js';
import { buildProgram, runProgram } from '../../../src/cli/main.js';

export interface InProcessRun {
  code: number | undefined;
  stdout: string;
  stderr: string;
  /** Still running at `timeoutMs` (then stopped through its signal). */
  hung: boolean;
  /** Wall time [ms] (reported, never asserted). */
  ms: number;
}

export interface InProcessOptions {
  /** The command's environment (default: this process's, with BRAGG_DEBUG unset). */
  env?: NodeJS.ProcessEnv;
  /** How long before the case counts as hung (default 20 s). */
  timeoutMs?: number;
  /** How long a hung case may take to stop after its signal aborted (default 5 s). */
  windDownMs?: number;
}

type Write = typeof process.stdout.write;

/** Runs `args` (without `node bragg`) in-process; see the module comment. */
export async function runInProcess(
  args: readonly string[],
  o: InProcessOptions = {},
): Promise<InProcessRun> {
  const env = o.env ?? { ...process.env, BRAGG_DEBUG: '' };
  const controller = new AbortController();
  const ctx = createCommandContext(env, {
    signal: controller.signal,
    interruptible: () => () => undefined,
  });
  const program: Command = buildProgram(ctx);
  program.configureOutput({
    writeOut: (s) => void (stdout += s),
    writeErr: (s) => void (stderr += s),
  });
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture =
    (to: 'out' | 'err'): Write =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
      if (to === 'out') stdout += text;
      else stderr += text;
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    };
  process.stdout.write = capture('out');
  process.stderr.write = capture('err');
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const running = runProgram(program, ['node', 'bragg', ...args], {
      stderr: { write: (s: string) => (stderr += s) },
      debug: Boolean(env.BRAGG_DEBUG),
      signal: controller.signal,
    });
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), o.timeoutMs ?? 20_000);
    });
    const first = await Promise.race([running, timeout]);
    if (first !== 'timeout') return { code: first, stdout, stderr, hung: false, ms: ms(t0) };
    controller.abort('interrupt');
    const late = await Promise.race([
      running,
      new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), o.windDownMs ?? 5000),
      ),
    ]);
    return { code: late, stdout, stderr, hung: true, ms: ms(t0) };
  } finally {
    clearTimeout(timer);
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

function ms(t0: number): number {
  return performance.now() - t0;
}
