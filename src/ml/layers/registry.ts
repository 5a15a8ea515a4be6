/**
 * bragg's custom layers, as data, and the one place that registers them with tfjs
 * serialisation. A saved model names each layer by its class name (`BraggSeededDropout`);
 * `tf.loadLayersModel` finds the class only if it is registered. Registration is explicit:
 * the model loader (`ml/store`) and the model builders (`ml/models`) call `registerLayers()`,
 * no module registers anything when it is imported.
 */
import * as tf from '@tensorflow/tfjs';
import { LogActivation } from './log-activation.js';
import { SeededDropout } from './seeded-dropout.js';

export interface CustomLayer {
  /** The class name saved in `model.json` (the layer's static `className`). */
  readonly className: string;
  readonly description: string;
  readonly layer: tf.serialization.SerializableConstructor<tf.layers.Layer>;
}

/** Every custom layer bragg builds or loads. */
export const CUSTOM_LAYERS: readonly CustomLayer[] = [
  {
    className: SeededDropout.className,
    description: 'dropout whose mask is a pure function of (seed, training step); resumable',
    layer: SeededDropout,
  },
  {
    className: LogActivation.className,
    description: "AiryNet's odd logarithmic activation α(ln(|x| + e⁻¹) + 1)·sign(x) + β",
    layer: LogActivation,
  },
];

/** Whether `entry`'s class is the one tfjs would build for its class name. */
function isRegistered(entry: CustomLayer): boolean {
  const known = tf.serialization.SerializationMap.getMap().classNameMap[entry.className];
  return (known?.[0] as unknown) === entry.layer;
}

/**
 * Register every custom layer with tfjs serialisation (package `Custom`, the name bragg's
 * saved models have always used). Idempotent: a layer already registered is left alone.
 * Returns the class names it registered now.
 */
export function registerLayers(): string[] {
  const added: string[] = [];
  for (const entry of CUSTOM_LAYERS) {
    if (isRegistered(entry)) continue;
    tf.serialization.registerClass(entry.layer);
    added.push(entry.className);
  }
  return added;
}

/** The class names of bragg's custom layers. */
export function customLayerNames(): string[] {
  return CUSTOM_LAYERS.map((l) => l.className);
}
