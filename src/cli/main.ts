/**
 * The `bragg` command line: builds the commander program from the command registry and maps
 * typed errors to messages and exit codes (1: bad input or failure, 2: usage).
 */
import { Command, CommanderError } from 'commander';
import { BraggError } from '../core/errors.js';
import { COMMANDS } from './commands/index.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
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
  for (const cmd of COMMANDS) cmd.register(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit with code 0 through this path.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof BraggError) {
      process.stderr.write(`bragg: ${err.message}\n`);
      if (process.env.BRAGG_DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
      return 1;
    }
    throw err;
  }
}
