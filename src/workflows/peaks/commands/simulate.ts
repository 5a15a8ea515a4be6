/** `bragg peaks simulate`: a synthetic dataset of I16-layout scans with label files (resumable). */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { BraggError, ValidationError } from '../../../core/errors.js';
import type { Progress } from '../../../jobs/sharded-run.js';
import { interruptedError, type CommandContext } from '../../command.js';
import {
  DATASET_PRESETS,
  parseDetector,
  presetDensity,
  runPeaksDataset,
  type DatasetPreset,
} from '../synthetic/run.js';
import { intFlag, numFlag } from './options.js';

interface Opts {
  output: string;
  frames?: string;
  scans?: string;
  seed?: string;
  detector?: string;
  density?: string;
  preset?: string;
  workers?: string;
  redis?: string;
  queue?: string;
  db?: string;
  json?: boolean;
}

export function registerSimulate(group: Command, ctx: CommandContext): void {
  group
    .command('simulate')
    .description(
      'Synthetic detector scans in the Diamond I16 NeXus layout (entry1/pil3_100k/data) with\n' +
        'label files (<scan>_labels.h5: instance masks, 10 % rule, + peak table) and manifest.json.\n' +
        'Poisson noise, flat/ring/streak/fluorescence backgrounds, dead and hot pixels, Gaussian,\n' +
        'anisotropic, split, streaked and saturated peaks on rocking curves. One shard per scan;\n' +
        'rerun to resume; same seed → same bytes.',
    )
    .requiredOption('-o, --output <dir>', 'output directory')
    .option('--frames <n>', 'frames per scan (default 50)')
    .option('--scans <n>', 'scans (default 1)')
    .option('--seed <s>', 'seed (default 0)')
    .option('--detector <d>', 'pilatus100k (195×487, default) or WxH')
    .option('--density <d>', 'peaks started per frame, mean (default 0.5; hard preset 1.5)')
    .option(
      '--preset <p>',
      'default | hard (weaker peaks near the noise, touching peaks, strong ring/streak/fluorescence backgrounds) | mixed (one default scan, then two hard ones, and so on)',
    )
    .option('--workers <n>', 'scans in parallel on a local worker pool')
    .option('--redis <url>', 'run scans on BullMQ workers through this Redis')
    .option('--queue <name>', 'BullMQ queue name (with --redis)')
    .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
    .option('--json', 'JSON progress lines and a JSON summary on stdout')
    .action(async (o: Opts) => {
      const det = parseDetector(o.detector);
      const config = {
        scans: intFlag(o.scans, 'scans', 1, 10_000) ?? 1,
        frames: intFlag(o.frames, 'frames', 1, 100_000) ?? 50,
        seed: intFlag(o.seed, 'seed', 0, 2 ** 32 - 1) ?? 0,
        height: det.height,
        width: det.width,
        ...densityOf(numFlag(o.density, 'density'), o.preset),
        ...(o.preset !== undefined && o.preset !== 'default'
          ? { preset: o.preset as DatasetPreset }
          : {}),
      };
      if (o.preset !== undefined && !(DATASET_PRESETS as readonly string[]).includes(o.preset))
        throw new ValidationError(
          `preset '${o.preset}' is not one of ${DATASET_PRESETS.join(', ')}`,
          'preset',
        );
      const workers = intFlag(o.workers, 'workers', 1, 1024);
      const executor = ctx.executor({
        ...(o.redis ? { redis: o.redis } : {}),
        ...(o.queue ? { queue: o.queue } : {}),
        ...(workers !== undefined ? { workers } : { inline: true }),
      });
      const registry = ctx.openRegistry(o.db);
      const release = ctx.interruptible(
        'stopping after the running scan(s) (Ctrl-C again to quit)…',
      );
      const onProgress = (p: Progress): void => {
        if (o.json) process.stdout.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
        else if (p.event.kind !== 'started')
          process.stderr.write(
            `${p.donePatterns}/${p.totalPatterns} frames · scans ${p.doneShards}/${p.totalShards}\n`,
          );
        if (p.event.kind === 'failed' && !o.json)
          process.stderr.write(`scan ${p.event.shard} failed: ${p.event.error ?? ''}\n`);
      };
      try {
        const r = await runPeaksDataset(config, resolve(o.output), {
          executor,
          registry,
          signal: ctx.signal,
          onProgress,
        });
        const summary = {
          type: 'summary',
          runId: r.runId,
          status: r.result.status,
          datasetId: r.datasetId,
          manifest: r.manifest,
          scans: r.result.done.length,
          skippedScans: r.result.skipped,
          failed: r.result.failed.map((f) => ({ id: f.id, error: f.error.message })),
          elapsedS: r.result.elapsedS,
        };
        if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else
          process.stdout.write(
            `${summary.status}: ${summary.scans} scan(s) of ${config.frames} frames (${summary.skippedScans} already there) → ${r.manifest}\n`,
          );
        if (r.result.status === 'interrupted') throw interruptedError();
        if (r.result.status === 'failed')
          throw new BraggError('FAILED', `${r.result.failed.length} scan(s) failed`);
      } finally {
        release();
        await executor.close();
        registry.close();
      }
    });
}

/**
 * The dataset's density: the one given, else its preset's (a fixed number, as datasets always
 * recorded it); a `mixed` dataset without `--density` records none, each scan taking its own
 * preset's.
 */
function densityOf(given: number | undefined, preset: string | undefined): { density?: number } {
  if (given !== undefined) return { density: given };
  if (preset === 'mixed') return {};
  return { density: presetDensity(preset === 'hard' ? 'hard' : 'default') };
}
