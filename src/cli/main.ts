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
 */
import { Command, CommanderError } from 'commander';
import type { Option } from 'commander';
import { createCommandContext } from '../app/context.js';
import { BraggError, ValidationError } from '../core/errors.js';
import type { CommandContext, CommandModule } from '../workflows/command.js';
import { COMMANDS } from './commands/index.js';
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
  return program;
}

/** Where the CLI writes its error messages, and whether it adds stack traces. */
export interface CliOutput {
  stderr: { write(text: string): unknown };
  /** Print stack traces (`BRAGG_DEBUG=1`). */
  debug: boolean;
}

/** Runs the CLI (with `commands` added); resolves to the process exit code. */
export async function main(
  argv: readonly string[],
  options: { commands?: readonly CommandModule[] } = {},
): Promise<number> {
  const debug = Boolean(process.env.BRAGG_DEBUG);
  const program = buildProgram(createCommandContext(process.env), options.commands ?? []);
  return runProgram(program, argv, { stderr: process.stderr, debug });
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

function report(err: unknown, command: Command, out: CliOutput): number {
  // commander has printed its message already; --help and --version exit 0 through this path.
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
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

/** The message of a bragg error, with a validation field shown as the flag it came from. */
export function messageFor(err: BraggError, command: Command): string {
  if (!(err instanceof ValidationError) || err.field === undefined) return err.message;
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
