import type { CommandModule } from '../../src/workflows/command.js';
import { commandGroup, printJson } from '../../src/workflows/command.js';
import { ValidationError } from '../../src/core/errors.js';
import { runDmThroughput } from '../formats/dm-throughput.js';

function positiveNumber(field: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new ValidationError(`must be a positive number, got '${v}'`, field);
    return n;
  };
}

/** `bragg bench formats-dm`: DM4 read throughput on a synthetic 4-D file. */
export const benchFormatsDmCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(
      program,
      'bench',
      'Benchmarks (results go to bench/<area>/RESULTS.md and BENCHMARKS.md).',
    )
      .command('formats-dm')
      .description(
        'DM4 read throughput: write a 4-D float32 DM4 of --size-mb MiB to a temporary folder, time opening it, ' +
          'reading the whole array (MiB/s) and reading single 128×128 frames; the file is deleted afterwards.',
      )
      .option('--size-mb <n>', 'approximate file size in MiB', positiveNumber('--size-mb'), 512)
      .option(
        '--repeats <n>',
        'timed repetitions (best and median reported)',
        positiveNumber('--repeats'),
        3,
      )
      .option('--dir <path>', 'folder for the temporary file (default: the OS temp folder)')
      .option('--json', 'print the result as JSON')
      .action(async (opts: { sizeMb: number; repeats: number; dir?: string; json?: boolean }) => {
        const r = await runDmThroughput({
          sizeMb: opts.sizeMb,
          repeats: Math.round(opts.repeats),
          dir: opts.dir,
        });
        if (opts.json) {
          printJson(r);
          return;
        }
        const mib = r.fileBytes / 2 ** 20;
        process.stdout.write(
          `DM4 ${mib.toFixed(1)} MiB, float32 [${r.shape.join(', ')}]\n` +
            `  open (tag tree):   ${r.openMs.map((x) => x.toFixed(1)).join(', ')} ms\n` +
            `  full read:         ${r.fullReadMs.map((x) => x.toFixed(0)).join(', ')} ms  →  best ${r.fullReadMiBps.best.toFixed(0)} MiB/s, median ${r.fullReadMiBps.median.toFixed(0)} MiB/s\n` +
            `  one frame (128²):  ${r.frameReadMs.toFixed(3)} ms mean over ${r.frameReads} frames × ${opts.repeats} repeats\n` +
            `  note: ${r.note}\n`,
        );
      });
  },
};
