/**
 * Up-front limits the CLI applies to every command before it runs: thread and worker counts
 * (`--threads`, `--workers`, `--concurrency`, and `BRAGG_THREADS` for a command with
 * `--threads`) are capped at the machine's cores. Each thread of a pool costs memory and
 * start-up time (1,000 threads took ~6 GB for a 1 s job), and more threads than cores make
 * nothing faster. One mechanism for all commands, those of every workflow included: the
 * environment variable `BRAGG_ALLOW_OVERSUBSCRIBE=1` lifts the cap (for a container whose CPU
 * quota hides cores, or a deliberate test); there is no per-command `--force`.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { LimitError } from '../core/errors.js';

/** The environment variable that lifts the cap (any value but empty or `0`). */
export const ALLOW_OVERSUBSCRIBE = 'BRAGG_ALLOW_OVERSUBSCRIBE';

/** Options (by attribute name) that start one thread each, and what a unit of them is. */
const PARALLEL_OPTIONS: Readonly<Record<string, string>> = {
  threads: 'threads',
  workers: 'worker threads',
  concurrency: 'jobs at a time (a worker thread each)',
};

/** Whether `env` lifts the cap. */
export function oversubscribeAllowed(env: NodeJS.ProcessEnv): boolean {
  const v = env[ALLOW_OVERSUBSCRIBE];
  return v !== undefined && v !== '' && v !== '0';
}

/**
 * Throws a `LimitError` (field: the option's attribute name, so the CLI shows the flag) when a
 * thread count given to `command` exceeds `cores`, unless `env` allows it. Values that are not
 * numbers are left to the command's own checks.
 */
export function checkParallelism(
  command: Command,
  env: NodeJS.ProcessEnv,
  cores: number = availableParallelism(),
): void {
  if (oversubscribeAllowed(env)) return;
  const hint = `the machine has ${cores} cores; set ${ALLOW_OVERSUBSCRIBE}=1 to allow more`;
  for (const o of command.options) {
    const key = o.attributeName();
    const unit = PARALLEL_OPTIONS[key];
    if (unit === undefined) continue;
    const value = command.getOptionValue(key) as unknown;
    const n = typeof value === 'number' ? value : Number(value);
    if (value !== undefined && Number.isFinite(n) && n > cores) {
      throw new LimitError(`${n} ${unit} requested`, { field: key, value: n, limit: cores, hint });
    }
    if (key === 'threads' && value === undefined && env.BRAGG_THREADS !== undefined) {
      const t = Number(env.BRAGG_THREADS);
      if (Number.isFinite(t) && t > cores) {
        throw new LimitError(`BRAGG_THREADS=${env.BRAGG_THREADS} threads requested`, {
          value: t,
          limit: cores,
          hint,
        });
      }
    }
  }
}

/** Installs {@link checkParallelism} on `program`: it runs before every command's action. */
export function installLimits(program: Command, env: NodeJS.ProcessEnv): void {
  program.hook('preAction', (_hooked, actionCommand) => checkParallelism(actionCommand, env));
}
