import type { CommandModule } from '../../src/workflows/command.js';
import { commandGroup, printJson } from '../../src/workflows/command.js';
import { ValidationError } from '../../src/core/errors.js';
import { benchScale } from '../scale/scale.js';
import type { Method } from '../scale/scale.js';
import { benchEquivalence } from '../scale/equivalence.js';

export const benchScaleCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(program, 'bench', 'Benchmarks (results for BENCHMARKS.md)')
      .command('scale')
      .description(
        'Patterns/s of `simulate dataset` for the seed sweep with 1 and 2 local worker threads\n' +
          'and 2 BullMQ workers (needs redis-server), the projected time for 2.5 million\n' +
          'patterns, the per-job queue overhead and the bytes per pattern.',
      )
      .option('--patterns <n>', 'patterns per class per run (default 40)')
      .option(
        '--method <m>',
        'image, exact, rings, or all (default all; "both": image and rings)',
        'all',
      )
      .option('--no-redis', 'skip the BullMQ cases')
      .option('--json', 'JSON output')
      .action(
        async (opts: { patterns?: string; method: string; redis: boolean; json?: boolean }) => {
          const n = opts.patterns === undefined ? 40 : Number(opts.patterns);
          if (!Number.isInteger(n) || n < 2 || n > 100000) {
            throw new ValidationError(
              `expected an integer in 2…100000, got '${opts.patterns}'`,
              '--patterns',
            );
          }
          if (!['image', 'exact', 'rings', 'both', 'all'].includes(opts.method)) {
            throw new ValidationError(
              `expected image, exact, rings, both or all, got '${opts.method}'`,
              '--method',
            );
          }
          const methods: Method[] =
            opts.method === 'all'
              ? ['image', 'exact', 'rings']
              : opts.method === 'both'
                ? ['image', 'rings']
                : [opts.method as Method];
          const r = await benchScale({
            patternsPerClass: n,
            chunk: Math.max(1, Math.ceil(n / 4)),
            methods: [...methods],
            redis: opts.redis,
            log: opts.json ? undefined : (line) => process.stdout.write(`${line}\n`),
          });
          if (opts.json) {
            printJson(r);
            return;
          }
          process.stdout.write(
            `\nbytes per pattern (npz shards): ${r.bytesPerPattern.toFixed(0)}\n`,
          );
          process.stdout.write('projected wall time for 2,500,000 patterns on this machine:\n');
          for (const p of r.projection) {
            process.stdout.write(
              `  ${p.method.padEnd(6)} ${p.executor.padEnd(17)} ${p.hours.toFixed(1)} h\n`,
            );
          }
        },
      );
    commandGroup(program, 'bench', 'Benchmarks (results for BENCHMARKS.md)')
      .command('equivalence')
      .description(
        'Two-sample tests (KS per bin, projections, neighbouring bins; Holm) of the exact and\n' +
          'rings profile routes against the image route on the seed sweep, per class.',
      )
      .option('--patterns <n>', 'profiles per class and route (default 3000)')
      .option('--json', 'JSON output')
      .action(async (opts: { patterns?: string; json?: boolean }) => {
        const n = opts.patterns === undefined ? 3000 : Number(opts.patterns);
        if (!Number.isInteger(n) || n < 20 || n > 100000) {
          throw new ValidationError(
            `expected an integer in 20…100000, got '${opts.patterns}'`,
            '--patterns',
          );
        }
        const r = await benchEquivalence({
          patterns: n,
          log: opts.json ? undefined : (line) => process.stdout.write(`${line}\n`),
        });
        if (opts.json) printJson(r);
      });
  },
};
