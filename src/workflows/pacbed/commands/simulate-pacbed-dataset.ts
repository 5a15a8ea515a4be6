/**
 * `bragg simulate pacbed-dataset <config.yaml>`: thickness series × mistilts × azimuths ×
 * convergence angles → resized images (.npy or 16-bit TIFF) + the `;`-separated training
 * table of the PACBED workflow. Resumable: the same command again skips finished shards.
 */
import cliProgress from 'cli-progress';
import { resolve } from 'node:path';
import { commandGroup, interruptedError, type CommandModule } from '../../command.js';
import { numberFlag } from '../../flags.js';
import { BraggError } from '../../../core/errors.js';
import type { Progress } from '../../../jobs/sharded-run.js';
import { loadPacbedDataset } from '../dataset/config.js';
import { runPacbedDataset } from '../dataset/run.js';

interface Opts {
  output?: string;
  threads?: string;
  workers?: string;
  redis?: string;
  queue?: string;
  db?: string;
  json?: boolean;
}

const positiveInt = (v: string | undefined, field: string) =>
  numberFlag(v, field, { int: true, min: 1, max: 1024 });

export const simulatePacbedDatasetCommand: CommandModule = {
  name: 'simulate',
  register(program, ctx) {
    commandGroup(program, 'simulate', 'Simulate diffraction data from physics.')
      .command('pacbed-dataset')
      .description(
        'PACBED training images + table (Path;Thickness;Mistilt;Conv_Angle;Electron_Energy;\n' +
          'Azimuth;Direction;Material) from a YAML config (see examples/pacbed/). One shard per\n' +
          '(convergence angle, mistilt, azimuth), the thickness series in one pass. Default: shards\n' +
          'one after another, each on --threads multislice threads; --workers N runs N shards in\n' +
          'parallel (1 thread each); --redis hands them to `bragg worker`s. Rerun to resume.',
      )
      .argument('<config>', 'dataset YAML')
      .option('-o, --output <dir>', 'output directory (default: output.dir of the config)')
      .option('--threads <n>', 'multislice worker threads per shard (default: cores, ≤ 8)')
      .option('--workers <n>', 'shards in parallel on a local worker pool')
      .option('--redis <url>', 'run shards on BullMQ workers through this Redis')
      .option('--queue <name>', 'BullMQ queue name (with --redis)')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'JSON progress lines and a JSON summary on stdout')
      .action(async (path: string, o: Opts) => {
        const dataset = await loadPacbedDataset(path);
        if (o.output !== undefined) dataset.outDir = resolve(o.output);
        const workers = positiveInt(o.workers, 'workers');
        let threads = positiveInt(o.threads, 'threads');
        // Shards in parallel get one multislice thread each; one shard at a time gets them all.
        if (o.redis || workers !== undefined) threads ??= 1;
        const executor = ctx.executor({
          ...(o.redis ? { redis: o.redis } : {}),
          ...(o.queue ? { queue: o.queue } : {}),
          ...(workers !== undefined ? { workers } : { inline: true }),
        });
        const registry = ctx.openRegistry(o.db);
        // Ctrl-C, SIGTERM or a closed stdout stop the run after the shard(s) in flight; it is
        // recorded as interrupted and the same command resumes it.
        const release = ctx.interruptible(
          'stopping after the running shard(s) (Ctrl-C again to quit)…',
        );
        const bar =
          !o.json && process.stderr.isTTY
            ? new cliProgress.SingleBar(
                {
                  format: 'pacbed |{bar}| {value}/{total} images · shards {shards}',
                  stream: process.stderr,
                  hideCursor: true,
                },
                cliProgress.Presets.shades_classic,
              )
            : undefined;
        const onProgress = (p: Progress): void => {
          const shards = `${p.doneShards}/${p.totalShards}${p.failedShards ? ` (${p.failedShards} failed)` : ''}`;
          if (o.json) process.stdout.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
          else if (bar) {
            bar.setTotal(p.totalPatterns);
            bar.update(p.donePatterns, { shards });
          } else if (p.event.kind !== 'started') {
            process.stderr.write(
              `${p.donePatterns}/${p.totalPatterns} images · shards ${shards}\n`,
            );
          }
          if (p.event.kind === 'failed' && !o.json)
            process.stderr.write(`shard ${p.event.shard} failed: ${p.event.error ?? ''}\n`);
          if (p.event.kind === 'replaced' && !o.json)
            process.stderr.write(
              `shard ${p.event.shard} did not match its record and is computed again: ${p.event.error ?? ''}\n`,
            );
        };
        bar?.start(1, 0, { shards: '' });
        try {
          const r = await runPacbedDataset({
            dataset,
            executor,
            ...(threads !== undefined ? { threads } : {}),
            registry,
            signal: ctx.signal,
            onProgress,
          });
          bar?.stop();
          const summary = {
            type: 'summary',
            runId: r.runId,
            status: r.result.status,
            datasetId: dataset.datasetId,
            outDir: dataset.outDir,
            table: r.tablePath,
            images: r.rows,
            shards: r.result.done.length,
            skippedShards: r.result.skipped,
            failed: r.result.failed.map((f) => ({ id: f.id, error: f.error.message })),
            elapsedS: r.result.elapsedS,
            executor: executor.name,
          };
          // One line, like the progress lines before it: the output is JSON lines throughout.
          if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
          else
            process.stdout.write(
              `${summary.status}: ${summary.images} images in ${summary.shards} shards (${summary.skippedShards} already there) → ${r.tablePath}\n`,
            );
          if (r.result.status === 'interrupted') throw interruptedError();
          if (r.result.status === 'failed')
            throw new BraggError('FAILED', `${r.result.failed.length} shard(s) failed`);
        } finally {
          bar?.stop();
          release();
          await executor.close();
          registry.close();
        }
      });
  },
};
