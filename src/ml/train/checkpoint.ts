/**
 * Models and tensors as files, in TF.js layers format: `model.json` (topology + weights
 * manifest) + `weights.bin` (float32 little-endian, in manifest order), and named tensor lists
 * as `<name>.json` (specs) + `<name>.bin`. Serialisation happens in memory
 * ({@link modelFiles}, {@link tensorFiles}) so that callers can hash and publish the bytes as one
 * unit (the trainer's checkpoints, `checkpoint-store.ts`; model bundles, `ml/store/bundle.ts`);
 * decoding checks sizes and says which file is wrong. {@link fileHandler} is the plain tf.io
 * handler over a folder (tfjs-node's `file://` handler is not available).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError, NotFoundError } from '../../core/errors.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function toBuffer(data: ArrayBuffer | ArrayBuffer[] | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

function arrayBufferOf(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Bytes a weights manifest describes (every weight float32, int32 or bool as 4 bytes). */
function manifestBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
}

/** The two files of a model in layers format, in memory. */
export interface ModelFiles {
  /** `model.json`, UTF-8 JSON. */
  modelJson: Buffer;
  /** `weights.bin`. */
  weights: Buffer;
}

/** `model.json` + `weights.bin` made from tf.io artifacts. */
export function artifactsToFiles(artifacts: tf.io.ModelArtifacts): ModelFiles {
  const weights = toBuffer(artifacts.weightData);
  const json = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
  };
  return { modelJson: Buffer.from(JSON.stringify(json)), weights };
}

/** Serialises `model` (topology and current weights) into memory. */
export async function modelFiles(model: tf.LayersModel): Promise<ModelFiles> {
  let files: ModelFiles | undefined;
  await model.save({
    save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      files = artifactsToFiles(artifacts);
      return Promise.resolve({
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: files.weights.byteLength,
        },
      });
    },
  });
  return files!;
}

interface ModelJson {
  modelTopology?: object;
  format?: string;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function parseModelJson(text: Uint8Array, file: string): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text).toString('utf8'));
  } catch (err) {
    throw new FormatError('tfjs-model', 'model.json is not JSON', { file, cause: err });
  }
  const m = json as ModelJson | null;
  const groups = m?.weightsManifest;
  if (
    m === null ||
    typeof m !== 'object' ||
    (groups !== undefined &&
      !(
        Array.isArray(groups) &&
        groups.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))
      ))
  ) {
    throw new FormatError('tfjs-model', 'model.json is not a TF.js layers model', {
      file,
      path: 'weightsManifest',
      expected: 'groups of paths and weights',
    });
  }
  return m;
}

/**
 * tf.io artifacts from `model.json` + the bytes of its weight files (`readWeights(path)` for
 * each path the manifest names, in order); the weights must have the size the manifest implies.
 */
export async function filesToArtifacts(
  modelJson: Uint8Array,
  readWeights: (path: string) => Promise<Uint8Array>,
  where: { modelFile: string; weightsFile: string },
): Promise<tf.io.ModelArtifacts> {
  const json = parseModelJson(modelJson, where.modelFile);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) parts.push(await readWeights(p));
  }
  const data = Buffer.concat(parts);
  const expected = manifestBytes(specs);
  if (data.byteLength !== expected) {
    throw new FormatError('tfjs-model', 'weights size does not match the manifest', {
      file: where.weightsFile,
      expected: `${expected} bytes`,
      found: `${data.byteLength} bytes`,
    });
  }
  const artifacts: tf.io.ModelArtifacts = { weightSpecs: specs, weightData: arrayBufferOf(data) };
  if (json.modelTopology !== undefined) artifacts.modelTopology = json.modelTopology;
  if (json.format !== undefined) artifacts.format = json.format;
  return artifacts;
}

/** A tf.io handler that loads from artifacts already read (and checked) in memory. */
export function memoryHandler(artifacts: tf.io.ModelArtifacts): tf.io.IOHandler {
  return { load: () => Promise.resolve(artifacts) };
}

/** Writes `path` whole or not at all: a temporary beside it, then a rename. */
export async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** A tf.io handler reading and writing `<dir>/model.json` + `<dir>/weights.bin`. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await mkdir(dir, { recursive: true });
      const files = artifactsToFiles(artifacts);
      await atomicWrite(join(dir, WEIGHTS_BIN), files.weights);
      await atomicWrite(join(dir, MODEL_JSON), files.modelJson);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: files.weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const file = join(dir, MODEL_JSON);
      if (!existsSync(file)) throw new NotFoundError(`no model.json in ${dir}`);
      return filesToArtifacts(await readFile(file), (p) => readFile(join(dir, p)), {
        modelFile: file,
        weightsFile: join(dir, WEIGHTS_BIN),
      });
    },
  };
}

/** A list of tensors as `<name>.json` (specs, UTF-8 JSON) + `<name>.bin`, in memory. */
export interface TensorFiles {
  specs: Buffer;
  data: Buffer;
}

/** Encodes `tensors` (named by their index) for {@link decodeTensors}. */
export async function tensorFiles(tensors: readonly tf.Tensor[]): Promise<TensorFiles> {
  const named = tensors.map((t, i) => ({ name: String(i), tensor: t }));
  const { data, specs } = await tf.io.encodeWeights(named);
  return { specs: Buffer.from(JSON.stringify(specs)), data: toBuffer(data) };
}

/** The weight specs of a `<name>.json`, checked for shape (not yet against any data). */
export function parseTensorSpecs(specs: Uint8Array, file: string): tf.io.WeightsManifestEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(specs).toString('utf8'));
  } catch (err) {
    throw new FormatError('tensor list', 'specs are not JSON', { file, cause: err });
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.every(
      (s: unknown) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as tf.io.WeightsManifestEntry).name === 'string' &&
        Array.isArray((s as tf.io.WeightsManifestEntry).shape) &&
        (s as tf.io.WeightsManifestEntry).shape.every((d) => Number.isInteger(d) && d >= 0) &&
        (s as tf.io.WeightsManifestEntry).dtype === 'float32',
    );
  if (!ok) {
    throw new FormatError('tensor list', 'specs are not a list of float32 tensors', {
      file,
      expected: '[{name, shape, dtype: "float32"}, …]',
    });
  }
  return parsed as tf.io.WeightsManifestEntry[];
}

/**
 * The tensors of {@link tensorFiles} (the caller disposes them); the data must have the size
 * the specs imply.
 */
export function decodeTensors(
  specs: readonly tf.io.WeightsManifestEntry[],
  data: Uint8Array,
  file: string,
): tf.Tensor[] {
  const expected = manifestBytes(specs);
  if (data.byteLength !== expected) {
    throw new FormatError('tensor list', 'data size does not match the specs', {
      file,
      expected: `${expected} bytes`,
      found: `${data.byteLength} bytes`,
    });
  }
  const map = tf.io.decodeWeights(arrayBufferOf(data), [...specs]);
  return specs.map((s) => map[s.name]!);
}

/**
 * Sets the weights of an already-built model from artifacts of the same architecture; the
 * weights must be as many and of the same shapes as the model's (else a FormatError naming
 * `file`).
 */
export function setModelWeights(
  model: tf.LayersModel,
  artifacts: tf.io.ModelArtifacts,
  file: string,
): void {
  const specs = artifacts.weightSpecs ?? [];
  const mismatch = specs.length !== model.weights.length;
  const at = mismatch
    ? -1
    : specs.findIndex((s, i) => s.shape.join(',') !== model.weights[i]!.shape.join(','));
  if (mismatch || at >= 0) {
    throw new FormatError('tfjs-model', 'the weights do not fit the model', {
      file,
      ...(mismatch
        ? { expected: `${model.weights.length} weights`, found: `${specs.length}` }
        : {
            path: `weightsManifest ${specs[at]!.name}`,
            expected: `shape [${model.weights[at]!.shape.join(', ')}]`,
            found: `[${specs[at]!.shape.join(', ')}]`,
          }),
    });
  }
  const map = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
  const ws = specs.map((s) => map[s.name]!);
  model.setWeights(ws);
  tf.dispose(ws);
}
