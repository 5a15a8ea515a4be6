/** `bragg bench peaks [--frames N] [--json]`: frames/s of the classic peak finder (issue 16, item 11). */
import { ValidationError } from '../../src/core/errors.js';
import { commandGroup, printJson, type CommandModule } from '../../src/workflows/command.js';
import { runPeaksClassicBench } from './classic.js';

export const benchPeaksCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(program, 'bench', 'Benchmarks.')
      .command('peaks')
      .description(
        'Frames per second of the classic peak finder on 195×487 frames (exact and coarse-grid background; 1 and 2 worker threads), and of predict end to end.',
      )
      .option('--frames <n>', 'frames (default 64)')
      .option('--model <dir...>', 'also predict end to end with these trained models')
      .option('--gate <sigmas>', 'and with each model gated at these σ (comma-separated, e.g. 3,5)')
      .option('--json', 'print JSON')
      .action(async (o: { frames?: string; model?: string[]; gate?: string; json?: boolean }) => {
        const frames = o.frames === undefined ? 64 : Number(o.frames);
        if (!Number.isInteger(frames) || frames < 1 || frames > 10_000)
          throw new ValidationError(`expected 1..10000 frames, got '${o.frames}'`, 'frames');
        const gates = (o.gate ?? '')
          .split(',')
          .filter((g) => g.trim() !== '')
          .map((g) => {
            const v = Number(g);
            if (!(v >= 0 && v <= 1000))
              throw new ValidationError(
                `--gate: expected σ values in [0, 1000], got '${g}'`,
                'gate',
              );
            return v;
          });
        const r = await runPeaksClassicBench({
          frames,
          ...(o.model ? { models: o.model } : {}),
          gates,
        });
        if (o.json) return printJson(r);
        process.stdout.write(
          `classic peak finder, ${r.frames} frames ${r.frameShape.join('×')} (${r.node}, ${r.cpu}, ${r.cores} cores, load ${r.loadAverage1m.toFixed(1)})\n` +
            `finder:  ${r.finderFramesPerSecond.toFixed(1)} frames/s (${r.finderMsPerFrame.toFixed(1)} ms/frame), ${r.peaksFound} peaks; exact background (grid 1): ${r.finderExactFramesPerSecond.toFixed(1)} frames/s\n` +
            r.finderThreads
              .map(
                (t) =>
                  `finder on ${t.threads} worker thread(s): ${t.framesPerSecond.toFixed(1)} frames/s\n`,
              )
              .join('') +
            `predict: ${r.predictFramesPerSecond.toFixed(1)} frames/s (read + find + write masks, volume, table), ${r.predictSteadyFramesPerSecond.toFixed(1)} frames/s after the first block\n` +
            (r.models ?? [])
              .map(
                (m) =>
                  `predict --model ${m.model}${m.gate !== undefined ? ` --gate ${m.gate}` : ''}: ${m.framesPerSecond.toFixed(1)} frames/s, ${m.steadyFramesPerSecond.toFixed(1)} after the first block\n`,
              )
              .join(''),
        );
      });
  },
};
