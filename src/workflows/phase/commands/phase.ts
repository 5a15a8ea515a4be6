/**
 * `bragg phase train | predict | evaluate`: the phase-mapping workflow of issue 6 (the seed's
 * diffsims XL pipeline): simulated profiles → 1D CNN → phase maps → evaluation against CIFs.
 */
import type { Command } from 'commander';
import {
  commandGroup,
  printJson,
  throwIfStopped,
  type CommandContext,
  type CommandModule,
} from '../../command.js';
import { initBackend, type BackendName } from '../../../ml/backend/select.js';
import { loadBundle } from '../../../ml/store/bundle.js';
import { jsonLines, progressBar, type TrainCallback } from '../../../ml/train/callbacks.js';
import { evaluatePredictionFile, type FileEvaluation } from '../evaluate.js';
import type { WrittenPrediction } from '../predict.js';
import { trackedPhasePrediction, trackedPhaseTraining } from '../runs.js';
import { numberFlag } from '../../flags.js';

function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

interface BackendOpts {
  backend?: string;
  threads?: string;
}

function backendOptions(c: Command): Command {
  return c
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: best available)')
    .option('--threads <n>', 'threads for the wasm backend (default: all cores)');
}

async function startBackend(o: BackendOpts, ctx: CommandContext): Promise<void> {
  await initBackend(
    ctx.backendConfig(
      defined({
        backend: o.backend as BackendName | undefined,
        threads: numberFlag(o.threads, 'threads', { int: true, min: 1, max: 64 }),
      }),
    ),
  );
}

/**
 * Stops a training at the next batch once `signal` aborts (Ctrl-C, a closed stdout): the trainer
 * awaits every callback, so the error thrown here ends it between two steps.
 */
export function stopOn(signal: AbortSignal): TrainCallback {
  return { onEvent: () => throwIfStopped(signal, 'interrupted') };
}

/** Epoch lines on stderr when no terminal shows a bar. */
export function epochLines(): TrainCallback {
  return {
    onEvent(e) {
      if (e.type !== 'epoch') return;
      const v =
        e.val_loss === undefined
          ? ''
          : `, val_loss ${e.val_loss.toFixed(4)}, val_acc ${(100 * (e.val_accuracy ?? 0)).toFixed(2)} %`;
      process.stderr.write(
        `epoch ${e.epoch + 1}: loss ${e.loss.toFixed(4)}, acc ${(100 * e.accuracy).toFixed(2)} %${v} (${e.seconds.toFixed(1)} s)\n`,
      );
    },
  };
}

interface TrainOpts extends BackendOpts {
  data: string;
  output: string;
  epochs?: string;
  batchSize?: string;
  valSplit?: string;
  seed?: string;
  learningRate?: string;
  lrSchedule?: string;
  depth?: string;
  width?: string;
  kernelSize?: string;
  dense?: string;
  dropout?: string;
  batchNorm?: boolean;
  patience?: string;
  checkpointDir?: string;
  resume?: boolean;
  db?: string;
  json?: boolean;
}

function registerTrain(group: Command, ctx: CommandContext): void {
  backendOptions(
    group
      .command('train')
      .description(
        "Train the seed's 1D CNN on a phase dataset (a `bragg simulate dataset` directory); writes\n" +
          '<out>/<model id>/ with model.json, weights.bin, bragg.json, confusion.json/.png, curves.png.',
      )
      .requiredOption('--data <dir|manifest>', 'phase dataset directory or its manifest.json')
      .option('-o, --output <dir>', 'parent directory of the model bundle', 'models')
      .option('--epochs <n>', 'epochs (default 10)')
      .option('--batch-size <n>', 'batch size (default 64)')
      .option(
        '--val-split <f>',
        'held-out fraction for validation and the confusion matrix (default 0.25)',
      )
      .option('--seed <n>', 'seed of the weights, shuffles, split and dropout (default 10)')
      .option('--learning-rate <lr>', 'Adam learning rate (default 0.001)')
      .option('--lr-schedule <kind>', 'constant (default, as the seed) or cosine decay to 0')
      .option('--depth <n>', 'Conv1D + MaxPool blocks (default 3)')
      .option('--width <n>', 'filters per Conv1D (default 64)')
      .option('--kernel-size <n>', 'Conv1D kernel size (default 6)')
      .option('--dense <n>', 'units of the hidden dense layer (default 128)')
      .option('--dropout <rate>', 'dropout after the second block (default 0.5)')
      .option('--batch-norm', 'batch normalisation after each convolution')
      .option('--patience <n>', 'early stopping after n epochs without val_loss improvement')
      .option('--checkpoint-dir <dir>', 'resumable checkpoints (last/, best/)')
      .option('--resume', 'continue from --checkpoint-dir/last')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'progress as JSON lines, summary as JSON'),
  ).action(async (o: TrainOpts) => {
    await startBackend(o, ctx);
    const int = (v: string | undefined, f: string, min = 1) => numberFlag(v, f, { int: true, min });
    const callbacks: TrainCallback[] = [
      stopOn(ctx.signal),
      ...(o.json
        ? [jsonLines()]
        : [process.stderr.isTTY ? progressBar() : { onEvent: () => undefined }, epochLines()]),
    ];
    const options = {
      data: o.data,
      outDir: o.output,
      callbacks,
      ...defined({
        epochs: int(o.epochs, '--epochs'),
        batchSize: int(o.batchSize, '--batch-size'),
        valSplit: numberFlag(o.valSplit, '--val-split', { min: 0, max: 1 }),
        seed: int(o.seed, '--seed', 0),
        learningRate: numberFlag(o.learningRate, '--learning-rate', { min: 0 }),
        patience: int(o.patience, '--patience'),
        schedule: o.lrSchedule as 'constant' | 'cosine' | undefined,
        checkpointDir: o.checkpointDir,
        resume: o.resume,
      }),
      architecture: defined({
        depth: int(o.depth, '--depth'),
        filters: int(o.width, '--width'),
        kernelSize: int(o.kernelSize, '--kernel-size'),
        dense: int(o.dense, '--dense'),
        dropout: numberFlag(o.dropout, '--dropout', { min: 0, max: 1 }),
        batchNorm: o.batchNorm,
      }),
    };
    // A training run is recorded with its lineage: dataset id(s) → model id.
    const registry = ctx.openRegistry(o.db);
    // Ctrl-C or a closed stdout stop the training after the running batch: recorded as interrupted.
    const release = ctx.interruptible('stopping after the running batch (Ctrl-C again to quit)…');
    const r = await trackedPhaseTraining(registry, options, ctx.signal).finally(() => {
      release();
      registry.close();
    });
    if (o.json) {
      // One line, like the progress lines before it: the output is JSON lines throughout.
      const result = {
        type: 'result',
        modelDir: r.modelDir,
        id: r.meta.id,
        confusion: r.confusion,
        history: r.history,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    process.stdout.write(
      `model ${r.meta.id}\n  ${r.modelDir}\n  phases: ${r.meta.labels.join(', ')}\n` +
        `  held-out accuracy ${(100 * r.confusion.accuracy).toFixed(2)} % on ${r.confusion.total} profiles\n`,
    );
  });
}

interface PredictOpts extends BackendOpts {
  model: string;
  output?: string;
  batchSize?: string;
  minOverlap?: string;
  xKey?: string;
  yKey?: string;
  db?: string;
  json?: boolean;
}

function registerPredict(group: Command, ctx: CommandContext): void {
  backendOptions(
    group
      .command('predict')
      .description(
        'Phase map of experimental profiles (npz or HDF5 with x (nq,) and y (ny, nx, nq)); writes\n' +
          '<name>_probability_pred.npz (pred, phases, cnn_id) and <name>_phase_map.png.',
      )
      .argument('<maps...>', 'experimental maps (.npz, .h5)')
      .requiredOption('--model <dir>', 'model bundle directory (from bragg phase train)')
      .option('-o, --output <dir>', 'output directory (default: beside each map)')
      .option('--batch-size <n>', 'profiles per inference batch (default 1024)')
      .option(
        '--min-overlap <f>',
        "fraction of the model's q range the map must cover (default 0.9)",
      )
      .option('--x-key <name>', 'q-axis dataset (default x)')
      .option('--y-key <name>', 'profiles dataset (default y)')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'print JSON'),
  ).action(async (maps: string[], o: PredictOpts) => {
    await startBackend(o, ctx);
    const bundle = await loadBundle(o.model);
    const results: ({ map: string } & WrittenPrediction & Record<string, unknown>)[] = [];
    // A prediction run is recorded with its lineage: model id → prediction files.
    const registry = ctx.openRegistry(o.db);
    // Ctrl-C or a closed stdout stop after the map in hand: recorded as interrupted.
    const release = ctx.interruptible('stopping after the current map (Ctrl-C again to quit)…');
    await trackedPhasePrediction(
      registry,
      {
        bundle,
        maps,
        ...(o.output !== undefined ? { outDir: o.output } : {}),
        keys: defined({ x: o.xKey, y: o.yKey }),
        predict: defined({
          batchSize: numberFlag(o.batchSize, '--batch-size', { int: true, min: 1 }),
          minOverlap: numberFlag(o.minOverlap, '--min-overlap', { min: 0, max: 1 }),
        }),
        onMap: ({ map: file, npz, png, prediction: p }) => {
          results.push({ map: file, npz, png, ny: p.ny, nx: p.nx, phases: p.phases, cnnId: p.cnnId, resampled: p.resampled }); // prettier-ignore
          if (!o.json) {
            process.stdout.write(
              `${file}: ${p.ny} × ${p.nx} pixels${p.resampled ? ' (resampled onto the model q-axis)' : ''}\n  ${npz}\n  ${png}\n`,
            );
          }
        },
      },
      ctx.signal,
    ).finally(() => {
      bundle.model.dispose();
      release();
      registry.close();
    });
    if (o.json) printJson(results);
  });
}

interface EvaluateOpts {
  pred: string[];
  expDir: string;
  cifDir: string;
  slopeThreshold?: string;
  ampThreshold?: string;
  medfiltRadius?: string;
  smoothRadius?: string;
  peakGroup?: string;
  maxPeaks?: string;
  minRelativeIntensity?: string;
  matchTolerance?: string;
  xKey?: string;
  yKey?: string;
  db?: string;
  json?: boolean;
}

export function formatEvaluation(e: FileEvaluation): string {
  const lines = [`${e.prediction}\n  map ${e.experiment}, model ${e.cnnId}, ${e.pixels} pixels`];
  for (const r of e.phases) {
    if (r.status === 'absent') {
      lines.push(`  ${r.phase}: absent (no pixels)`);
      continue;
    }
    const d = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(4)} Å⁻¹`);
    lines.push(
      `  ${r.phase}: ${(100 * r.fraction).toFixed(1)} % of pixels, ${r.foundPeaks.length} peaks; ` +
        `mean distance ${d(r.meanDistance)}, weighted ${d(r.weightedMeanDistance)}; ` +
        `strong reflections found ${(100 * r.fractionStrongFound).toFixed(0)} % of ${r.referencePeaks.length}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function registerEvaluate(group: Command): void {
  group
    .command('evaluate')
    .description(
      'Check phase maps against physics: per phase, peaks of the mean profile of its pixels against\n' +
        'the kinematic electron reflections of <cif-dir>/<phase>.cif.',
    )
    .requiredOption('--pred <files...>', '*_probability_pred.npz files')
    .requiredOption('--exp-dir <dir>', 'directory of the experimental maps (<name>.npz / .h5)')
    .requiredOption('--cif-dir <dir>', 'directory with <phase>.cif for every phase')
    .option('--slope-threshold <v>', 'peak finder: minimum derivative drop (default 0)')
    .option(
      '--amp-threshold <v>',
      "peak finder: minimum height (default 10 % of the profile's maximum)",
    )
    .option('--medfilt-radius <n>', 'peak finder: median filter radius (default 3)')
    .option('--smooth-radius <n>', 'peak finder: derivative smoothing half width (default 1)')
    .option('--peak-group <n>', 'peak finder: points in the parabola fit (default 5)')
    .option('--max-peaks <n>', 'peak finder: keep the n highest peaks (default 25)')
    .option(
      '--min-relative-intensity <f>',
      'reference reflections weaker than this are ignored (default 0.05)',
    )
    .option(
      '--match-tolerance <q>',
      'a strong reflection is found within this distance [Å⁻¹] (default 2 q-bins)',
    )
    .option('--x-key <name>', 'q-axis dataset (default x)')
    .option('--y-key <name>', 'profiles dataset (default y)')
    .option('--json', 'print JSON')
    .action(async (o: EvaluateOpts) => {
      const int = (v: string | undefined, f: string) => numberFlag(v, f, { int: true, min: 0 });
      const peakFinder = defined({
        slopeThreshold: numberFlag(o.slopeThreshold, '--slope-threshold'),
        ampThreshold: numberFlag(o.ampThreshold, '--amp-threshold'),
        medfiltRadius: int(o.medfiltRadius, '--medfilt-radius'),
        smoothRadius: int(o.smoothRadius, '--smooth-radius'),
        peakGroup: int(o.peakGroup, '--peak-group'),
        maxPeaks: int(o.maxPeaks, '--max-peaks'),
      });
      const out: FileEvaluation[] = [];
      for (const f of o.pred) {
        const e = await evaluatePredictionFile(f, o.expDir, o.cifDir, {
          peakFinder,
          keys: defined({ x: o.xKey, y: o.yKey }),
          ...defined({
            minRelativeIntensity: numberFlag(o.minRelativeIntensity, '--min-relative-intensity', {
              min: 0,
              max: 1,
            }),
            matchTolerance: numberFlag(o.matchTolerance, '--match-tolerance', { min: 0 }),
          }),
        });
        out.push(e);
        if (!o.json) process.stdout.write(formatEvaluation(e));
      }
      if (o.json) {
        printJson(
          out.map((e) => ({
            ...e,
            phases: e.phases.map((r) =>
              r.status === 'present' ? { ...r, meanProfile: undefined } : r,
            ),
          })),
        );
      }
    });
}

export const phaseCommand: CommandModule = {
  name: 'phase',
  register(program, ctx) {
    const group = commandGroup(
      program,
      'phase',
      'Phase mapping: train a 1D CNN, predict phase maps, evaluate them',
    );
    registerTrain(group, ctx);
    registerPredict(group, ctx);
    registerEvaluate(group);
  },
};
