/**
 * The model store: a model bundle is a directory with the TF.js layers model (`model.json` +
 * `weights.bin`, serialised by `ml/train/checkpoint.ts`) and `bragg.json` (`schema.ts`), which
 * records the sha256 and size of both model files. Loading checks every part and says which one
 * is missing or corrupt — a weights file damaged in place (same size) is a FormatError naming
 * it, never another model — and registers bragg's custom layers itself (`registerLayers()`), so
 * any bundle bragg wrote loads whatever the caller imported. Bundles written before checksums
 * (no `files` in `bragg.json`) load as before, unverified.
 */
import * as tf from '@tensorflow/tfjs';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BraggError, FormatError, NotFoundError } from '../../core/errors.js';
import { atomicWrite, fileHandler, filesToArtifacts, memoryHandler } from '../train/checkpoint.js';
import { MODEL_JSON, modelFiles, WEIGHTS_BIN } from '../train/checkpoint.js';
import { checksumOf, readListedFile, verifyChecksum } from '../train/checkpoint-store.js';
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

/**
 * Write `model` and its `bragg.json` into `dir` (created if needed); `bragg.json`, written
 * last, records the checksums of `model.json` and `weights.bin` (`files`, replacing any the
 * caller gave). Returns the description as written.
 */
export async function saveBundle(
  dir: string,
  model: tf.LayersModel,
  meta: BundleMeta,
): Promise<BundleMeta> {
  bundleMetaSchema.parse(meta);
  const files = await modelFiles(model);
  const checked = bundleMetaSchema.parse({
    ...meta,
    files: { [MODEL_JSON]: checksumOf(files.modelJson), [WEIGHTS_BIN]: checksumOf(files.weights) },
  });
  await mkdir(dir, { recursive: true });
  await atomicWrite(join(dir, WEIGHTS_BIN), files.weights);
  await atomicWrite(join(dir, MODEL_JSON), files.modelJson);
  await atomicWrite(join(dir, BUNDLE_META), `${JSON.stringify(checked, null, 2)}\n`);
  return checked;
}

/**
 * The model's files, read and checked: first as a model (`model.json` parses, `weights.bin` has
 * the size it implies), then against the checksums `bragg.json` records.
 */
async function verifiedArtifacts(
  abs: string,
  files: NonNullable<BundleMeta['files']>,
): Promise<tf.io.ModelArtifacts> {
  const read: [string, Buffer][] = [];
  const readListed = async (name: string): Promise<Buffer> => {
    if (files[name] === undefined) {
      throw new FormatError('bragg model', `${BUNDLE_META} records no checksum of ${name}`, {
        file: join(abs, BUNDLE_META),
        path: `files.${name}`,
      });
    }
    const data = await readListedFile(join(abs, name), 'bragg model', BUNDLE_META);
    read.push([name, data]);
    return data;
  };
  const artifacts = await filesToArtifacts(
    await readListed(MODEL_JSON),
    (p) => readListed(p.replace(/^\.\//, '')),
    { modelFile: join(abs, MODEL_JSON), weightsFile: join(abs, WEIGHTS_BIN) },
  );
  for (const [name, data] of read) {
    verifyChecksum(join(abs, name), data, files[name]!, 'bragg model', BUNDLE_META);
  }
  return artifacts;
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
  const handler =
    meta.files === undefined
      ? fileHandler(abs)
      : memoryHandler(await verifiedArtifacts(abs, meta.files));
  try {
    model = await tf.loadLayersModel(handler);
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
    // the last output axis holds the labels (a class vector, or the channels of a dense map)
    String(outShape[outShape.length - 1]) !== String(meta.labels.length)
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
