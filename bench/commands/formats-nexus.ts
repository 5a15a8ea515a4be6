import type { CommandModule } from '../../src/workflows/command.js';
import { commandGroup, printJson } from '../../src/workflows/command.js';
import { ValidationError } from '../../src/core/errors.js';
import { runNexusFrameBench } from '../formats/nexus-frames.js';

function positiveInt(field: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) {
      throw new ValidationError(`must be a positive integer, got '${v}'`, field);
    }
    return n;
  };
}

/** `bragg bench formats-nexus`: random single-frame latency of a large NeXus stack. */
export const benchFormatsNexusCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(
      program,
      'bench',
      'Benchmarks (results go to bench/<area>/RESULTS.md and BENCHMARKS.md).',
    )
      .command('formats-nexus')
      .description(
        'NeXus random frame access: write a frames×195×487 int32 stack (one chunk per frame) to a ' +
          'temporary folder, time random single-frame reads (median/p95) and one whole-stack read; ' +
          'the file is deleted afterwards.',
      )
      .option('--frames <n>', 'number of frames', positiveInt('--frames'), 2000)
      .option('--samples <n>', 'random single-frame reads', positiveInt('--samples'), 200)
      .option(
        '--seed <n>',
        'seed of the frame contents and the frame order',
        positiveInt('--seed'),
        1,
      )
      .option('--dir <path>', 'folder for the temporary file (default: the OS temp folder)')
      .option('--json', 'print the result as JSON')
      .action(
        async (opts: {
          frames: number;
          samples: number;
          seed: number;
          dir?: string;
          json?: boolean;
        }) => {
          const r = await runNexusFrameBench({
            frames: opts.frames,
            samples: opts.samples,
            seed: opts.seed,
            ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
          });
          if (opts.json) {
            printJson(r);
            return;
          }
          const mib = r.fileBytes / 2 ** 20;
          process.stdout.write(
            `NeXus stack int32 [${r.shape.join(', ')}], ${mib.toFixed(0)} MiB (write ${(r.writeMs / 1000).toFixed(1)} s, open ${r.openMs.toFixed(1)} ms)\n` +
              `  one random frame:  median ${r.frameMs.median.toFixed(2)} ms, p95 ${r.frameMs.p95.toFixed(2)} ms (${r.frameMs.samples} reads)\n` +
              `  whole stack:       ${r.wholeStackMs.toFixed(0)} ms (${r.ratio.toFixed(0)}× one frame)\n`,
          );
        },
      );
  },
};
