/**
 * The `bragg` command line: builds the commander program from the command registry and maps
 * typed errors to messages and exit codes (0: done, 1: bad input or failure, 2: usage).
 *
 * Library errors name fields in domain terms (`width`, `kernelSize`, `frame`); here a
 * `ValidationError`'s field becomes the flag of the command that ran (`bragg: --width: must be
 * …`): the field is looked up among that command's options (and its parents') by attribute
 * name (camelCase), by long name (kebab-case) or, for a path like `thickness[2]` or `zone.0`,
 * by its first part. Fields that are no option (a config key, a positional argument) stay as
 * they are. Errors that are not bragg's are bugs: one line `bragg: internal error: …` and a
 * hint; the stack only with `BRAGG_DEBUG=1`. Exiting (flushing stdout on pipes, a reader that
 * went away) is `bin/bragg.js`'s part.
 *
 * **Stopping.** The CLI owns one stop signal per run (`CommandContext.signal`, see `CliStop`):
 * aborted when stdout's reader goes away (`bragg … | head -1`: EPIPE) and, while the command
 * declares itself `interruptible`, on the first Ctrl-C or SIGTERM (a second one quits at once).
 * Long-running commands pass it to their runs, so a closed pipe stops a run as Ctrl-C does and
 * the run registry records it as `interrupted`; the interruption is then quiet (the reader is
 * gone, nobody asked on the terminal).
 */
import { configureHelpTree } from './help.js';
import { Command, CommanderError } from 'commander';
import type { Option } from 'commander';
import { createCommandContext, type CommandStop } from '../app/context.js';
import { BraggError, LimitError, ValidationError } from '../core/errors.js';
import { fromSystemError } from '../core/system-errors.js';
import { stopReason, type CommandContext, type CommandModule } from '../workflows/command.js';
import { COMMANDS } from './commands/index.js';
import { installLimits } from './limits.js';
import { VERSION } from '../core/version.js';

/**
 * The `bragg` program: the registered commands plus `extra` ones (the bench commands of a
 * checkout); commands get `ctx` (by default from this process's environment).
 */
export function buildProgram(
  ctx: CommandContext = createCommandContext(process.env),
  extra: readonly CommandModule[] = [],
): Command {
  const program = new Command();
  program
    .name('bragg')
    .description(
      'Deep learning on diffraction data: simulate patterns from physics, train CNNs,\n' +
        'predict on measured data (DM3/DM4, NeXus/HDF5, NPY/NPZ, TIFF/PNG), evaluate against physics.',
    )
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const cmd of [...COMMANDS, ...extra]) cmd.register(program, ctx);
  installLimits(program, ctx.env);
  configureHelpTree(program);
  return program;
}

/** Where the CLI writes its error messages, and whether it adds stack traces. */
export interface CliOutput {
  stderr: { write(text: string): unknown };
  /** Print stack traces (`BRAGG_DEBUG=1`). */
  debug: boolean;
  /** The command's stop signal: an interruption after stdout's reader went away is quiet. */
  signal?: AbortSignal;
}

/** Runs the CLI (with `commands` added); resolves to the process exit code. */
export async function main(
  argv: readonly string[],
  options: { commands?: readonly CommandModule[] } = {},
): Promise<number> {
  const debug = Boolean(process.env.BRAGG_DEBUG);
  const stop = new CliStop(process);
  const detach = stop.attach();
  try {
    const program = buildProgram(createCommandContext(process.env, stop), options.commands ?? []);
    return await runProgram(program, argv, { stderr: process.stderr, debug, signal: stop.signal });
  } finally {
    detach();
  }
}

/** The parts of `process` that `CliStop` listens to (a stand-in in tests). */
export interface StopHost {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  stdout: {
    on(event: 'error', listener: (err: Error) => void): unknown;
    off(event: 'error', listener: (err: Error) => void): unknown;
  };
  stderr: { write(text: string): unknown };
  exit(code: number): void;
}

/**
 * The stop signal of one CLI run. `attach()` watches stdout: EPIPE (its reader went away)
 * aborts the signal with `'broken-pipe'`. While at least one `interruptible(notice)` is
 * declared, the first SIGINT prints the newest notice and aborts with `'interrupt'` (SIGTERM:
 * `'terminate'`), and a signal after that exits at once with 130 (SIGTERM: 143). Without a
 * declaration no signal handler is installed: Ctrl-C ends the process as it ends any program.
 */
export class CliStop implements CommandStop {
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  private readonly notices: string[] = [];

  constructor(private readonly host: StopHost) {}

  /** Watches stdout for EPIPE; returns the function that stops watching (and every signal). */
  attach(): () => void {
    const onError = (err: Error): void => {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') this.abort('broken-pipe');
    };
    this.host.stdout.on('error', onError);
    return () => {
      this.host.stdout.off('error', onError);
      if (this.notices.length > 0) this.listen(false);
      this.notices.length = 0;
    };
  }

  interruptible(notice: string): () => void {
    this.notices.push(notice);
    if (this.notices.length === 1) this.listen(true);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const i = this.notices.lastIndexOf(notice);
      if (i >= 0) this.notices.splice(i, 1);
      if (this.notices.length === 0) this.listen(false);
    };
  }

  private readonly onSigint = (): void => this.onSignal('interrupt', 130);
  private readonly onSigterm = (): void => this.onSignal('terminate', 143);

  private listen(on: boolean): void {
    if (on) {
      this.host.on('SIGINT', this.onSigint);
      this.host.on('SIGTERM', this.onSigterm);
    } else {
      this.host.off('SIGINT', this.onSigint);
      this.host.off('SIGTERM', this.onSigterm);
    }
  }

  private onSignal(reason: 'interrupt' | 'terminate', code: number): void {
    if (this.signal.aborted) {
      this.host.exit(code);
      return;
    }
    this.host.stderr.write(`\n${this.notices.at(-1) ?? 'stopping…'}\n`);
    this.abort(reason);
  }

  private abort(reason: 'interrupt' | 'terminate' | 'broken-pipe'): void {
    if (!this.signal.aborted) this.controller.abort(reason);
  }
}

/**
 * Parses `argv` with `program` (built with `exitOverride()`) and runs the command; errors become
 * a message on `out.stderr` and an exit code. Exported for tests with a small program.
 */
export async function runProgram(
  program: Command,
  argv: readonly string[],
  out: CliOutput,
): Promise<number> {
  const ran = trackCommand(program);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    return report(err, ran.command ?? program, out);
  }
}

/** An error that only says the command stopped on request (or on an aborted signal). */
function isStop(err: unknown): boolean {
  if (err instanceof BraggError) return err.code === 'INTERRUPTED' || err.code === 'CANCELLED';
  return err instanceof Error && err.name === 'AbortError';
}

function report(thrown: unknown, command: Command, out: CliOutput): number {
  // commander has printed its message already; --help and --version exit 0 through this path.
  if (thrown instanceof CommanderError) return thrown.exitCode === 0 ? 0 : 2;
  // A file-system error (missing output folder, permissions, full disk) is bad input, not a bug.
  const err = fromSystemError(thrown);
  // The reader of stdout went away and the command stopped for it: nothing to tell anyone.
  if (out.signal && stopReason(out.signal) === 'broken-pipe' && isStop(err)) return 1;
  const stack = out.debug && err instanceof Error && err.stack ? `${err.stack}\n` : '';
  if (err instanceof BraggError && err.code !== 'INTERNAL') {
    out.stderr.write(`bragg: ${messageFor(err, command)}\n${stack}`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  const hint = 'bragg: this is a bug; rerun with BRAGG_DEBUG=1 to see where it happened\n';
  out.stderr.write(`bragg: internal error: ${message}\n${stack || hint}`);
  return 1;
}

/** The message of a bragg error, with a validation or limit field shown as the flag it came from. */
export function messageFor(err: BraggError, command: Command): string {
  if (!(err instanceof ValidationError || err instanceof LimitError)) return err.message;
  if (err.field === undefined) return err.message;
  const flag = flagFor(command, err.field);
  return flag === undefined ? err.message : `${flag}: ${err.reason}`;
}

/**
 * The flag for a field of `command` (or of a parent): `kernelSize`, `kernel-size` → `--kernel-size`,
 * `thickness[2]` → `--thickness[2]`, `zone.0` → `--zone.0`; undefined when no option matches.
 */
export function flagFor(command: Command, field: string): string | undefined {
  const m = /^([^.[\]]+)(.*)$/s.exec(field);
  if (m === null || field.startsWith('-')) return undefined;
  const [, head = '', rest = ''] = m;
  const matches = (o: Option): boolean =>
    o.attributeName() === head || o.name() === head || o.attributeName() === camel(head);
  for (let c: Command | null = command; c !== null; c = c.parent) {
    const found = c.options.filter(matches);
    // `--dw` and `--no-dw` share an attribute: show the positive one
    const o = found.find((x) => !x.negate) ?? found[0];
    const flag = o?.long ?? o?.short;
    if (flag !== undefined) return `${flag}${rest}`;
  }
  return undefined;
}

function camel(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}

/**
 * Remembers which command is being run: the one whose action runs (`preAction`), or, while
 * options are still being parsed (an option's parser throws), the last subcommand dispatched.
 */
function trackCommand(program: Command): { command: Command | undefined } {
  const ran: { command: Command | undefined } = { command: undefined };
  program.hook('preAction', (_hooked, actionCommand) => {
    ran.command = actionCommand;
  });
  const visit = (c: Command): void => {
    if (c.commands.length === 0) return;
    c.hook('preSubcommand', (_hooked, sub) => {
      ran.command = sub;
    });
    for (const sub of c.commands) visit(sub);
  };
  visit(program);
  return ran;
}
