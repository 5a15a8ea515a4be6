/** `bragg bench phase-predict [--json]`: phase-map prediction throughput (issue 6). */
import { commandGroup, printJson, type CommandModule } from '../../src/workflows/command.js';
import { ValidationError } from '../../src/core/errors.js';
import type { BackendName } from '../../src/ml/backend/select.js';
import { runPhasePredictBench } from '../phase/predict.js';

function int(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError(`expected a positive integer, got '${v}'`, field);
  return n;
}

export const benchPhasePredictCommand: CommandModule = {
  name: 'bench',
  register(program, ctx) {
    commandGroup(program, 'bench', 'Benchmarks.')
      .command('phase-predict')
      .description(
        'Phase-map prediction throughput: a 256×256 map through resampling, the seed CNN and the npz writer.',
      )
      .option('--size <n>', 'map side in pixels (default 256)')
      .option('--batch-size <n>', 'profiles per inference batch (default 1024)')
      .option('--repeats <n>', 'timed runs after a warm-up (default 2)')
      .option('--backend <name>', 'tensorflow | wasm | cpu')
      .option('--threads <n>', 'wasm threads')
      .option('--no-fused', 'run model.predict instead of the fused 1D-CNN kernel')
      .option('--json', 'print JSON')
      .action(
        async (o: {
          size?: string;
          batchSize?: string;
          repeats?: string;
          backend?: string;
          threads?: string;
          fused?: boolean;
          json?: boolean;
        }) => {
          const opt = {
            size: int(o.size, '--size'),
            batchSize: int(o.batchSize, '--batch-size'),
            repeats: int(o.repeats, '--repeats'),
            threads: int(o.threads, '--threads'),
            backend: o.backend as BackendName | undefined,
            fused: o.fused,
          };
          const r = await runPhasePredictBench({
            ...ctx.backendConfig(),
            ...Object.fromEntries(Object.entries(opt).filter(([, v]) => v !== undefined)),
          });
          if (o.json) printJson(r);
          else
            process.stdout.write(
              `phase-predict: ${r.case}\n  backend ${r.backend} (${r.threads} threads), batch ${r.batchSize}, ${r.fused ? 'fused kernel' : 'model.predict'}\n` +
                `  predict ${r.predictSeconds.toFixed(2)} s (${Math.round(r.profilesPerSecond)} profiles/s; CPU ${r.cpuSeconds.map((c) => c.toFixed(2)).join(', ')} s), write ${r.writeSeconds.toFixed(2)} s\n`,
            );
        },
      );
  },
};
