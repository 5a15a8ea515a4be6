/**
 * The model store: a model bundle is a directory with the TF.js layers model (`model.json` +
 * `weights.bin`, written through the trainer's file IO handler) and `bragg.json`
 * (`schema.ts`). Loading checks every part and says which one is missing or corrupt, and
 * registers bragg's custom layers itself (`registerLayers()`), so any bundle bragg wrote loads
 * whatever the caller imported.
 */
import * as tf from '@tensorflow/tfjs';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BraggError, FormatError, NotFoundError } from '../../core/errors.js';
import { fileHandler } from '../train/checkpoint.js';
import { registerLayers } from '../layers/registry.js';
import { BUNDLE_META, bundleMetaSchema, type BundleMeta } from './schema.js';

export interface ModelBundle {
  dir: string;
  model: tf.LayersModel;
  meta: BundleMeta;
}

/** A fresh model id (uuid4). */
export function newModelId(): string {
  return randomUUID();
}

/** Write `model` and its `bragg.json` into `dir` (created if needed). */
export async function saveBundle(
  dir: string,
  model: tf.LayersModel,
  meta: BundleMeta,
): Promise<void> {
  const checked = bundleMetaSchema.parse(meta);
  await mkdir(dir, { recursive: true });
  await model.save(fileHandler(dir));
  await writeFile(join(dir, BUNDLE_META), `${JSON.stringify(checked, null, 2)}\n`);
}

/** Read and validate `bragg.json` only (cheap; no weights). */
export async function readBundleMeta(dir: string): Promise<BundleMeta> {
  const abs = resolve(dir);
  const file = join(abs, BUNDLE_META);
  if (!existsSync(abs)) throw new NotFoundError(`model directory ${abs} does not exist`);
  if (!existsSync(file)) {
    throw new NotFoundError(`${abs} is not a bragg model: it has no ${BUNDLE_META}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new FormatError('bragg model', `${BUNDLE_META} is not valid JSON`, { file, cause: err });
  }
  const r = bundleMetaSchema.safeParse(parsed);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new FormatError('bragg model', `${BUNDLE_META} does not describe a model`, {
      file,
      path: issue.path.join('.') || '(root)',
      expected: issue.message,
    });
  }
  return r.data;
}

/** Load a bundle: `bragg.json`, then the layers model; the model's I/O must fit the description. */
export async function loadBundle(dir: string): Promise<ModelBundle> {
  const abs = resolve(dir);
  const meta = await readBundleMeta(abs);
  let model: tf.LayersModel;
  registerLayers();
  try {
    model = await tf.loadLayersModel(fileHandler(abs));
  } catch (err) {
    if (err instanceof BraggError) throw err;
    throw new FormatError('bragg model', `cannot load the TF.js model: ${(err as Error).message}`, {
      file: join(abs, 'model.json'),
      cause: err,
    });
  }
  const inShape = model.inputs[0]?.shape.slice(1) ?? [];
  const outShape = model.outputs[0]?.shape.slice(1) ?? [];
  if (
    inShape.join(',') !== meta.input.shape.join(',') ||
    outShape.join(',') !== String(meta.labels.length)
  ) {
    model.dispose();
    throw new FormatError('bragg model', 'model.json does not match bragg.json', {
      file: join(abs, 'model.json'),
      expected: `input [${meta.input.shape.join(', ')}] and ${meta.labels.length} outputs`,
      found: `input [${inShape.join(', ')}] and output [${outShape.join(', ')}]`,
    });
  }
  return { dir: abs, model, meta };
}
