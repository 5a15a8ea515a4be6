/**
 * Transfer learning on a trained network, as Keras' guide does it: the trained network's layers
 * go into a new network by name (its last layer, the classifier, is new: other classes), the new
 * head trains first on the frozen base, then everything but batch normalisation.
 *
 * Keras ≥ 2.1.3 runs a `BatchNormalization` with `trainable = False` in inference mode (moving
 * statistics, no update); TF.js only stops the gradient of γ and β and still normalises with,
 * and updates, the batch statistics under `training: true`. `freezeBatchNorm` gives bragg's
 * trainer Keras' semantics.
 */
import type * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';

type Layer = tf.layers.Layer;

/** Every layer of `model`, nested models' layers included (depth first). */
export function allLayers(model: tf.LayersModel): Layer[] {
  const out: Layer[] = [];
  const walk = (layers: readonly Layer[]): void => {
    for (const l of layers) {
      out.push(l);
      const inner = (l as unknown as { layers?: Layer[] }).layers;
      if (Array.isArray(inner)) walk(inner);
    }
  };
  walk(model.layers);
  return out;
}

export interface CopyWeightsResult {
  /** Layers of the target that took the source's weights. */
  copied: string[];
  /** Layers of the target with weights and no layer of that name in the source. */
  notInSource: string[];
  /** Layers left out on purpose (`except`). */
  excluded: string[];
}

const shapeText = (s: readonly (number | null)[]) => `[${s.join(', ')}]`;

/**
 * Copies the weights of `from`'s layers into `to`'s layers of the same name (all weights of a
 * layer, trainable and not: kernel, bias, γ, β, moving statistics). Layers named in `except`
 * keep their own weights. A layer whose weights do not fit is a ValidationError on `field`
 * naming the layer and both shapes, and nothing is copied then; so is no layer in common.
 */
export function copyWeightsByName(
  from: tf.LayersModel,
  to: tf.LayersModel,
  opts: { except?: readonly string[]; field?: string } = {},
): CopyWeightsResult {
  const field = opts.field ?? 'from';
  const except = new Set(opts.except ?? []);
  const source = new Map(allLayers(from).map((l) => [l.name, l]));
  const plan: { layer: Layer; values: tf.Tensor[] }[] = [];
  const notInSource: string[] = [];
  const excluded: string[] = [];
  for (const layer of allLayers(to)) {
    if (layer.weights.length === 0 || (layer as unknown as { layers?: unknown }).layers) continue;
    if (except.has(layer.name)) {
      excluded.push(layer.name);
      continue;
    }
    const theirs = source.get(layer.name);
    if (theirs === undefined || theirs.weights.length === 0) {
      notInSource.push(layer.name);
      continue;
    }
    const a = layer.weights.map((w) => shapeText(w.shape));
    const b = theirs.weights.map((w) => shapeText(w.shape));
    if (a.join(' ') !== b.join(' ')) {
      throw new ValidationError(
        `layer '${layer.name}': the trained network's weights ${b.join(' ')} do not fit the new network's ${a.join(' ')}`,
        field,
      );
    }
    plan.push({ layer, values: theirs.getWeights() });
  }
  if (plan.length === 0) {
    throw new ValidationError('the trained network shares no layer with the new one', field);
  }
  for (const { layer, values } of plan) layer.setWeights(values);
  return { copied: plan.map((p) => p.layer.name), notInSource, excluded };
}

const isBatchNorm = (l: Layer) => l.getClassName() === 'BatchNormalization';
const frozenCall = new WeakMap<Layer, Layer['call']>();

/**
 * Freezes (or, `frozen = false`, thaws) a batch-normalisation layer the Keras way: no gradient
 * for γ and β, and inference mode — the moving statistics normalise and stay as they are —
 * whatever `training` the model is called with.
 */
export function setBatchNormFrozen(layer: Layer, frozen: boolean): void {
  const own = frozenCall.get(layer);
  if (frozen) {
    layer.trainable = false;
    if (own !== undefined) return;
    const call = layer.call.bind(layer);
    frozenCall.set(layer, layer.call);
    layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
  } else {
    layer.trainable = true;
    if (own === undefined) return;
    layer.call = own;
    frozenCall.delete(layer);
  }
}

/**
 * Which layers train: the layers `trainable(l)` is true for, all others frozen (batch
 * normalisation frozen the Keras way, see `setBatchNormFrozen`). Returns the trainable names.
 */
export function setTrainableLayers(
  model: tf.LayersModel,
  trainable: (l: Layer) => boolean,
): string[] {
  const names: string[] = [];
  for (const l of allLayers(model)) {
    if ((l as unknown as { layers?: unknown }).layers) continue;
    const on = trainable(l);
    if (isBatchNorm(l)) setBatchNormFrozen(l, !on);
    else l.trainable = on;
    if (on && l.weights.length > 0) names.push(l.name);
  }
  return names;
}

/** The fine-tuning stage: everything trains but batch normalisation (frozen, inference mode). */
export function trainAllButBatchNorm(model: tf.LayersModel): string[] {
  return setTrainableLayers(model, (l) => !isBatchNorm(l));
}

/** Every layer trainable again and every batch normalisation back to Keras' default. */
export function thawAll(model: tf.LayersModel): void {
  setTrainableLayers(model, () => true);
}

/** The model's output layer (the classifier a new head replaces). */
export function outputLayerName(model: tf.LayersModel): string {
  const out = model.outputLayers;
  if (out.length !== 1) {
    throw new ValidationError(`expected one output layer, got ${out.length}`, 'model');
  }
  return out[0]!.name;
}
