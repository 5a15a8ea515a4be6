/**
 * `bragg bench train --net small2d|phase1d|xception [--steps N] [--threads N] [--json]`:
 * milliseconds per training step and samples per second of a reference net on random data.
 */
import type { Command } from 'commander';
import { ValidationError } from '../../src/core/errors.js';
import { commandGroup, printJson } from '../../src/workflows/command.js';
import type { CommandContext, CommandModule } from '../../src/workflows/command.js';
import { benchTrain, formatProfile } from '../train/train-bench.js';
import { referenceNetNames } from '../../src/ml/models/reference.js';
import { AIRYNET_BENCH_NETS } from '../train/airynet-nets.js';
import { DENSE_BENCH_NETS, PACBED_BENCH_NETS } from '../train/workflow-nets.js';

function int(v: string, field: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError(`must be a positive integer, got '${v}'`, field);
  return n;
}

export const benchTrainCommand: CommandModule = {
  name: 'bench',
  register(program: Command, ctx: CommandContext): void {
    commandGroup(program, 'bench', 'Benchmarks (results as text or --json)')
      .command('train')
      .description(
        'Time training steps of a reference net (small2d, phase1d, xception) or of a workflow net',
      )
      .requiredOption(
        '--net <name>',
        `reference net: ${[...referenceNetNames(), ...Object.keys(AIRYNET_BENCH_NETS), ...Object.keys(DENSE_BENCH_NETS), ...Object.keys(PACBED_BENCH_NETS)].join(', ')}`,
      )
      .option('--steps <n>', 'timed steps', '20')
      .option('--warmup <n>', 'untimed steps first', '3')
      .option('--threads <n>', 'wasm threads (default: all cores)')
      .option('--backend <name>', 'tensorflow | wasm | cpu | auto')
      .option('--batch <n>', 'batch size (default: the net’s)')
      .option(
        '--profile <n>',
        'then time every kernel over n more steps (forward/backward/optimizer)',
      )
      .option(
        '--compare <kernels>',
        'then time bragg against alternatives, interleaved: comma-separated stock kernel names ' +
          '(MaxPoolGrad, Identity, BatchMatMul, Conv2DBackpropInput, …), bragg variants ' +
          '(Conv2DBackpropFilter/conv) or fused kernels to switch off (BraggAdamUpdate)',
      )
      .option('--json', 'print JSON')
      .action(async (o: Record<string, string | boolean | undefined>) => {
        const r = await benchTrain({
          config: ctx.backendConfig(),
          net: String(o.net),
          steps: int(String(o.steps), '--steps'),
          warmup: int(String(o.warmup), '--warmup'),
          ...(o.threads === undefined ? {} : { threads: int(String(o.threads), '--threads') }),
          ...(o.batch === undefined ? {} : { batchSize: int(String(o.batch), '--batch') }),
          ...(o.backend === undefined ? {} : { backend: String(o.backend) as 'auto' }),
          ...(o.profile === undefined ? {} : { profileSteps: int(String(o.profile), '--profile') }),
          ...(o.compare === undefined ? {} : { compareStock: String(o.compare).split(',') }),
        });
        if (o.json === true) {
          printJson(r);
          return;
        }
        const lines = [
          `${r.net}: ${r.ms_per_step.toFixed(1)} ms/step (${r.cpu_ms_per_step.toFixed(1)} CPU ms), ` +
            `${r.samples_per_s.toFixed(1)} samples/s ` +
            `(batch ${r.batch_size}, ${r.backend}, ${r.threads} thread(s), median of ${r.steps})`,
          ...(r.ab ?? []).map(
            (a) => `  ${a.name}: ${a.ms.toFixed(1)} ms/step, ${a.cpuMs.toFixed(1)} CPU ms (median)`,
          ),
          ...(r.profile === undefined ? [] : [formatProfile(r.profile, 30)]),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
  },
};
