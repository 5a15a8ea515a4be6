/**
 * The command contract: a CLI command (or command group) is a module that adds itself to the
 * commander program. Workflows contribute theirs through the Workflow contract; the platform's
 * own commands (info, convert, runs, …) live in src/cli/commands/. Commands get what the
 * composition root provides (executors, the run registry, the environment) through a
 * `CommandContext`, never by importing it.
 */
import type { Command } from 'commander';
import { BraggError } from '../core/errors.js';
import type { Executor } from '../jobs/executor.js';
import type { BackendConfig, BackendOptions } from '../ml/backend/select.js';
import type { RunRegistry } from '../jobs/run-registry.js';

/** Where a run's jobs go. */
export interface ExecutorChoice {
  /** BullMQ workers through this Redis (`redis://host:port`). */
  redis?: string;
  /** BullMQ queue name (with `redis`). */
  queue?: string;
  /** Threads of the local worker pool (default: the cores). */
  workers?: number;
  /** Run the jobs one after another on the calling thread (when no `redis`/`workers`). */
  inline?: boolean;
}

/** Why the running command was asked to stop (the `reason` of `CommandContext.signal`). */
export type StopReason =
  /** Ctrl-C (SIGINT) */
  | 'interrupt'
  /** SIGTERM */
  | 'terminate'
  /** stdout's reader went away (`bragg … | head -1`: EPIPE); nothing more can be printed */
  | 'broken-pipe';

/** What the composition root gives every command. */
export interface CommandContext {
  /** The environment, read once at the edge (`BRAGG_*` variables). */
  readonly env: NodeJS.ProcessEnv;
  /**
   * Aborted when the running command should stop, its `reason` a `StopReason`: on Ctrl-C or
   * SIGTERM while the command is `interruptible`, and whenever stdout's reader goes away. A
   * command that runs long passes it to its runs (they end as `interrupted` in the run
   * registry) or checks it between steps (`throwIfStopped`).
   */
  readonly signal: AbortSignal;
  /**
   * Declares that the running command winds down on `signal`: until the returned function is
   * called, the first Ctrl-C (or SIGTERM) prints `notice` on stderr and aborts `signal`, and a
   * second one quits at once (exit 130; 143 for SIGTERM). A command that never declares it
   * quits at once on Ctrl-C, as any program does.
   */
  interruptible(notice: string): () => void;
  /** An executor able to run every job type of every workflow. */
  executor(choice: ExecutorChoice): Executor;
  /** The run registry's default location (from the environment). */
  registryPath(): string;
  /** Open the run registry (`path` or the default). */
  openRegistry(path?: string): RunRegistry;
  /**
   * The compute backend's configuration: `flags` (the command's --backend/--threads) over the
   * environment's `BRAGG_*` variables over the defaults. Read when asked, so a bad variable
   * only fails the commands that train or predict.
   */
  backendConfig(flags?: BackendOptions): BackendConfig;
}

/** The reason `signal` was aborted with, when it is one of the CLI's (else undefined). */
export function stopReason(signal: AbortSignal): StopReason | undefined {
  const r: unknown = signal.reason;
  return r === 'interrupt' || r === 'terminate' || r === 'broken-pipe' ? r : undefined;
}

/** The error a command stops with when `signal` aborted it (code `INTERRUPTED`). */
export function interruptedError(
  message = 'interrupted; run the same command again to resume',
): BraggError {
  return new BraggError('INTERRUPTED', message);
}

/** Throws `interruptedError()` once `signal` has aborted: a check between the steps of a command. */
export function throwIfStopped(signal: AbortSignal, message?: string): void {
  if (signal.aborted) throw interruptedError(message);
}

/** One top-level command (or command group) of the `bragg` CLI. */
export interface CommandModule {
  /** The top-level word, e.g. `info`, `convert`, `simulate`. */
  readonly name: string;
  /** Adds the command (and its subcommands) to the program. */
  register(program: Command, ctx: CommandContext): void;
}

/** Get or create the sub-command group `name` (e.g. `simulate`) so several files can add to it. */
export function commandGroup(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return program.command(name).description(description);
}

/** Print a value as pretty JSON on stdout (bigints as strings, typed arrays as lists). */
export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(
      value,
      (_k, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
          return Array.from(v as unknown as ArrayLike<number | bigint>, (x) =>
            typeof x === 'bigint' ? x.toString() : x,
          );
        }
        return v;
      },
      2,
    )}\n`,
  );
}
