/**
 * A Keras HDF5 file (read by `read.ts`) → a tfjs `LayersModel` with the file's weights. The
 * architecture is deserialised by tfjs-layers from the normalised config (`config.ts`); the
 * weights are matched to layers by name (as `layer_names` lists them) and, inside a layer, by
 * order (`weight_names` order is the layer's weight order in Keras and tfjs alike: kernel, bias;
 * depthwise, pointwise, bias; gamma, beta, moving mean, moving variance). A nested model's
 * weights are matched by their last two name parts (`block1_conv1/kernel:0`). Every count and
 * shape is checked; a mismatch is a FormatError naming the layer and the weight.
 */
import * as tf from '@tensorflow/tfjs';
import { FormatError, UnsupportedError } from '../../core/errors.js';
import { normalizeModelConfig } from './config.js';
import { KERAS_FORMAT, type KerasFile, type KerasLayerWeights, type KerasWeight } from './read.js';

export interface ConvertOptions {
  /**
   * The architecture when the file holds weights only (`model.to_json()` of the model); a
   * file's own `model_config` is used otherwise.
   */
  config?: unknown;
  /** Where `config` came from, for messages. */
  configFile?: string;
}

/** Build the model the file describes and load its weights. */
export async function kerasToLayersModel(
  k: KerasFile,
  options: ConvertOptions = {},
): Promise<tf.LayersModel> {
  const raw = options.config ?? k.modelConfig;
  if (raw === undefined) {
    throw new FormatError(
      KERAS_FORMAT,
      "no 'model_config' attribute: the file holds weights only",
      {
        file: k.file,
        expected:
          'a model saved with model.save(), or the architecture given separately (model.to_json())',
      },
    );
  }
  if (k.kerasVersion !== undefined && /^1\./.test(k.kerasVersion)) {
    throw new UnsupportedError(
      `Keras ${k.kerasVersion} files (Keras 1 configs) are not supported`,
      {
        feature: `keras ${k.kerasVersion}`,
      },
    );
  }
  if (k.backend === 'theano') {
    // Keras converts these on load (flipped convolution kernels); bragg does not.
    throw new UnsupportedError(
      'files saved with the Theano backend (flipped convolution kernels) are not supported; re-save the model with the TensorFlow backend',
      { feature: 'keras backend theano' },
    );
  }
  const file = options.configFile ?? k.file;
  const topology = normalizeModelConfig(raw, file);
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({
      modelTopology: { ...topology, keras_version: k.kerasVersion ?? '2', backend: 'tensorflow' },
    } as tf.io.ModelArtifacts as never);
  } catch (err) {
    throw new FormatError(
      KERAS_FORMAT,
      `the model config does not build: ${(err as Error).message}`,
      {
        file,
        path: 'model_config',
        cause: err,
      },
    );
  }
  try {
    assignWeights(model, k);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

function shapeText(s: readonly (number | null)[]): string {
  return `[${s.join(', ')}]`;
}

function isModel(l: tf.layers.Layer): l is tf.LayersModel {
  return (l as Partial<tf.LayersModel>).layers !== undefined;
}

/** Check shapes and write `saved` into `vars` (same order). */
function write(k: KerasFile, layer: string, vars: tf.LayerVariable[], saved: KerasWeight[]): void {
  if (vars.length !== saved.length) {
    throw new FormatError(
      KERAS_FORMAT,
      `layer '${layer}' has ${saved.length} weights in the file`,
      {
        file: k.file,
        path: `${k.weightsGroup}/${layer}`,
        expected: `${vars.length} (${vars.map((v) => v.originalName).join(', ') || 'none'})`,
        found: `${saved.length} (${saved.map((w) => w.name).join(', ') || 'none'})`,
      },
    );
  }
  vars.forEach((v, i) => {
    const w = saved[i]!;
    if (v.shape.join(',') !== w.shape.join(',')) {
      throw new FormatError(
        KERAS_FORMAT,
        `weight '${w.name}' of layer '${layer}' has the wrong shape`,
        {
          file: k.file,
          path: `${k.weightsGroup}/${layer}/${w.name}`,
          expected: shapeText(v.shape),
          found: shapeText(w.shape),
        },
      );
    }
  });
  tf.tidy(() => {
    vars.forEach((v, i) => v.write(tf.tensor(saved[i]!.data, saved[i]!.shape, 'float32')));
  });
}

/** The last two parts of a weight name without `:0`: `outer/conv/kernel:0` → `conv/kernel`. */
function shortName(name: string): string {
  return name.replace(/:\d+$/, '').split('/').slice(-2).join('/');
}

function nestedVars(m: tf.LayersModel, out: Map<string, tf.LayerVariable>): void {
  for (const l of m.layers) {
    if (isModel(l)) {
      nestedVars(l, out);
      continue;
    }
    for (const v of l.weights) out.set(`${l.name}/${v.originalName.split('/').pop()!}`, v);
  }
}

function writeNested(k: KerasFile, m: tf.LayersModel, saved: KerasLayerWeights): void {
  const vars = new Map<string, tf.LayerVariable>();
  nestedVars(m, vars);
  if (vars.size !== saved.weights.length) {
    write(k, saved.layer, [...vars.values()], saved.weights); // throws the count message
  }
  const ordered = saved.weights.map((w) => {
    const v = vars.get(shortName(w.name));
    if (v === undefined) {
      throw new FormatError(
        KERAS_FORMAT,
        `weight '${w.name}' of nested model '${saved.layer}' matches no layer weight`,
        {
          file: k.file,
          path: `${k.weightsGroup}/${saved.layer}/${w.name}`,
          expected: `one of ${[...vars.keys()].slice(0, 6).join(', ')}, …`,
        },
      );
    }
    return v;
  });
  write(k, saved.layer, ordered, saved.weights);
}

function assignWeights(model: tf.LayersModel, k: KerasFile): void {
  const saved = new Map(k.layers.filter((l) => l.weights.length > 0).map((l) => [l.layer, l]));
  for (const layer of model.layers) {
    const s = saved.get(layer.name);
    saved.delete(layer.name);
    if (layer.weights.length === 0) {
      if (s) write(k, layer.name, [], s.weights); // throws: weights for a weightless layer
      continue;
    }
    if (!s) {
      throw new FormatError(KERAS_FORMAT, `no weights for layer '${layer.name}' in the file`, {
        file: k.file,
        path: `${k.weightsGroup}/${layer.name}`,
        expected: `${layer.weights.length} weights (${layer.weights.map((v) => v.originalName).join(', ')})`,
      });
    }
    if (isModel(layer)) writeNested(k, layer, s);
    else write(k, layer.name, layer.weights, s.weights);
  }
  const extra = [...saved.keys()];
  if (extra.length > 0) {
    throw new FormatError(KERAS_FORMAT, `the file has weights for layers the model does not have`, {
      file: k.file,
      path: k.weightsGroup,
      found: extra.slice(0, 8).join(', '),
    });
  }
}
