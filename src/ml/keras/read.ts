/**
 * Reads a Keras HDF5 file (`model.save('m.h5')` or `model.save_weights('w.h5')`) into plain
 * data: the model config (the JSON of the `model_config` attribute), the Keras version and
 * backend, and every layer's weights in file order.
 *
 * Layout (Keras 2.x, tf.keras and Keras 3's legacy h5 writer alike): the weights live in the
 * group `model_weights` (or the root group of a weights-only file), whose attribute
 * `layer_names` lists the layers in model order; each layer has a group of that name whose
 * attribute `weight_names` lists its weights in order, each a dataset at that (possibly nested)
 * path below the layer group: `model_weights/conv2d/conv2d/kernel:0`,
 * `model_weights/dense/outer/inner/kernel:0`, `model_weights/dense/dense/kernel` (Keras 3).
 * Name lists are fixed- or variable-length strings; a weightless layer's list is an empty
 * (float) array; lists too long for one HDF5 object header are split by Keras into
 * `layer_names0`, `layer_names1`, … . The HDF5 library runs in bragg's h5wasm worker.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FormatError } from '../../core/errors.js';
import { toFloat32 } from '../../core/ndarray.js';
import { openHdf5 } from '../../formats/hdf5/index.js';
import type { Hdf5File } from '../../formats/hdf5/index.js';
import { attr, attrsOf, attrString } from '../../formats/hdf5/tree.js';
import type { H5Node } from '../../formats/hdf5/protocol.js';

export const KERAS_FORMAT = 'Keras HDF5';

/** One weight array of a layer, float32, Keras' shape (kernels HWIO). */
export interface KerasWeight {
  /** The name Keras recorded (`conv2d/kernel:0`). */
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface KerasLayerWeights {
  /** Layer name (`layer_names` entry). */
  layer: string;
  /** In the order of `weight_names`; empty for a weightless layer. */
  weights: KerasWeight[];
}

export interface KerasFile {
  /** The file as given. */
  file: string;
  /** sha256 of the file's bytes (hex). */
  sha256: string;
  /** `keras_version` attribute (of the root, else of the weights group). */
  kerasVersion: string | undefined;
  backend: string | undefined;
  /** The parsed `model_config` JSON; undefined for a weights-only file. */
  modelConfig: unknown;
  /** The parsed `training_config` JSON, when present and valid. */
  trainingConfig: unknown;
  /** HDF5 path of the weights group (`/model_weights` or `/`). */
  weightsGroup: string;
  layers: KerasLayerWeights[];
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A list-of-names attribute, joined from Keras' `name0`, `name1`, … chunks when split. */
export function nameList(node: H5Node | undefined, name: string): string[] | undefined {
  const one = attr(node, name);
  const chunks: unknown[] = [];
  if (one !== undefined) chunks.push(one);
  else {
    for (let i = 0; ; i++) {
      const c = attr(node, `${name}${i}`);
      if (c === undefined) break;
      chunks.push(c);
    }
    if (chunks.length === 0) return undefined;
  }
  const out: string[] = [];
  for (const c of chunks) {
    const flat = Array.isArray(c) ? (c as unknown[]).flat(8) : [c];
    for (const v of flat) {
      if (typeof v !== 'string') return undefined;
      out.push(v);
    }
  }
  return out;
}

function parseJsonAttr(
  root: H5Node | undefined,
  name: string,
  file: string,
  required: boolean,
): unknown {
  const text = attrString(root, name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (!required) return undefined;
    throw new FormatError(KERAS_FORMAT, `the '${name}' attribute is not valid JSON`, {
      file,
      path: `/@${name}`,
      expected: 'the model config JSON Keras writes',
      found: `${(err as Error).message} in ${text.length} characters`,
      cause: err,
    });
  }
}

/** Read a Keras HDF5 model or weights file. */
export async function readKerasH5(path: string): Promise<KerasFile> {
  const h5 = await openHdf5(path);
  try {
    return await readOpened(h5, path);
  } finally {
    await h5.close();
  }
}

async function readOpened(h5: Hdf5File, file: string): Promise<KerasFile> {
  const root = h5.index.get('/');
  const mw = h5.index.get('/model_weights');
  const weightsGroup =
    mw?.kind === 'group' ? '/model_weights' : nameList(root, 'layer_names') ? '/' : undefined;
  const hasConfig = attr(root, 'model_config') !== undefined;
  if (weightsGroup === undefined && !hasConfig) {
    throw new FormatError(KERAS_FORMAT, 'an HDF5 file but not a Keras model', {
      file,
      expected:
        "a 'model_config' attribute and a 'model_weights' group (a saved model), or a 'layer_names' attribute on the root (saved weights)",
      found: `root attributes [${(root && root.kind !== 'link' ? root.attrs.map((a) => a.name) : []).join(', ')}]`,
    });
  }
  const unread = attrsOf(root).find((a) => a.name === 'model_config' && a.value === null);
  if (unread !== undefined) {
    throw new FormatError(KERAS_FORMAT, "the 'model_config' attribute cannot be read", {
      file,
      path: '/@model_config',
      found: unread.note ?? 'no value',
    });
  }
  const modelConfig = parseJsonAttr(root, 'model_config', file, true);
  const group = weightsGroup === undefined ? undefined : h5.index.get(weightsGroup);
  const layers: KerasLayerWeights[] = [];
  if (weightsGroup !== undefined) {
    const names = nameList(group, 'layer_names');
    if (names === undefined) {
      throw new FormatError(KERAS_FORMAT, "the weights group has no 'layer_names' list", {
        file,
        path: weightsGroup,
        expected: 'an attribute listing the layer names as strings',
      });
    }
    for (const layer of names) layers.push(await readLayer(h5, file, weightsGroup, layer));
  }
  const version = attrString(root, 'keras_version') ?? attrString(group, 'keras_version');
  return {
    file,
    sha256: await sha256File(file),
    kerasVersion: version,
    backend: attrString(root, 'backend') ?? attrString(group, 'backend'),
    modelConfig,
    trainingConfig: parseJsonAttr(root, 'training_config', file, false),
    weightsGroup: weightsGroup ?? '/model_weights',
    layers,
  };
}

function under(group: string, name: string): string {
  return group === '/' ? `/${name}` : `${group}/${name}`;
}

async function readLayer(
  h5: Hdf5File,
  file: string,
  weightsGroup: string,
  layer: string,
): Promise<KerasLayerWeights> {
  const gpath = under(weightsGroup, layer);
  const g = h5.index.get(gpath);
  if (g?.kind !== 'group') {
    throw new FormatError(KERAS_FORMAT, `no weights group for layer '${layer}'`, {
      file,
      path: gpath,
      expected: "a group per name in 'layer_names'",
    });
  }
  const names = nameList(g, 'weight_names');
  if (names === undefined) {
    throw new FormatError(KERAS_FORMAT, `layer '${layer}' has no readable 'weight_names' list`, {
      file,
      path: gpath,
    });
  }
  const weights: KerasWeight[] = [];
  for (const name of names) {
    const p = under(gpath, name);
    const n = h5.index.get(p);
    if (n?.kind !== 'dataset') {
      throw new FormatError(KERAS_FORMAT, `weight '${name}' of layer '${layer}' is missing`, {
        file,
        path: p,
        expected: "a dataset for every entry of the layer's 'weight_names'",
      });
    }
    const d = await h5.read(p);
    if (d.array.dtype !== 'float32' && d.array.dtype !== 'float64' && d.array.dtype !== 'float16') {
      throw new FormatError(
        KERAS_FORMAT,
        `weight '${name}' of layer '${layer}' is not floating point`,
        {
          file,
          path: p,
          found: d.array.dtype,
        },
      );
    }
    weights.push({ name, shape: [...d.array.shape], data: toFloat32(d.array) });
  }
  return { layer, weights };
}
