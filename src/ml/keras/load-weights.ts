/**
 * Keras weights into a bragg network by layer name — what Keras' `load_weights(by_name=True)`
 * does: every layer of the model that has weights takes the file's layer of the same name, whose
 * weights must be as many and of the same shapes, in Keras' `weight_names` order (the order
 * tfjs keeps its weights in too: kernel, bias; gamma, beta, moving mean, moving variance;
 * depthwise, pointwise). Layers the file lacks keep their own weights (a new head), and the
 * file's other layers are left out (a classifier top); both are reported.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import type { KerasFile } from './read.js';

export interface LoadByNameResult {
  /** Model layers that took the file's weights. */
  loaded: string[];
  /** Model layers with weights that the file does not have (they keep theirs). */
  notInFile: string[];
  /** The file's layers with weights that the model does not have. */
  unused: string[];
}

const shapeText = (s: readonly (number | null)[]) => `[${s.join(', ')}]`;

/**
 * Sets the weights of `model`'s layers from `file` by name (see the module doc); the layers in
 * `except` (a classifier to replace) keep theirs and count as not in the file. A layer whose
 * weights do not fit is a ValidationError on `field` naming the layer and both shapes, and
 * nothing is set then; so is a file that shares no layer with the model.
 */
export function loadKerasWeightsByName(
  model: tf.LayersModel,
  file: KerasFile,
  field = 'weights',
  opts: { except?: readonly string[] } = {},
): LoadByNameResult {
  const except = new Set(opts.except ?? []);
  const byName = new Map(file.layers.filter((l) => l.weights.length > 0).map((l) => [l.layer, l]));
  const plan: { layer: tf.layers.Layer; values: KerasFile['layers'][number]['weights'] }[] = [];
  const notInFile: string[] = [];
  const used = new Set<string>();
  for (const layer of model.layers) {
    const own = layer.weights;
    if (own.length === 0) continue;
    const theirs = except.has(layer.name) ? undefined : byName.get(layer.name);
    if (theirs === undefined) {
      notInFile.push(layer.name);
      continue;
    }
    const fits =
      theirs.weights.length === own.length &&
      own.every((w, i) => shapeText(w.shape) === shapeText(theirs.weights[i]!.shape));
    if (!fits) {
      throw new ValidationError(
        `layer '${layer.name}': the file's weights ${theirs.weights.map((w) => shapeText(w.shape)).join(' ')} ` +
          `do not fit the network's ${own.map((w) => shapeText(w.shape)).join(' ')}`,
        field,
      );
    }
    plan.push({ layer, values: theirs.weights });
    used.add(layer.name);
  }
  if (plan.length === 0) {
    throw new ValidationError(
      `no layer of ${file.file} has the name and weights of a layer of the network`,
      field,
    );
  }
  for (const { layer, values } of plan) {
    const tensors = values.map((w) => tf.tensor(w.data, w.shape, 'float32'));
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
  return {
    loaded: plan.map((p) => p.layer.name),
    notInFile,
    unused: [...byName.keys()].filter((n) => !used.has(n)),
  };
}
