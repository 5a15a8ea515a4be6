/**
 * `bragg model …`: models as files, whoever made them.
 *
 * - `model import <file.h5> -o DIR [--config model.json] [--labels a,b,…] [--json]` — a Keras
 *   HDF5 model (Keras 2.x, tf.keras, Keras 3's h5; or weights saved with `save_weights` plus
 *   the architecture from `model.to_json()`) into a bragg model bundle;
 * - `model predict DIR input.npy [more.npy …] -o out.npy [--batch N]` — any bragg bundle on an
 *   NPY batch laid out as Keras takes it (batch first, channels last); one NPY per model input;
 * - `model show DIR [--json]` — what a bundle holds.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { FormatError, ValidationError } from '../../core/errors.js';
import { readNpy, writeNpy } from '../../formats/npy/index.js';
import { initBackend, type BackendName } from '../../ml/backend/select.js';
import { importKeras } from '../../ml/keras/import.js';
import { DEFAULT_PREDICT_BATCH, predictArrays } from '../../ml/keras/predict.js';
import { loadBundle, readBundleMeta } from '../../ml/store/bundle.js';
import { atomicWrite } from '../../ml/train/checkpoint.js';
import type { CommandContext, CommandModule } from '../../workflows/command.js';
import { commandGroup, printJson } from '../../workflows/command.js';
import { numberFlag } from '../../workflows/flags.js';

interface BackendOpts {
  backend?: string;
  threads?: string;
}

function withBackend(c: Command): Command {
  return c
    .option('--backend <name>', 'tensorflow | wasm | cpu (default: best available)')
    .option('--threads <n>', 'threads for the wasm backend (default: all cores)');
}

async function startBackend(o: BackendOpts, ctx: CommandContext): Promise<void> {
  const threads = numberFlag(o.threads, 'threads', { int: true, min: 1 });
  await initBackend(
    ctx.backendConfig({
      ...(o.backend !== undefined ? { backend: o.backend as BackendName } : {}),
      ...(threads !== undefined ? { threads } : {}),
    }),
  );
}

async function readJsonFile(path: string, field: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ValidationError(`cannot read '${path}': ${(err as Error).message}`, field, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new FormatError('JSON', 'not valid JSON', { file: path, cause: err });
  }
}

interface ImportOpts extends BackendOpts {
  output: string;
  config?: string;
  labels?: string;
  workflow?: string;
  json?: boolean;
}

interface PredictOpts extends BackendOpts {
  output: string;
  batch?: string;
}

function register(program: Command, ctx: CommandContext): void {
  const group = commandGroup(program, 'model', 'Import, inspect and run model bundles.');

  withBackend(
    group
      .command('import')
      .description('Import a Keras HDF5 model (.h5) as a bragg model bundle.')
      .argument('<file>', 'Keras .h5: a saved model, or saved weights with --config')
      .requiredOption('-o, --output <dir>', 'bundle folder to write')
      .option('--config <json>', "architecture of a weights-only file (Keras' model.to_json())")
      .option('--labels <list>', 'class names in output order, comma-separated (default 0, 1, …)')
      .option(
        '--workflow <name>',
        'workflow the bundle is for: phase | pacbed | peaks | classify',
        'pacbed',
      )
      .option('--json', 'print the result as JSON'),
  ).action(async (file: string, o: ImportOpts) => {
    const workflows = ['phase', 'pacbed', 'peaks', 'classify'] as const;
    const workflow = workflows.find((w) => w === o.workflow);
    if (workflow === undefined) {
      throw new ValidationError(
        `expected one of ${workflows.join(', ')}, got '${o.workflow}'`,
        'workflow',
      );
    }
    await startBackend(o, ctx);
    const config = o.config === undefined ? undefined : await readJsonFile(o.config, 'config');
    const r = await importKeras(file, o.output, {
      workflow,
      ...(config !== undefined ? { config, configFile: o.config! } : {}),
      ...(o.labels !== undefined ? { labels: o.labels.split(',').map((s) => s.trim()) } : {}),
    });
    const summary = {
      dir: r.dir,
      id: r.meta.id,
      source: r.meta.architecture.config,
      input: r.meta.input,
      labels: r.meta.labels,
      layers: r.layers,
      parameters: r.parameters,
    };
    if (o.json) printJson(summary);
    else {
      const src = r.meta.architecture.config as { source: string; kerasVersion: string | null };
      process.stdout.write(
        `imported ${src.source} (Keras ${src.kerasVersion ?? '?'}): ${r.layers} layers, ${r.parameters} parameters, input [${r.meta.input.shape.join(', ')}], ${r.meta.labels.length} outputs → ${r.dir}\n`,
      );
    }
  });

  withBackend(
    group
      .command('predict')
      .description('Run a model bundle on NPY batches (batch axis first, channels last, as Keras).')
      .argument('<dir>', 'model bundle folder')
      .argument('<inputs...>', 'one .npy per model input')
      .requiredOption('-o, --output <file>', 'predictions as .npy (float32, [N, outputs])')
      .option('--batch <n>', `samples per step (default ${DEFAULT_PREDICT_BATCH})`),
  ).action(async (dir: string, inputs: string[], o: PredictOpts) => {
    const batch = numberFlag(o.batch, 'batch', { int: true, min: 1 }) ?? DEFAULT_PREDICT_BATCH;
    await startBackend(o, ctx);
    const arrays = [];
    for (const p of inputs) arrays.push(await readNpy(p));
    const bundle = await loadBundle(dir);
    try {
      const r = predictArrays(bundle.model, arrays, batch);
      await atomicWrite(o.output, writeNpy({ dtype: 'float32', shape: r.shape, data: r.data }));
      process.stderr.write(
        `${r.shape[0]} predictions [${r.shape.slice(1).join(', ')}] → ${o.output}\n`,
      );
    } finally {
      bundle.model.dispose();
    }
  });

  group
    .command('show')
    .description("Show a model bundle's description (bragg.json).")
    .argument('<dir>', 'model bundle folder')
    .option('--json', 'print bragg.json as JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      const m = await readBundleMeta(dir);
      if (o.json) {
        printJson(m);
        return;
      }
      const lines = [
        `${dir}`,
        `  id: ${m.id}`,
        `  workflow: ${m.workflow}`,
        `  architecture: ${m.architecture.name}`,
        ...Object.entries(m.architecture.config).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
        `  input: [${m.input.shape.join(', ')}] (${m.input.preprocessing})`,
        `  labels (${m.labels.length}): ${m.labels.slice(0, 12).join(', ')}${m.labels.length > 12 ? ', …' : ''}`,
        `  created: ${m.createdAt} by bragg ${m.braggVersion}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

export const modelCommand: CommandModule = { name: 'model', register };
