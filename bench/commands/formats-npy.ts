import type { CommandModule } from '../../src/workflows/command.js';
import { commandGroup, printJson } from '../../src/workflows/command.js';
import { ValidationError } from '../../src/core/errors.js';
import { runNpyBench } from '../formats/npy-throughput.js';

function positive(field: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new ValidationError(`must be a positive number, got '${v}'`, field);
    return n;
  };
}

/** `bragg bench formats-npy`: NPY/NPZ, TIFF and PNG encode/decode throughput. */
export const benchFormatsNpyCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(
      program,
      'bench',
      'Benchmarks (results go to bench/<area>/RESULTS.md and BENCHMARKS.md).',
    )
      .command('formats-npy')
      .description(
        'NPY/NPZ, TIFF and PNG throughput on a float32 stack [n, 512, 512] of about --size-mb MiB: ' +
          'encode/decode MiB/s (C, Fortran, big-endian), one-frame reads from disk, deflated NPZ, TIFF, a 1024² PNG.',
      )
      .option(
        '--size-mb <n>',
        'stack size in MiB (one 512² float32 frame per MiB)',
        positive('--size-mb'),
        256,
      )
      .option(
        '--repeats <n>',
        'timed repetitions (best and median reported)',
        positive('--repeats'),
        3,
      )
      .option('--json', 'print the result as JSON')
      .action(async (opts: { sizeMb: number; repeats: number; json?: boolean }) => {
        const r = await runNpyBench({ sizeMb: opts.sizeMb, repeats: Math.round(opts.repeats) });
        if (opts.json) {
          printJson(r);
          return;
        }
        const f = (x: { best: number; median: number }): string =>
          `best ${x.best.toFixed(0)} MiB/s, median ${x.median.toFixed(0)} MiB/s`;
        process.stdout.write(
          `float32 [${r.shape.join(', ')}] = ${r.mib.toFixed(0)} MiB, ${r.repeats} repeats\n` +
            `  npy write:            ${f(r.npyWrite)}\n` +
            `  npy read (C):         ${f(r.npyReadC)}\n` +
            `  npy read (Fortran):   ${f(r.npyReadFortran)}\n` +
            `  npy read (big-end.):  ${f(r.npyReadBigEndian)}\n` +
            `  npy one frame (disk): ${r.npyFrameMs.toFixed(3)} ms\n` +
            `  npz deflate write:    ${f(r.npzDeflateWrite)} (${r.npzMib.toFixed(0)} MiB)\n` +
            `  npz deflate read:     ${f(r.npzDeflateRead)}\n` +
            `  tiff write:           ${f(r.tiffWrite)}\n` +
            `  tiff read:            ${f(r.tiffRead)}\n` +
            `  png 1024² log/viridis: ${r.pngEncodeMs.toFixed(1)} ms\n` +
            `  note: ${r.note}\n`,
        );
      });
  },
};
