import type { CommandModule } from '../../src/workflows/command.js';
import { commandGroup, printJson } from '../../src/workflows/command.js';
import { ValidationError } from '../../src/core/errors.js';
import { benchConv, CONV_LAYERS } from '../train/conv-bench.js';

export const benchConvCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(program, 'bench', 'Benchmarks (results as text or --json)')
      .command('conv')
      .description(
        "bragg's SIMD Conv2D (forward and input gradient) against XNNPACK on the reference\n" +
          "nets' convolution layers, 1 thread, interleaved: CPU ms per call (median) and GMAC/s.",
      )
      .option('--net <names>', `comma-separated: ${Object.keys(CONV_LAYERS).join(', ')}`)
      .option('--reps <n>', 'timed calls per kernel and layer (default 15)')
      .option('--json', 'JSON output')
      .action(async (opts: { net?: string; reps?: string; json?: boolean }) => {
        const reps = opts.reps === undefined ? 15 : Number(opts.reps);
        if (!Number.isInteger(reps) || reps < 1 || reps > 1000) {
          throw new ValidationError(`expected an integer in 1…1000, got '${opts.reps}'`, '--reps');
        }
        const nets = opts.net === undefined ? ['small2d', 'phase1d'] : opts.net.split(',');
        const rows = await benchConv({ nets, reps });
        if (opts.json) {
          printJson(rows);
          return;
        }
        process.stdout.write(
          'net       layer   pass       GMAC/s bragg  xnnpack   CPU ms bragg  xnnpack  speedup\n',
        );
        for (const r of rows) {
          process.stdout.write(
            `${r.net.padEnd(9)} ${r.layer.padEnd(7)} ${r.pass.padEnd(10)} ` +
              `${r.braggGmacs.toFixed(1).padStart(12)} ${r.xnnpackGmacs.toFixed(1).padStart(8)} ` +
              `${r.braggMs.toFixed(2).padStart(14)} ${r.xnnpackMs.toFixed(2).padStart(8)} ` +
              `${r.speedup.toFixed(2).padStart(8)}x\n`,
          );
        }
      });
  },
};
