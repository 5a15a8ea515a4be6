/** `bragg bench multislice [--json]`: the multislice benchmark of issue 7. */
import { commandGroup, printJson, type CommandModule } from '../../src/workflows/command.js';
import { runMultisliceBench } from '../multislice/multislice.js';

interface Opts {
  threads?: string;
  scan?: string;
  prism?: string;
  symmetry: boolean;
  comparePlain?: boolean;
  json?: boolean;
}

export const benchMultisliceCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(program, 'bench', 'Benchmarks.')
      .command('multislice')
      .description(
        'Rutile [001] PACBED, 80 kV, 20.8 mrad, 0.05 Å, 6×6 cells, 20 nm, 10×10 positions.',
      )
      .option('--threads <n>', 'worker threads')
      .option('--scan <n>', 'probe positions per cell edge (default 10)')
      .option('--prism <f,...>', 'also run PRISM with these interpolation factors (e.g. 2,3,4,6)')
      .option('--no-symmetry', 'run every probe position (not one per symmetry orbit)')
      .option('--compare-plain', 'also run every position and report the difference')
      .option('--json', 'print JSON')
      .action(async (o: Opts) => {
        const r = await runMultisliceBench({
          symmetry: o.symmetry,
          comparePlain: o.comparePlain === true,
          ...(o.threads !== undefined ? { threads: Number(o.threads) } : {}),
          ...(o.scan !== undefined ? { scan: Number(o.scan) } : {}),
          ...(o.prism !== undefined ? { prism: o.prism.split(',').map(Number) } : {}),
        });
        if (o.json) printJson(r);
        else
          process.stdout.write(
            `multislice: ${r.case}\n  grid ${r.grid.join('×')}, ${r.slices} slices, ${r.positions} positions (${r.computedPositions} run, symmetry order ${r.symmetryOrder}), ${r.threads} threads\n` +
              `  potential ${r.potentialSeconds.toFixed(2)} s, total ${r.totalSeconds.toFixed(2)} s (CPU ${r.cpuSeconds.toFixed(1)} s), ${r.secondsPerPosition.toFixed(3)} s/position\n` +
              (r.plain
                ? `  every position: ${r.plain.totalSeconds.toFixed(2)} s (CPU ${r.plain.cpuSeconds.toFixed(1)} s), rel. L1 ${r.plain.relativeL1.toExponential(2)}\n`
                : '') +
              `  FFT 512² ${r.fftMsPer512.toFixed(2)} ms\n  reference: ${r.reference}\n` +
              (r.prism ?? [])
                .map(
                  (p) =>
                    `  PRISM f=${p.interpolation}: ${p.beams} beams, ${p.totalSeconds.toFixed(2)} s (${p.speedup.toFixed(2)}× plain; CPU ${p.cpuSpeedup.toFixed(2)}×), rel. L1 ${p.relativeL1.toFixed(4)}, ${p.mradPerPx.toFixed(3)} mrad/px\n`,
                )
                .join(''),
          );
      });
  },
};
