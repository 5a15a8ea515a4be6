/**
 * `bragg pacbed train | models | predict`: the PACBED CNNs of issue 13 (seed PACBED-CNN) —
 * train one target from a training table into a models root, list what the root registers,
 * and predict thickness, mistilt and scale of a measured pattern.
 */
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { trackTraining } from '../../../jobs/tracked-run.js';
import { jsonLines, progressBar, type TrainCallback } from '../../../ml/train/callbacks.js';
import { commandGroup, printJson, type CommandContext, type CommandModule } from '../../command.js';
import { ValidationError } from '../../../core/errors.js';
import { AUGMENT_PRESETS, type AugmentPreset } from '../augment.js';
import { parseTarget } from '../labels.js';
import { readPattern } from '../pattern-io.js';
import { disposeModels, loadPacbedModels, predictWithModels } from '../predict.js';
import { DEFAULT_MODELS_ROOT, describeKey, readRegister } from '../register.js';
import { parseZone } from '../table.js';
import { trainPacbedModel } from '../train.js';
import { predictionValidation } from '../validation-figure.js';
import {
  backendOptions,
  defined,
  epochLines,
  num,
  startBackend,
  stopOn,
  type BackendOpts,
} from './cli-util.js';

interface TrainOpts extends BackendOpts {
  table: string;
  target: string;
  models: string;
  model?: string;
  weights?: string;
  epochs?: string;
  batchSize?: string;
  valSplit?: string;
  seed?: string;
  patience?: string;
  learningRate?: string;
  size?: string;
  filters?: string;
  blocks?: string;
  dense?: string;
  dropout?: string;
  pooling?: string;
  zoom?: string;
  anisotropy?: string;
  augmentation?: string;
  rotation?: string;
  shift?: string;
  transpose?: boolean;
  noise?: string;
  dose?: string;
  from?: string;
  headEpochs?: string;
  fineTuneLearningRate?: string;
  resume?: boolean;
  preview?: string;
  material?: string;
  kv?: string;
  zone?: string;
  db?: string;
  json?: boolean;
}

function parsePooling(v: string): 'avg' | 'flatten' {
  if (v !== 'avg' && v !== 'flatten') {
    throw new ValidationError(`expected avg or flatten, got '${v}'`, 'pooling');
  }
  return v;
}

function parseAugmentation(v: string): AugmentPreset {
  if (!Object.hasOwn(AUGMENT_PRESETS, v)) {
    throw new ValidationError(`expected bragg or seed, got '${v}'`, 'augmentation');
  }
  return v as AugmentPreset;
}

function parseZoom(v: string): [number, number] {
  const p = v.split(',').map((x) => Number(x.trim()));
  if (p.length !== 2 || !p.every((x) => Number.isFinite(x) && x > 0) || p[0]! > p[1]!) {
    throw new ValidationError(`expected lo,hi with 0 < lo ≤ hi, got '${v}'`, 'zoom');
  }
  return [p[0]!, p[1]!];
}

function registerTrain(group: Command, ctx: CommandContext): void {
  backendOptions(
    group
      .command('train')
      .description(
        'Train the thickness, mistilt or scale CNN on a PACBED training table (bragg simulate\n' +
          'pacbed-dataset); writes <models>/<material>_<kV>kV_<uvw>/<target>-<id>/ (model, bragg.json,\n' +
          'labels.csv, confusion.json/.png, curves.png, history.json) and registers it.',
      )
      .requiredOption('--table <df.csv>', 'training table (Path;Thickness;Mistilt;Conv_Angle;…)')
      .requiredOption('--target <t>', 'thickness | mistilt | scale')
      .option('--models <root>', 'models root', DEFAULT_MODELS_ROOT)
      .option(
        '--model <arch>',
        "network: compact (default; minutes on 2 cores) or xception (the seed's Keras Xception + head; --size ≥ 71, ~22 M weights)",
      )
      .option(
        '--weights <file.h5>',
        "Keras HDF5 weights loaded by layer name before training (e.g. ImageNet's Xception _notop.h5 for --model xception)",
      )
      .option(
        '--epochs <n>',
        'epochs (default: thickness 40, mistilt 60, scale 25; the seed: 40, 20, 5)',
      )
      .option('--batch-size <n>', 'batch size (default 16)')
      .option('--val-split <f>', 'held-out fraction (default 0.05)')
      .option('--seed <n>', 'seed of weights, split, shuffles and augmentation (default 42)')
      .option('--patience <n>', 'early stopping patience in epochs (default 10)')
      .option('--learning-rate <lr>', 'Adam learning rate (default 0.001)')
      .option('--size <px>', 'network input side, 64 or 128 (default 64)')
      .option('--filters <n>', 'filters of the first conv block, doubled per block (default 16)')
      .option('--blocks <n>', 'conv blocks (default 4)')
      .option('--dense <n>', 'units of the first dense layer (default 128)')
      .option('--dropout <rate>', 'dropout after it (default 0.3)')
      .option('--pooling <p>', 'last feature map → vector: avg (global average) | flatten')
      .option(
        '--zoom <lo,hi>',
        'thickness/mistilt zoom augmentation range (default 0.97,1.03; the seed: 0.8,1.2)',
      )
      .option(
        '--augmentation <preset>',
        'bragg (default: thickness/mistilt without rotation, flips, shear, stretch, which bury\n' +
          "the mistilt) | seed (the notebook's); the flags below override it",
      )
      .option('--anisotropy <s>', "σ of the zoom's anisotropic stretch (default 0; the seed: 0.07)")
      .option('--rotation <deg>', 'rotation augmentation ±deg (default 0; the seed: 45)')
      .option('--shift <f>', 'shift augmentation ±f of the side (default 0.1, as the seed)')
      .option(
        '--transpose',
        "also transpose with p = 0.5 (with the flips: the square's 8 symmetries)",
      )
      .option('--noise <σ>', "largest Gaussian-noise σ, thickness/mistilt (default the seed's 0.1)")
      .option('--dose <d>', 'Poisson noise at d electrons per pixel on average')
      .option(
        '--from <model>',
        'fine-tune this trained model (a bragg PACBED model directory, or a Keras .h5 with --model):\n' +
          'new classifier; the dense head trains first on the frozen base, then all but batch norm',
      )
      .option('--head-epochs <n>', 'with --from: epochs of the head alone (default 5; the seed: 1)')
      .option(
        '--fine-tune-learning-rate <lr>',
        'with --from: learning rate after the head (default --learning-rate); --epochs counts\n' +
          "these epochs (default the target's; the seed: 10, for its ~140,000-image tables)",
      )
      .option('--resume', "continue from the key's checkpoints of this target")
      .option('--preview <png>', 'write a 3×3 grid of augmented training inputs')
      .option('--material <name>', 'register under this material (default: the Material column)')
      .option('--kv <kV>', 'register under this high tension (default: Electron_Energy / 1000)')
      .option('--zone <u,v,w>', 'register under this zone axis (default: the Direction column)')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'progress as JSON lines, then a JSON result line'),
  ).action(async (o: TrainOpts) => {
    const target = parseTarget(o.target);
    if (o.model !== undefined && o.model !== 'compact' && o.model !== 'xception') {
      throw new ValidationError(`expected compact or xception, got '${o.model}'`, 'model');
    }
    const size = num(o.size, 'size', { int: true, min: 8, max: 512 });
    await startBackend(o, ctx);
    const int = (v: string | undefined, f: string, min = 1) => num(v, f, { int: true, min });
    const callbacks: TrainCallback[] = [
      stopOn(ctx.signal),
      ...(o.json === true
        ? [jsonLines()]
        : [
            process.stderr.isTTY ? progressBar() : { onEvent: () => undefined },
            epochLines(`${target} `),
          ]),
    ];
    const options = {
      table: o.table,
      target,
      modelsRoot: o.models,
      callbacks,
      ...defined({
        model: o.model as 'compact' | 'xception' | undefined,
        weights: o.weights,
        epochs: int(o.epochs, 'epochs'),
        batchSize: int(o.batchSize, 'batchSize'),
        valSplit: num(o.valSplit, 'valSplit', { above: 0, max: 0.99 }),
        seed: int(o.seed, 'seed', 0),
        patience: int(o.patience, 'patience'),
        learningRate: num(o.learningRate, 'learningRate', { above: 0 }),
        size,
        dose: num(o.dose, 'dose', { above: 0 }),
        zoom: o.zoom === undefined ? undefined : parseZoom(o.zoom),
        anisotropy: num(o.anisotropy, 'anisotropy', { min: 0, max: 1 }),
        noise: num(o.noise, 'noise', { min: 0, max: 1 }),
        augmentation: o.augmentation === undefined ? undefined : parseAugmentation(o.augmentation),
        geometry:
          o.rotation === undefined && o.shift === undefined && o.transpose === undefined
            ? undefined
            : defined({
                rotation: num(o.rotation, 'rotation', { min: 0, max: 180 }),
                shift: num(o.shift, 'shift', { min: 0, max: 0.5 }),
                transpose: o.transpose,
              }),
        fineTune:
          o.from === undefined
            ? undefined
            : {
                from: o.from,
                ...defined({
                  headEpochs: int(o.headEpochs, 'headEpochs'),
                  learningRate: num(o.fineTuneLearningRate, 'fineTuneLearningRate', { above: 0 }),
                }),
              },
        resume: o.resume,
        preview: o.preview,
        material: o.material,
        kv: num(o.kv, 'kv', { above: 0 }),
        zone: o.zone === undefined ? undefined : parseZone(o.zone),
      }),
      architecture: defined({
        filters: int(o.filters, 'filters'),
        blocks: int(o.blocks, 'blocks'),
        dense: int(o.dense, 'dense', 2),
        dropout: num(o.dropout, 'dropout', { min: 0, max: 0.99 }),
        pooling: o.pooling === undefined ? undefined : parsePooling(o.pooling),
      }),
    };
    const registry = ctx.openRegistry(o.db);
    const release = ctx.interruptible('stopping after the running batch (Ctrl-C again to quit)…');
    const r = await trackTraining(registry, options, trainPacbedModel, {
      id: `pacbed-train-${randomUUID().slice(0, 8)}`,
      kind: 'pacbed-train',
      outDir: resolve(o.models),
      inputs: [{ role: 'input', kind: 'table', refId: resolve(o.table) }],
      signal: ctx.signal,
    }).finally(() => {
      release();
      registry.close();
    });
    if (o.json === true) {
      process.stdout.write(
        `${JSON.stringify({ type: 'result', target, modelDir: r.modelDir, id: r.meta.id, key: r.key, confusion: r.confusion, history: r.history })}\n`,
      );
      return;
    }
    process.stdout.write(
      `${target} model ${r.meta.id}\n  ${r.modelDir}\n  registered for ${describeKey(r.key)}\n` +
        `  held-out accuracy ${(100 * r.confusion.accuracy).toFixed(1)} % on ${r.confusion.total} patterns\n`,
    );
  });
}

function registerModels(group: Command): void {
  group
    .command('models')
    .description('List the PACBED models a models root registers (register.json / Register.csv).')
    .option('--models <root>', 'models root', DEFAULT_MODELS_ROOT)
    .option('--json', 'print JSON')
    .action(async (o: { models: string; json?: boolean }) => {
      const entries = await readRegister(o.models);
      if (o.json === true) {
        printJson({ root: resolve(o.models), entries });
        return;
      }
      if (entries.length === 0) {
        process.stdout.write(`no PACBED models in ${resolve(o.models)}\n`);
        return;
      }
      for (const e of entries) {
        process.stdout.write(`${describeKey(e)}  (${e.dir})\n`);
        for (const [t, m] of Object.entries(e.models)) {
          process.stdout.write(
            `  ${t.padEnd(9)} ${m.id}  ${m.convRange[0]}…${m.convRange[1]} mrad  ${m.dir}\n`,
          );
        }
      }
    });
}

interface PredictOpts extends BackendOpts {
  models: string;
  material: string;
  kv: string;
  zone: string;
  convAngle: string;
  dtype?: string;
  width?: string;
  height?: string;
  json?: boolean;
  validation?: string;
  recipe?: string;
}

function registerPredict(group: Command, ctx: CommandContext): void {
  backendOptions(
    group
      .command('predict')
      .description(
        'Thickness [Å], mistilt [mrad] and scale of a measured PACBED (DM3/DM4, TIFF, PNG, NPY, or raw\n' +
          'bytes with --dtype --width --height) with the models registered for material, kV and zone.',
      )
      .argument('<pattern>', 'the pattern file')
      .option('--models <root>', 'models root', DEFAULT_MODELS_ROOT)
      .requiredOption('--material <name>', 'material the models were trained for (e.g. Rutile)')
      .requiredOption('--kv <kV>', 'high tension [kV]')
      .requiredOption('--zone <u,v,w>', 'zone axis')
      .requiredOption('--conv-angle <mrad>', 'convergence semi-angle [mrad]')
      .option('--dtype <t>', 'raw pixels: uint8, uint16, float32, … (numpy codes <u2, >f4 too)')
      .option('--width <px>', 'raw pixels: width')
      .option('--height <px>', 'raw pixels: height')
      .option('--json', 'print JSON')
      .option(
        '--validation <png>',
        'write the validation figure: the pattern vs the nearest training simulation (polar-log\n' +
          'registered) and the probability curves; without the training table at hand the predicted\n' +
          "case is simulated on the fly from the model's recipe or --recipe",
      )
      .option(
        '--recipe <file>',
        'with --validation: simulate with this recipe (<table>.recipe.json) or PACBED dataset YAML\n' +
          '(for models trained before bundles carried a recipe)',
      ),
  ).action(async (file: string, o: PredictOpts) => {
    if (o.recipe !== undefined && o.validation === undefined) {
      throw new ValidationError(
        'the recipe is for the validation figure: give its file too',
        'recipe',
      );
    }
    const kv = num(o.kv, 'kv', { above: 0 })!;
    const zone = parseZone(o.zone);
    const convAngle = num(o.convAngle, 'convAngle', { above: 0 })!;
    const raw =
      o.dtype !== undefined || o.width !== undefined || o.height !== undefined
        ? {
            dtype: o.dtype ?? 'uint8',
            width: num(o.width ?? '', 'width', { int: true, min: 1 })!,
            height: num(o.height ?? '', 'height', { int: true, min: 1 })!,
          }
        : undefined;
    const t0 = performance.now();
    const pattern = await readPattern(file, raw);
    const readMs = performance.now() - t0;
    await startBackend(o, ctx);
    const t1 = performance.now();
    const models = await loadPacbedModels(o.models, o.material, kv, zone);
    const loadMs = performance.now() - t1;
    try {
      const p = predictWithModels(models, pattern, convAngle);
      let validation: Record<string, unknown> | undefined;
      let onTheFly = '';
      if (o.validation !== undefined) {
        const v = await predictionValidation(
          models,
          pattern,
          p,
          convAngle,
          `${file}: ${o.material}, ${kv} kV, [${zone.join(' ')}], ${convAngle} mrad`,
          true,
          o.recipe !== undefined ? { recipeFile: o.recipe } : {},
        );
        await writeFile(o.validation, v.png);
        if (v.nearest.found && v.nearest.simulation.source === 'simulated') {
          onTheFly = ' (simulated on the fly)';
        }
        validation = {
          file: resolve(o.validation),
          ...(v.registration ? { registration: v.registration } : {}),
          ...(v.nearest.found ? { simulated: { ...v.nearest.simulation, image: undefined } } : {}),
        };
      }
      const result = {
        pattern: resolve(file),
        ...p,
        timings: { readMs, loadMs, ...p.timings },
        ...(validation ? { validation } : {}),
      };
      if (o.json === true) {
        printJson(result);
        return;
      }
      const f = (v: number, d = 1) => v.toFixed(d);
      process.stdout.write(
        `${file}\n` +
          `  thickness ${f(p.thickness.value)} Å  (p ${f(p.thickness.probability, 2)}; expected ${f(p.thickness.expected)} ± ${f(p.thickness.spread)} Å)\n` +
          `  mistilt   ${f(p.mistilt.value)} mrad  (p ${f(p.mistilt.probability, 2)}; expected ${f(p.mistilt.expected, 2)} ± ${f(p.mistilt.spread, 2)} mrad)\n` +
          `  scale     ${p.scaleModel ? f(p.scale, 4) : '1 (no scale model registered)'}` +
          `${p.scaleModel ? `  (${p.scaleSteps.length} passes)` : ''}\n` +
          `  ${f(result.timings.totalMs, 0)} ms predict, ${f(loadMs, 0)} ms loading models\n` +
          (validation ? `  validation figure ${String(validation.file)}${onTheFly}\n` : ''),
      );
    } finally {
      disposeModels(models);
    }
  });
}

export const pacbedCommand: CommandModule = {
  name: 'pacbed',
  register(program, ctx) {
    const group = commandGroup(
      program,
      'pacbed',
      'PACBED: train thickness/mistilt/scale CNNs, list registered models, predict a pattern',
    );
    registerTrain(group, ctx);
    registerModels(group);
    registerPredict(group, ctx);
  },
};
