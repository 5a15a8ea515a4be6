import type { Command } from 'commander';

/** One top-level command (or command group) of the `bragg` CLI. */
export interface CommandModule {
  /** The top-level word, e.g. `info`, `convert`, `simulate`. */
  readonly name: string;
  /** Adds the command (and its subcommands) to the program. */
  register(program: Command): void;
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
