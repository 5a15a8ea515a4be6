/**
 * `bragg peaks train`: the supervised peaks model (`--method supervised`, the U-Net on a
 * `bragg peaks simulate` dataset's truth masks) or the self-supervised SSLM (`--method ssl`,
 * on the scans' frames only; `ssl/train.ts`).
 */
import { PEAKS_INPUTS, type PeaksInput } from '../cnn/maps.js';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ValidationError } from '../../../core/errors.js';
import { trackTraining } from '../../../jobs/tracked-run.js';
import { initBackend, type BackendName } from '../../../ml/backend/select.js';
import { jsonLines, progressBar, type TrainCallback } from '../../../ml/train/callbacks.js';
import type { CommandContext } from '../../command.js';
import { trainPeaksModel, type TrainPeaksOptions } from '../cnn/train.js';
import { trainSslModel, type TrainSslOptions } from '../ssl/train.js';
import { intFlag, numFlag } from './options.js';

interface Opts {
  data: string;
  output: string;
  method: string;
  epochs?: string;
  batchSize?: string;
  steps?: string;
  crop?: string;
  filters?: string;
  levels?: string;
  patch?: string;
  input?: string;
  learningRate?: string;
  patience?: string;
  valSplit?: string;
  maxFrames?: string;
  seed?: string;
  channels?: string;
  convs?: string;
  momentum?: string;
  cc?: string;
  ce?: string;
  ss?: string;
  selectFrames?: string;
  minPixels?: string;
  resume?: boolean;
  backend?: string;
  threads?: string;
  db?: string;
  json?: boolean;
}

const BACKENDS = ['tensorflow', 'wasm', 'cpu'];
/** `supervised`: the U-Net (`cnn/train.ts`); `ssl`: the seed's SSLM (`ssl/train.ts`). */
const METHODS = ['supervised', 'ssl'] as const;

export function registerTrain(group: Command, ctx: CommandContext): void {
  group
    .command('train')
    .description(
      'Train a peaks model; writes the model bundle to OUT (model.json, weights.bin, bragg.json,\n' +
        'history.json; checkpoints in OUT/.checkpoints, --resume continues). Use it with\n' +
        'bragg peaks predict --model OUT (the bundle says which method it is).\n' +
        '  --method supervised (default): a small U-Net (foreground + interior maps → per-peak\n' +
        '    instance masks with confidences) on the truth masks of a bragg peaks simulate dataset.\n' +
        "  --method ssl: the seed's self-supervised SSLM (conv3×3-ReLU-BN ×2, conv1×1-ReLU-BN,\n" +
        '    --channels clusters; self-labelling cross-entropy + spatial sparsity L1, optional\n' +
        '    context consistency --cc; SGD lr 1e-3, momentum 0.9, one step per frame) on the frames\n' +
        '    of a dataset or of any folder of scans: no labels are read. The peak clusters are\n' +
        '    chosen automatically after training: clusters ranked by their share of the pixels the\n' +
        '    classic finder puts in peaks, the best-ranked set by pixel IoU with those pixels\n' +
        '    (stored in bragg.json peaks.clusters). Instances: 8-connected components of the\n' +
        '    peak clusters (≥ --min-pixels), confidence = mean peak-cluster probability.',
    )
    .requiredOption('--data <dir>', 'dataset folder (manifest.json + scans [+ label files])')
    .requiredOption('-o, --output <dir>', 'model folder')
    .option('--method <m>', 'supervised | ssl', 'supervised')
    .option('--epochs <n>', 'epochs (default 30; ssl: passes over the frames, default 5)')
    .option('--batch-size <n>', 'supervised: crops per batch (default 8)')
    .option('--steps <n>', 'supervised: batches per epoch (default 32)')
    .option('--crop <px>', 'side of the square training crops (default 64; ssl: 0 = whole frames)')
    .option('--filters <n>', 'supervised: filters of the first U-Net level (default 8)')
    .option('--levels <n>', 'supervised: U-Net poolings (default 2)')
    .option(
      '--patch <p>',
      'supervised: p×p stride-p stem and output (default 1; 2 or 4 run p² times fewer positions)',
    )
    .option(
      '--input <kind>',
      'supervised: log+snr (default: log counts and each pixel’s significance over its local background) or log',
    )
    .option('--learning-rate <lr>', 'Adam learning rate (default 0.001; ssl: SGD, 0.001)')
    .option('--patience <n>', 'supervised: early stopping patience in epochs (default 8)')
    .option('--val-split <f>', 'supervised: share of scans held out for validation (default 0.2)')
    .option(
      '--max-frames <n>',
      'frames held in memory, spread over the dataset (default 400; ssl 200)',
    )
    .option('--seed <n>', 'seed of weights and crops (default 0)')
    .option('--channels <n>', "ssl: cluster channels (default 100, the seed's)")
    .option('--convs <n>', 'ssl: conv3×3 layers before the 1×1 (default 2)')
    .option('--momentum <m>', 'ssl: SGD momentum (default 0.9)')
    .option('--cc <w>', 'ssl: weight of the context-consistency loss (default 0)')
    .option('--ce <w>', 'ssl: weight of the self-labelling cross-entropy (default 1)')
    .option('--ss <w>', 'ssl: weight of the spatial-sparsity loss (default 1)')
    .option(
      '--select-frames <n>',
      'ssl: training frames the peak clusters are chosen on (default 16)',
    )
    .option('--min-pixels <n>', 'ssl: smallest instance in pixels (default 2)')
    .option('--resume', 'continue from OUT/.checkpoints/last')
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: best available)')
    .option('--threads <n>', 'threads for the wasm backend (default: all cores)')
    .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
    .option('--json', 'progress as JSON lines, then a JSON result line')
    .action(async (o: Opts) => {
      if (!(METHODS as readonly string[]).includes(o.method))
        throw new ValidationError(
          `method '${o.method}' is not one of ${METHODS.join(', ')}`,
          'method',
        );
      const ssl = o.method === 'ssl';
      const only = (flags: (keyof Opts)[], method: string): void => {
        for (const f of flags)
          if (o[f] !== undefined)
            throw new ValidationError(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to --method ${method} only`, f); // prettier-ignore
      };
      if (ssl) only(['batchSize', 'steps', 'filters', 'levels', 'patch', 'input', 'patience', 'valSplit'], 'supervised'); // prettier-ignore
      else only(['channels', 'convs', 'momentum', 'cc', 'ce', 'ss', 'selectFrames', 'minPixels'], 'ssl'); // prettier-ignore
      if (o.backend !== undefined && !BACKENDS.includes(o.backend))
        throw new ValidationError(
          `backend '${o.backend}' is not one of ${BACKENDS.join(', ')}`,
          'backend',
        );
      const sslOptions = ssl ? sslOptionsOf(o) : undefined;
      const options: TrainPeaksOptions = { data: o.data, outDir: o.output, method: 'supervised' };
      const set = <K extends keyof TrainPeaksOptions>(
        k: K,
        v: TrainPeaksOptions[K] | undefined,
      ): void => {
        if (v !== undefined) options[k] = v;
      };
      set('epochs', intFlag(o.epochs, 'epochs', 1, 100_000));
      set('batchSize', intFlag(o.batchSize, 'batchSize', 1, 4096));
      set('steps', intFlag(o.steps, 'steps', 1, 1_000_000));
      set('crop', intFlag(o.crop, 'crop', 8, 1024));
      set('filters', intFlag(o.filters, 'filters', 1, 256));
      set('levels', intFlag(o.levels, 'levels', 0, 5));
      set('patch', intFlag(o.patch, 'patch', 1, 8));
      if (o.input !== undefined) {
        if (!(PEAKS_INPUTS as readonly string[]).includes(o.input))
          throw new ValidationError(
            `--input '${o.input}' is not one of ${PEAKS_INPUTS.join(', ')}`,
            'input',
          );
        options.input = o.input as PeaksInput;
      }
      set('learningRate', numFlag(o.learningRate, 'learningRate'));
      set('patience', intFlag(o.patience, 'patience', 1, 100_000));
      set('valSplit', numFlag(o.valSplit, 'valSplit'));
      set('maxFrames', intFlag(o.maxFrames, 'maxFrames', 2, 100_000));
      set('seed', intFlag(o.seed, 'seed', 0, 2 ** 32 - 1));
      if (o.resume === true) options.resume = true;
      const threads = intFlag(o.threads, 'threads', 1, 64);
      await initBackend(
        ctx.backendConfig({
          ...(o.backend !== undefined ? { backend: o.backend as BackendName } : {}),
          ...(threads !== undefined ? { threads } : {}),
        }),
      );
      const callbacks: TrainCallback[] =
        o.json === true
          ? [jsonLines()]
          : [
              ...(process.stderr.isTTY && !ssl ? [progressBar(options.steps ?? 32)] : []),
              {
                onEvent(e) {
                  if (e.type !== 'epoch') return;
                  const v = e.val_loss === undefined ? '' : ` val_loss ${e.val_loss.toFixed(4)}`;
                  process.stderr.write(
                    `epoch ${e.epoch + 1} loss ${e.loss.toFixed(4)}${v} (${e.seconds.toFixed(1)} s)\n`,
                  );
                },
              },
            ];
      options.callbacks = callbacks;
      const registry = ctx.openRegistry(o.db);
      const release = ctx.interruptible('stopping after the running batch (Ctrl-C again to quit)…');
      const tracking = {
        id: `peaks-train-${randomUUID().slice(0, 8)}`,
        kind: 'peaks-train',
        outDir: resolve(o.output),
        inputs: [{ role: 'input' as const, kind: 'dataset-dir', refId: resolve(o.data) }],
        signal: ctx.signal,
      };
      if (sslOptions !== undefined) {
        sslOptions.callbacks = callbacks;
        const r = await trackTraining(
          registry,
          { ...sslOptions, signal: undefined },
          (opt) => trainSslModel({ ...opt, signal: ctx.signal }),
          tracking,
        ).finally(() => {
          release();
          registry.close();
        });
        const last = r.history[r.history.length - 1];
        if (o.json === true) {
          process.stdout.write(
            `${JSON.stringify({ type: 'result', method: 'ssl', modelDir: r.modelDir, id: r.meta.id, loss: last?.loss ?? null, epochs: r.history.length, frames: r.frames, clusters: r.clusters, selectionIoU: r.selectionIoU })}\n`,
          );
          return;
        }
        process.stdout.write(
          `peaks SSLM ${r.meta.id}\n  ${r.modelDir}\n  ${r.history.length} epochs of ${r.frames} steps; loss ${last?.loss.toFixed(4) ?? 'n/a'}; peak clusters ${r.clusters.join(', ')} (pixel IoU ${r.selectionIoU.toFixed(3)} with the classic finder's peak pixels)\n`,
        );
        return;
      }
      const r = await trackTraining(
        registry,
        { ...options, signal: undefined },
        (opt) => trainPeaksModel({ ...opt, signal: ctx.signal }),
        tracking,
      ).finally(() => {
        release();
        registry.close();
      });
      if (o.json === true) {
        process.stdout.write(
          `${JSON.stringify({ type: 'result', modelDir: r.modelDir, id: r.meta.id, bestValLoss: r.bestValLoss, epochs: r.history.length, stoppedEarly: r.stoppedEarly, frames: r.frames })}\n`,
        );
        return;
      }
      process.stdout.write(
        `peaks model ${r.meta.id}\n  ${r.modelDir}\n  ${r.history.length} epochs on ${r.frames.train} frames; best val_loss ${r.bestValLoss.toFixed(4)} on ${r.frames.validation} held-out frames\n`,
      );
    });
}

/** The SSLM's options from the flags. */
function sslOptionsOf(o: Opts): TrainSslOptions {
  const r: TrainSslOptions = { data: o.data, outDir: o.output };
  const set = <K extends keyof TrainSslOptions>(k: K, v: TrainSslOptions[K] | undefined): void => {
    if (v !== undefined) r[k] = v;
  };
  set('epochs', intFlag(o.epochs, 'epochs', 1, 100_000));
  set('crop', intFlag(o.crop, 'crop', 0, 8192));
  set('channels', intFlag(o.channels, 'channels', 2, 1024));
  set('convs', intFlag(o.convs, 'convs', 1, 8));
  set('learningRate', numFlag(o.learningRate, 'learningRate'));
  set('momentum', numFlag(o.momentum, 'momentum'));
  set('maxFrames', intFlag(o.maxFrames, 'maxFrames', 1, 100_000));
  set('selectFrames', intFlag(o.selectFrames, 'selectFrames', 1, 100_000));
  set('minPixels', intFlag(o.minPixels, 'minPixels', 1, 10_000_000));
  set('seed', intFlag(o.seed, 'seed', 0, 2 ** 32 - 1));
  const weights: NonNullable<TrainSslOptions['weights']> = {};
  for (const k of ['cc', 'ce', 'ss'] as const) {
    const v = numFlag(o[k], k);
    if (v !== undefined) weights[k] = v;
  }
  if (Object.keys(weights).length > 0) r.weights = weights;
  if (o.resume === true) r.resume = true;
  return r;
}
