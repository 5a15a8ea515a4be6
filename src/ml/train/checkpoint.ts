/**
 * Checkpoints in TF.js layers format through a file:// IO handler (tfjs-node's is not
 * available): `model.json` + `weights.bin`, plus bragg's `optimizer.bin` (slot tensors) and
 * `trainer.json` (epoch, optimizer step, dropout call counters, best val_loss, patience,
 * history) so a resumed run continues exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, NotFoundError } from '../../core/errors.js';

function toBuffer(data: ArrayBuffer | ArrayBuffer[] | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** A tf.io handler reading and writing `<dir>/model.json` + `<dir>/weights.bin`. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await mkdir(dir, { recursive: true });
      const weights = toBuffer(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await atomicWrite(join(dir, 'weights.bin'), weights);
      await atomicWrite(join(dir, 'model.json'), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const file = join(dir, 'model.json');
      if (!existsSync(file)) throw new NotFoundError(`no model.json in ${dir}`);
      let json: {
        modelTopology?: object;
        format?: string;
        weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      };
      try {
        json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
      } catch (err) {
        throw new FormatError('tfjs-model', 'model.json is not JSON', { file, cause: err });
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const parts: Buffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) parts.push(await readFile(join(dir, p)));
      }
      const data = Buffer.concat(parts);
      const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
      if (data.byteLength !== expected) {
        throw new FormatError('tfjs-model', 'weights size does not match the manifest', {
          file: join(dir, 'weights.bin'),
          expected: `${expected} bytes`,
          found: `${data.byteLength} bytes`,
        });
      }
      const artifacts: tf.io.ModelArtifacts = {
        weightSpecs: specs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      };
      if (json.modelTopology !== undefined) artifacts.modelTopology = json.modelTopology;
      if (json.format !== undefined) artifacts.format = json.format;
      return artifacts;
    },
  };
}

/** Saves named tensors as `<dir>/<name>.bin` + `<name>.json` (specs). */
export async function saveTensors(dir: string, name: string, tensors: tf.Tensor[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const named = tensors.map((t, i) => ({ name: String(i), tensor: t }));
  const { data, specs } = await tf.io.encodeWeights(named);
  await atomicWrite(join(dir, `${name}.bin`), toBuffer(data));
  await atomicWrite(join(dir, `${name}.json`), JSON.stringify(specs));
}

export async function loadTensors(dir: string, name: string): Promise<tf.Tensor[]> {
  const specs = JSON.parse(
    await readFile(join(dir, `${name}.json`), 'utf8'),
  ) as tf.io.WeightsManifestEntry[];
  const buf = await readFile(join(dir, `${name}.bin`));
  const map = tf.io.decodeWeights(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    specs,
  );
  return specs.map((s) => map[s.name]!);
}

/** Loads the weights saved by `fileHandler` into an already-built model (same architecture). */
export async function loadWeightsInto(model: tf.LayersModel, dir: string): Promise<void> {
  const art = await (fileHandler(dir).load as () => Promise<tf.io.ModelArtifacts>)();
  const specs = art.weightSpecs ?? [];
  if (specs.length !== model.weights.length) {
    throw new FormatError('tfjs-model', 'checkpoint does not fit the model', {
      file: join(dir, 'model.json'),
      expected: `${model.weights.length} weights`,
      found: `${specs.length}`,
    });
  }
  const map = tf.io.decodeWeights(art.weightData as ArrayBuffer, specs);
  const ws = specs.map((s) => map[s.name]!);
  model.setWeights(ws);
  tf.dispose(ws);
}
