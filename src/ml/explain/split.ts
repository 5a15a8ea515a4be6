/**
 * Splits a functional tfjs LayersModel at one layer's output A into a head (input → A and any
 * tensor the rest needs from before A, e.g. a skip connection around it) and a tail
 * (A, those tensors → class scores), so that ∂score/∂A is an ordinary gradient of the tail.
 * The tail re-applies the model's own layers: the weights are shared, nothing is copied.
 */
import * as tf from '@tensorflow/tfjs';
import { NotFoundError, UnsupportedError } from '../../core/errors.js';

export interface SplitModel {
  /** input → [A, ...external] */
  head: tf.LayersModel;
  /** [A, ...external] → scores (n, classes) */
  tail: tf.LayersModel;
  /** The layer whose output is A. */
  layer: string;
  /** The layer whose output is the score (the logits when the model ends in sigmoid/softmax). */
  scoreLayer: string;
}

type S = tf.SymbolicTensor;

/**
 * The inputs of a layer's first call: the model's own (a split adds calls to the same
 * layers, so a model can be split any number of times; layers shared within one model are not
 * supported).
 */
function inputsOf(layer: tf.layers.Layer): S[] {
  return layer.inboundNodes[0]!.inputTensors;
}

function outputOf(layer: tf.layers.Layer): S {
  const o = layer.getOutputAt(0);
  if (Array.isArray(o)) throw new UnsupportedError(`layer '${layer.name}' has several outputs`);
  return o;
}

/**
 * The score layer by default: the model's last layer, or the layer before it when the last
 * is a sigmoid/softmax `Activation` (Grad-CAM uses the class score before the nonlinearity).
 */
export function defaultScoreLayer(model: tf.LayersModel): string {
  const last = model.layers[model.layers.length - 1]!;
  const cfg = last.getConfig();
  if (
    last.getClassName() === 'Activation' &&
    (cfg.activation === 'sigmoid' || cfg.activation === 'softmax')
  ) {
    const prev = inputsOf(last)[0]!;
    return prev.sourceLayer.name;
  }
  return last.name;
}

function layerNamed(model: tf.LayersModel, name: string, field: string): tf.layers.Layer {
  const l = model.layers.find((x) => x.name === name);
  if (l === undefined) {
    throw new NotFoundError(
      `model '${model.name}' has no layer '${name}' (${field}; layers: ${model.layers
        .slice(-6)
        .map((x) => x.name)
        .join(', ')}, …)`,
    );
  }
  return l;
}

export function splitModel(
  model: tf.LayersModel,
  layerName: string,
  scoreName?: string,
): SplitModel {
  const target = layerNamed(model, layerName, 'layer');
  const scoreLayer = layerNamed(model, scoreName ?? defaultScoreLayer(model), 'scoreLayer');
  const a = outputOf(target);
  const order = model.layers;
  const start = order.indexOf(target);
  const end = order.indexOf(scoreLayer);
  if (end <= start) {
    throw new UnsupportedError(`layer '${layerName}' does not come before '${scoreLayer.name}'`);
  }
  const aIn = tf.input({ shape: a.shape.slice(1) as number[], name: `${layerName}_explain_in` });
  const mapped = new Map<number, S>([[a.id, aIn]]);
  const external: S[] = [];
  const extInputs: S[] = [];
  const downstream = new Set<number>([a.id]);
  // downstream layers in topological order; inputs not downstream of A come from the head
  for (let i = start + 1; i <= end; i++) {
    const l = order[i]!;
    const ins = inputsOf(l);
    if (!ins.some((t) => downstream.has(t.id))) continue;
    const args = ins.map((t) => {
      const m = mapped.get(t.id);
      if (m !== undefined) return m;
      const e = tf.input({
        shape: t.shape.slice(1) as number[],
        name: `${l.name}_explain_ext${external.length}`,
      });
      external.push(t);
      extInputs.push(e);
      mapped.set(t.id, e);
      return e;
    });
    const out = l.apply(args.length === 1 ? args[0]! : args) as S;
    const orig = outputOf(l);
    mapped.set(orig.id, out);
    downstream.add(orig.id);
  }
  const scoreOut = mapped.get(outputOf(scoreLayer).id);
  if (scoreOut === undefined) {
    throw new UnsupportedError(`'${scoreLayer.name}' does not depend on layer '${layerName}'`);
  }
  const head = tf.model({ inputs: model.inputs, outputs: [a, ...external] });
  const tail = tf.model({ inputs: [aIn, ...extInputs], outputs: scoreOut });
  return { head, tail, layer: layerName, scoreLayer: scoreLayer.name };
}
