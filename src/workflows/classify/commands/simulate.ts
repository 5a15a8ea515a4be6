/**
 * `bragg classify simulate`: synthetic single-shot diffraction images with multi-hot labels
 * over the 11 helium classes, as TFRecord shards in AiryNet's layout + `manifest.json`.
 * Resumable: the same command again skips the finished shards; same seed → same bytes.
 */
import { resolve } from 'node:path';
import { BraggError, ValidationError } from '../../../core/errors.js';
import type { Progress } from '../../../jobs/sharded-run.js';
import { commandGroup, interruptedError, type CommandModule } from '../../command.js';
import { numberFlag } from '../../flags.js';
import { DEFAULTS, resolveClassifyDataset } from '../dataset/plan.js';
import { runClassifyDataset } from '../dataset/run.js';

interface Opts {
  output: string;
  images?: string;
  evalImages?: string;
  seed?: string;
  size?: string;
  imagesPerShard?: string;
  workers?: string;
  redis?: string;
  queue?: string;
  db?: string;
  json?: boolean;
}

const int = (v: string | undefined, field: string) => numberFlag(v, field, { int: true, min: 0 });

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const classifySimulateCommand: CommandModule = {
  name: 'classify',
  register(program, ctx) {
    commandGroup(
      program,
      'classify',
      'Single-shot diffraction images → multi-label classes (AiryNet).',
    )
      .command('simulate')
      .description(
        'Synthetic single-shot small-angle diffraction images (|FT of the projected density|² on a\n' +
          'detector with a central hole, a gap, background and Poisson noise: spheres, spheroids,\n' +
          'prolate and bent shapes, dimers, core–shell, streaks, asymmetric shapes, empty frames)\n' +
          'with multi-hot labels over the 11 helium classes, as TFRecord shards in the seed\n' +
          'layout + manifest.json. Rerun to resume.',
      )
      .requiredOption('-o, --output <dir>', 'output directory')
      .option('--images <n>', `training images (default ${DEFAULTS.images})`)
      .option(
        '--eval-images <n>',
        `evaluation images, from other seeds (default ${DEFAULTS.evalImages})`,
      )
      .option('--seed <s>', `random seed (default ${DEFAULTS.seed})`)
      .option('--size <px>', `image side in pixels, 16·2^a·3^b·5^c (default ${DEFAULTS.size})`)
      .option(
        '--images-per-shard <n>',
        `images per TFRecord file (default ${DEFAULTS.imagesPerShard})`,
      )
      .option('--workers <n>', 'shards in parallel on a local worker pool')
      .option('--redis <url>', 'run shards on BullMQ workers through this Redis')
      .option('--queue <name>', 'BullMQ queue name (with --redis)')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'JSON progress lines and a JSON summary on stdout')
      .action(async (o: Opts) => {
        const dataset = resolveClassifyDataset(
          defined({
            images: int(o.images, 'images'),
            evalImages: int(o.evalImages, 'evalImages'),
            seed: int(o.seed, 'seed'),
            size: int(o.size, 'size'),
            imagesPerShard: int(o.imagesPerShard, 'imagesPerShard'),
          }),
          resolve(o.output),
        );
        const workers = int(o.workers, 'workers');
        if (workers !== undefined && workers < 1)
          throw new ValidationError('expected at least 1', 'workers');
        const executor = ctx.executor({
          ...(o.redis ? { redis: o.redis } : {}),
          ...(o.queue ? { queue: o.queue } : {}),
          ...(workers !== undefined ? { workers } : { inline: true }),
        });
        const registry = ctx.openRegistry(o.db);
        const release = ctx.interruptible(
          'stopping after the running shard(s) (Ctrl-C again to quit)…',
        );
        const onProgress = (p: Progress): void => {
          if (o.json) process.stdout.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
          else if (p.event.kind !== 'started') {
            process.stderr.write(
              `${p.donePatterns}/${p.totalPatterns} images · shards ${p.doneShards}/${p.totalShards}\n`,
            );
          }
          if (p.event.kind === 'failed' && !o.json)
            process.stderr.write(`shard ${p.event.shard} failed: ${p.event.error ?? ''}\n`);
        };
        try {
          const r = await runClassifyDataset({
            dataset,
            executor,
            registry,
            signal: ctx.signal,
            onProgress,
          });
          const summary = {
            type: 'summary',
            runId: r.runId,
            status: r.result.status,
            datasetId: dataset.datasetId,
            outDir: dataset.outDir,
            manifest: r.manifestPath,
            images: r.manifest.counts.images,
            shards: r.result.done.length,
            skippedShards: r.result.skipped,
            failed: r.manifest.failed,
            executor: executor.name,
          };
          if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
          else {
            process.stdout.write(
              `${summary.status}: ${summary.images.train} train + ${summary.images.eval} eval images in ${summary.shards} shards (${summary.skippedShards} already there) → ${r.manifestPath}\n`,
            );
          }
          if (r.result.status === 'interrupted') throw interruptedError();
          if (r.result.status === 'failed')
            throw new BraggError('FAILED', `${r.result.failed.length} shard(s) failed`);
        } finally {
          release();
          await executor.close();
          registry.close();
        }
      });
  },
};
