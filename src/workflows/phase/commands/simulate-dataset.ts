import cliProgress from 'cli-progress';
import { resolve } from 'node:path';
import type { CommandModule } from '../../command.js';
import { commandGroup, interruptedError } from '../../command.js';
import { numberFlag } from '../../flags.js';
import { BraggError, ValidationError } from '../../../core/errors.js';
import { runPhaseDataset } from '../dataset/run.js';
import type { Progress } from '../../../jobs/sharded-run.js';
import { loadSweep } from '../dataset/sweep.js';

interface Opts {
  output?: string;
  json?: boolean;
  workers?: string;
  redis?: string;
  queue?: string;
  db?: string;
}

function fmtEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

export const simulateDatasetCommand: CommandModule = {
  name: 'simulate',
  register(program, ctx) {
    commandGroup(program, 'simulate', 'Simulate diffraction data from physics')
      .command('dataset')
      .description(
        'Simulate a labelled phase dataset from a sweep YAML: one file per shard\n' +
          '(seed × class × orientation block) and a manifest.json. Runs on worker threads here\n' +
          '(default) or on `bragg worker` processes through Redis (--redis); Ctrl-C stops, the\n' +
          'same command again resumes.',
      )
      .argument('<sweep>', 'sweep YAML (see examples/sweeps/)')
      .option('-o, --output <dir>', 'output directory (default: output.dir of the sweep)')
      .option('--workers <n>', 'worker threads for a local run (default: cores)')
      .option('--redis <url>', 'run on BullMQ workers through this Redis, redis://host:port')
      .option('--queue <name>', 'BullMQ queue name (with --redis)')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'JSON progress lines and a JSON summary on stdout')
      .action(async (sweepPath: string, opts: Opts) => {
        const sweep = await loadSweep(sweepPath);
        const outDir = opts.output ? resolve(opts.output) : sweep.outputDir;
        if (!outDir) {
          throw new ValidationError(
            'no output directory: give -o DIR or output.dir in the sweep',
            'output',
          );
        }
        const workers = numberFlag(opts.workers, 'workers', { int: true, min: 1, max: 1024 });
        const executor = ctx.executor({
          ...(opts.redis ? { redis: opts.redis } : {}),
          ...(opts.queue ? { queue: opts.queue } : {}),
          ...(workers !== undefined ? { workers } : {}),
        });
        const registry = ctx.openRegistry(opts.db);
        // Ctrl-C, SIGTERM or a closed stdout stop the run: the shards in flight end, the run is
        // recorded as interrupted and the same command resumes it.
        const release = ctx.interruptible('stopping (Ctrl-C again to quit at once)…');
        const bar =
          !opts.json && process.stderr.isTTY
            ? new cliProgress.SingleBar(
                {
                  format:
                    'simulate |{bar}| {percentage}% {value}/{total} patterns · {rate}/s · ETA {etaH} · shards {shards}',
                  stream: process.stderr,
                  hideCursor: true,
                },
                cliProgress.Presets.shades_classic,
              )
            : undefined;
        let lastLine = 0;
        const onProgress = (p: Progress): void => {
          const fields = {
            rate: p.rate.toFixed(1),
            etaH: fmtEta(p.etaS),
            shards: `${p.doneShards}/${p.totalShards}${p.failedShards ? ` (${p.failedShards} failed)` : ''}`,
          };
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
          } else if (bar) {
            if (p.event.kind === 'failed') bar.stop();
            bar.setTotal(p.totalPatterns);
            bar.update(p.donePatterns, fields);
          } else if (
            Date.now() - lastLine > 2000 ||
            p.doneShards + p.failedShards === p.totalShards
          ) {
            lastLine = Date.now();
            process.stderr.write(
              `${p.donePatterns}/${p.totalPatterns} patterns · ${fields.rate}/s · ETA ${fields.etaH} · shards ${fields.shards}\n`,
            );
          }
          if (p.event.kind === 'failed' && !opts.json) {
            process.stderr.write(`shard ${p.event.shard} failed: ${p.event.error ?? ''}\n`);
          }
          if (p.event.kind === 'replaced' && !opts.json) {
            process.stderr.write(
              `shard ${p.event.shard} did not match its record and is computed again: ${p.event.error ?? ''}\n`,
            );
          }
        };
        bar?.start(1, 0, { rate: '0', etaH: '?', shards: '' });
        try {
          const { manifest, manifestPath, result } = await runPhaseDataset({
            sweep,
            outDir,
            executor,
            registry,
            signal: ctx.signal,
            onProgress,
          });
          bar?.stop();
          const summary = {
            type: 'summary',
            runId: result.runId,
            status: result.status,
            datasetId: manifest.id,
            outDir,
            manifest: manifestPath,
            executor: executor.name,
            patterns: manifest.counts.patterns,
            plannedPatterns: manifest.counts.plannedPatterns,
            shards: manifest.counts.shards,
            skippedShards: result.skipped,
            failed: manifest.failed,
            computedPatterns: result.computedPatterns,
            elapsedS: result.elapsedS,
            patternsPerS: result.elapsedS > 0 ? result.computedPatterns / result.elapsedS : 0,
          };
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(summary)}\n`);
          } else {
            process.stdout.write(
              `${result.status}: ${manifest.counts.patterns}/${manifest.counts.plannedPatterns} patterns in ${manifest.counts.shards} shards` +
                ` (${result.skipped} already there) → ${outDir}\n` +
                `dataset ${manifest.id} · run ${result.runId} · ${summary.patternsPerS.toFixed(1)} patterns/s on ${executor.name}\n`,
            );
            for (const f of manifest.failed) process.stdout.write(`  failed ${f.id}: ${f.error}\n`);
            if (result.status === 'interrupted') {
              process.stdout.write('interrupted: run the same command again to resume\n');
            }
          }
          if (result.status === 'interrupted') throw interruptedError();
          if (result.status === 'failed') {
            throw new BraggError('FAILED', `${manifest.failed.length} shard(s) failed (see above)`);
          }
        } finally {
          bar?.stop();
          release();
          await executor.close();
          registry.close();
        }
      });
  },
};
