/** `bragg peaks train`: the supervised peaks model on a `bragg peaks simulate` dataset. */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ValidationError } from '../../../core/errors.js';
import { trackTraining } from '../../../jobs/tracked-run.js';
import { initBackend, type BackendName } from '../../../ml/backend/select.js';
import { jsonLines, progressBar, type TrainCallback } from '../../../ml/train/callbacks.js';
import type { CommandContext } from '../../command.js';
import { PEAKS_TRAIN_METHODS, trainPeaksModel, type TrainPeaksOptions } from '../cnn/train.js';
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
  learningRate?: string;
  patience?: string;
  valSplit?: string;
  maxFrames?: string;
  seed?: string;
  resume?: boolean;
  backend?: string;
  threads?: string;
  db?: string;
  json?: boolean;
}

const BACKENDS = ['tensorflow', 'wasm', 'cpu'];

export function registerTrain(group: Command, ctx: CommandContext): void {
  group
    .command('train')
    .description(
      'Train the supervised peaks model (a small U-Net: foreground + interior maps → per-peak\n' +
        'instance masks with confidences) on a bragg peaks simulate dataset; writes the model\n' +
        'bundle to OUT (model.json, weights.bin, bragg.json, history.json; checkpoints in\n' +
        'OUT/.checkpoints, --resume continues). Use it with bragg peaks predict --model OUT.',
    )
    .requiredOption('--data <dir>', 'dataset folder (manifest.json + scans + label files)')
    .requiredOption('-o, --output <dir>', 'model folder')
    .option('--method <m>', 'supervised (the only one)', 'supervised')
    .option('--epochs <n>', 'epochs (default 30)')
    .option('--batch-size <n>', 'crops per batch (default 8)')
    .option('--steps <n>', 'batches per epoch (default 32)')
    .option('--crop <px>', 'side of the square training crops (default 64)')
    .option('--filters <n>', 'filters of the first U-Net level (default 8)')
    .option('--levels <n>', 'U-Net poolings (default 2)')
    .option('--learning-rate <lr>', 'Adam learning rate (default 0.001)')
    .option('--patience <n>', 'early stopping patience in epochs (default 8)')
    .option('--val-split <f>', 'share of scans held out for validation (default 0.2)')
    .option('--max-frames <n>', 'frames held in memory, spread over the dataset (default 400)')
    .option('--seed <n>', 'seed of weights and crops (default 0)')
    .option('--resume', 'continue from OUT/.checkpoints/last')
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: best available)')
    .option('--threads <n>', 'threads for the wasm backend (default: all cores)')
    .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
    .option('--json', 'progress as JSON lines, then a JSON result line')
    .action(async (o: Opts) => {
      if (!(PEAKS_TRAIN_METHODS as readonly string[]).includes(o.method))
        throw new ValidationError(
          `method '${o.method}' is not one of ${PEAKS_TRAIN_METHODS.join(', ')}`,
          'method',
        );
      if (o.backend !== undefined && !BACKENDS.includes(o.backend))
        throw new ValidationError(
          `backend '${o.backend}' is not one of ${BACKENDS.join(', ')}`,
          'backend',
        );
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
              ...(process.stderr.isTTY ? [progressBar(options.steps ?? 32)] : []),
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
      const r = await trackTraining(
        registry,
        { ...options, signal: undefined },
        (opt) => trainPeaksModel({ ...opt, signal: ctx.signal }),
        {
          id: `peaks-train-${randomUUID().slice(0, 8)}`,
          kind: 'peaks-train',
          outDir: resolve(o.output),
          inputs: [{ role: 'input', kind: 'dataset-dir', refId: resolve(o.data) }],
          signal: ctx.signal,
        },
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
