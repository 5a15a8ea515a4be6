/**
 * Keras HDF5 → a bragg model bundle (`ml/store/bundle.ts`): the TF.js model, its weights and
 * `bragg.json`, whose architecture is recorded as `keras-import` with the source file's name,
 * sha256, Keras version and backend and the Keras model class. The bundle then loads, predicts
 * and serves like any model bragg trained (`loadBundle`).
 *
 * A bundle describes one input and one vector output (`bragg.json`'s `input.shape` and
 * `labels`); further inputs are listed in `input.extra` (the first input stays `input`).
 */
import type * as tf from '@tensorflow/tfjs';
import { basename } from 'node:path';
import { UnsupportedError, ValidationError } from '../../core/errors.js';
import { VERSION } from '../../core/version.js';
import { newModelId, saveBundle } from '../store/bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../store/schema.js';
import { kerasToLayersModel, type ConvertOptions } from './convert.js';
import { readKerasH5, type KerasFile } from './read.js';

export const KERAS_ARCHITECTURE = 'keras-import';

export interface KerasImportOptions extends ConvertOptions {
  /** The workflow the bundle is for (bragg.json `workflow`); default `pacbed`. */
  workflow?: BundleMeta['workflow'];
  /** Class names in output order; default `0`, `1`, … . */
  labels?: string[];
}

export interface KerasImportResult {
  dir: string;
  meta: BundleMeta;
  /** Layers of the top-level model, parameters in all. */
  layers: number;
  parameters: number;
}

function fixedShape(t: tf.SymbolicTensor, what: string): number[] {
  const s = t.shape.slice(1);
  if (s.some((d) => d === null)) {
    throw new UnsupportedError(
      `the model's ${what} has a free size [${s.map((d) => d ?? 'None').join(', ')}]; a bundle needs a fixed input shape`,
      { feature: 'variable-size inputs' },
    );
  }
  return s as number[];
}

/** The `bragg.json` of an imported model. */
export function kerasBundleMeta(
  k: KerasFile,
  model: tf.LayersModel,
  options: KerasImportOptions = {},
): BundleMeta {
  const [first, ...rest] = model.inputs;
  if (first === undefined || model.outputs.length !== 1) {
    throw new UnsupportedError(
      `a bundle holds a model with one output; this one has ${model.outputs.length}`,
      { feature: 'multi-output models' },
    );
  }
  const out = model.outputs[0]!.shape;
  if (out.length !== 2 || out[1] === null) {
    throw new UnsupportedError(
      `a bundle holds a model whose output is one vector per sample; this one gives [${out.slice(1).join(', ')}]`,
      { feature: 'non-vector outputs' },
    );
  }
  const n = out[1]!;
  const labels = options.labels ?? Array.from({ length: n }, (_, i) => String(i));
  if (labels.length !== n) {
    throw new ValidationError(`${labels.length} labels for a model with ${n} outputs`, 'labels');
  }
  const cls = ((options.config ?? k.modelConfig) as { class_name?: unknown } | undefined)
    ?.class_name;
  const input: BundleMeta['input'] = {
    shape: fixedShape(first, 'input'),
    preprocessing: 'none (the Keras model input, channels-last)',
    name: first.name,
  };
  if (rest.length > 0) {
    input.extra = rest.map((t) => ({ name: t.name, shape: fixedShape(t, 'input') }));
  }
  return {
    format: BUNDLE_FORMAT,
    id: newModelId(),
    workflow: options.workflow ?? 'pacbed',
    labels,
    input,
    architecture: {
      name: KERAS_ARCHITECTURE,
      config: {
        source: basename(k.file),
        sha256: k.sha256,
        kerasVersion: k.kerasVersion ?? null,
        backend: k.backend ?? null,
        className: typeof cls === 'string' ? cls : null,
        ...(options.configFile !== undefined ? { configSource: basename(options.configFile) } : {}),
      },
    },
    datasetIds: [],
    training: k.trainingConfig !== undefined ? { keras: k.trainingConfig } : {},
    metrics: {},
    createdAt: new Date().toISOString(),
    braggVersion: VERSION,
  };
}

/** Import `file` (a Keras HDF5 model, or weights with `options.config`) into the bundle `dir`. */
export async function importKeras(
  file: string,
  dir: string,
  options: KerasImportOptions = {},
): Promise<KerasImportResult> {
  const k = await readKerasH5(file);
  const model = await kerasToLayersModel(k, options);
  try {
    const meta = await saveBundle(dir, model, kerasBundleMeta(k, model, options));
    return { dir, meta, layers: model.layers.length, parameters: model.countParams() };
  } finally {
    model.dispose();
  }
}
