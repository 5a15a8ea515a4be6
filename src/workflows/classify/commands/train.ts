/** `bragg classify train`: AiryNet on labelled single-shot images → a model bundle. */
import type { TrainCallback } from '../../../ml/train/callbacks.js';
import { ValidationError } from '../../../core/errors.js';
import { LAYOUT_HELP, parseTfrecordLayout } from '../../../formats/tfrecord/index.js';
import { initBackend, type BackendName } from '../../../ml/backend/select.js';
import { printJson, throwIfStopped, type CommandModule, commandGroup } from '../../command.js';
import { trackedClassifyTraining } from '../train/runs.js';
import { summary } from '../train/train.js';
import { metricsTable } from '../train/table.js';

interface Opts {
  data: string[];
  output: string;
  airynetType: string;
  resnetSize?: string;
  vggSize?: string;
  targetSize?: string;
  crop?: string;
  layout?: string;
  batchSize?: string;
  epochs?: string;
  seed?: string;
  learningRate?: string;
  lrBoundaries?: string;
  lrDecay?: string;
  stepsPerEval?: string;
  firstActivation?: string;
  bnMomentum?: string;
  resume?: boolean;
  db?: string;
  json?: boolean;
  backend?: string;
  threads?: string;
}

export function intFlag(v: string | undefined, field: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new ValidationError(`expected an integer ≥ ${min}, got '${v}'`, field);
  }
  return n;
}

export function numberFlag(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new ValidationError(`expected a positive number, got '${v}'`, field);
  }
  return n;
}

function epochLines(json: boolean): TrainCallback {
  return {
    onEvent(e) {
      if (e.type !== 'epoch') return;
      if (json) {
        process.stdout.write(`${JSON.stringify(e)}\n`);
        return;
      }
      const v =
        e.val_loss === undefined
          ? ''
          : `, val_loss ${e.val_loss.toFixed(4)}, val_acc ${(100 * (e.val_accuracy ?? 0)).toFixed(1)} %`;
      process.stderr.write(
        `epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)}, acc ${(100 * e.accuracy).toFixed(1)} %${v}, lr ${e.lr.toExponential(2)} (${e.seconds.toFixed(1)} s)\n`,
      );
    },
  };
}

export const classifyTrainCommand: CommandModule = {
  name: 'classify',
  register(program, ctx) {
    commandGroup(
      program,
      'classify',
      'Single-shot diffraction images → multi-label classes (AiryNet).',
    )
      .command('train')
      .description(
        'Train AiryNet (ResNet v2 / VGG with the logarithmic first activation) on labelled\n' +
          'single-shot images: a dataset folder (manifest.json + TFRecord shards), TFRecord files,\n' +
          "or HDF5/NPZ stacks with 'images' and 'labels'. Sigmoid cross-entropy (softmax when every\n" +
          'image has one label) + l1/l2, Nesterov momentum at lr·batch/128, ×0.1 at the boundaries;\n' +
          'a checkpoint per epoch (--resume continues), then the metrics on the eval split.',
      )
      .requiredOption('--data <paths...>', 'dataset folder(s) or files')
      .requiredOption(
        '-o, --output <dir>',
        'models folder (the bundle goes into a new folder inside)',
      )
      .option('--layout <spec>', LAYOUT_HELP)
      .option('--airynet-type <t>', 'resnet or vgg', 'resnet')
      .option('--resnet-size <n>', 'ResNet depth: 18, 34, 50, 101, 152, 200 (default 18)')
      .option('--vgg-size <n>', 'VGG depth: 16 or 19 (default 16)')
      .option('--target-size <px>', 'network input side (default 224)')
      .option(
        '--crop <px>',
        'side of the centre region the images are cropped / padded to before the resize to\n' +
          "--target-size (default 256, the seed's); kept in the model, predict and evaluate use it",
      )
      .option('--batch-size <n>', 'images per step (default 24)')
      .option('--epochs <n>', 'epochs (default 200)')
      .option('--seed <s>', 'random seed (default 42)')
      .option('--learning-rate <lr>', 'base learning rate, scaled by batch/128 (default 0.1)')
      .option(
        '--lr-boundaries <e,...>',
        'epochs where lr is multiplied by --lr-decay (default 30,60,120,150)',
      )
      .option('--lr-decay <g>', 'factor at each boundary (default 0.1)')
      .option(
        '--steps-per-eval <n>',
        "train/eval cycles of n steps (the seed's steps_per_eval): evaluation + checkpoint after each",
      )
      .option('--first-activation <a>', 'log (AiryNet) or none (default log)')
      .option(
        '--bn-momentum <m>',
        "ResNet batch-norm moving-average momentum (default 0.997, the seed's; 0.9 for short runs)",
      )
      .option('--resume', 'continue from the last checkpoint of the same output folder')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'JSON lines per epoch and a JSON summary on stdout')
      .option('--backend <name>', 'tensorflow | wasm | cpu (default: best available)')
      .option('--threads <n>', 'threads for the wasm backend (default: all cores)')
      .action(async (o: Opts) => {
        const layout = o.layout !== undefined ? parseTfrecordLayout(o.layout, 'layout') : undefined;
        const threads = intFlag(o.threads, 'threads');
        await initBackend(
          ctx.backendConfig({
            ...(o.backend !== undefined ? { backend: o.backend as BackendName } : {}),
            ...(threads !== undefined ? { threads } : {}),
          }),
        );
        const type = o.airynetType;
        if (type !== 'resnet' && type !== 'vgg')
          throw new ValidationError(`must be resnet or vgg, got '${type}'`, 'airynetType');
        if (o.bnMomentum !== undefined && type !== 'resnet')
          throw new ValidationError(
            `applies to --airynet-type resnet (VGG has no batch normalisation)`,
            'bnMomentum',
          );
        const fa = o.firstActivation;
        if (fa !== undefined && fa !== 'log' && fa !== 'none')
          throw new ValidationError(`must be log or none, got '${fa}'`, 'firstActivation');
        const boundaries = o.lrBoundaries
          ?.split(',')
          .map((s) => intFlag(s.trim(), 'lrBoundaries')!);
        const opt = <T>(k: string, v: T | undefined): Record<string, T> =>
          v === undefined ? {} : { [k]: v };
        const registry = ctx.openRegistry(o.db);
        const release = ctx.interruptible('stopping after this batch (Ctrl-C again to quit)…');
        try {
          const r = await trackedClassifyTraining(
            registry,
            {
              data: o.data,
              ...opt('layout', layout),
              outDir: o.output,
              airynetType: type,
              ...opt('resnetSize', intFlag(o.resnetSize, 'resnetSize')),
              ...opt('vggSize', intFlag(o.vggSize, 'vggSize')),
              ...opt('targetSize', intFlag(o.targetSize, 'targetSize', 16)),
              ...opt('crop', intFlag(o.crop, 'crop', 16)),
              ...opt('batchSize', intFlag(o.batchSize, 'batchSize')),
              ...opt('epochs', intFlag(o.epochs, 'epochs')),
              ...opt('seed', intFlag(o.seed, 'seed', 0)),
              ...opt('learningRate', numberFlag(o.learningRate, 'learningRate')),
              ...opt('lrBoundaries', boundaries),
              ...opt('lrDecay', numberFlag(o.lrDecay, 'lrDecay')),
              ...opt('stepsPerEval', intFlag(o.stepsPerEval, 'stepsPerEval')),
              ...opt('firstActivation', fa),
              ...(o.bnMomentum !== undefined
                ? { architecture: { bnMomentum: numberFlag(o.bnMomentum, 'bnMomentum') } }
                : {}),
              ...(o.resume ? { resume: true } : {}),
              callbacks: [
                { onEvent: () => throwIfStopped(ctx.signal, 'interrupted') },
                epochLines(o.json === true),
              ],
            },
            ctx.signal,
          );
          if (o.json) {
            printJson({
              type: 'summary',
              modelDir: r.modelDir,
              id: r.meta.id,
              evaluatedOn: r.evaluatedOn,
              ...summary(r.metrics),
              perClass: r.metrics.perClass,
            });
          } else {
            process.stdout.write(
              `${metricsTable(r.metrics)}\n(on the ${r.evaluatedOn} images)\nmodel: ${r.modelDir}\n`,
            );
          }
        } finally {
          release();
          registry.close();
        }
      });
  },
};
