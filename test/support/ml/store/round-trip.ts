/**
 * Test support: save a model with bragg's bundle code, forget everything tfjs knows about it
 * (the model and its variables disposed, bragg's custom layers unregistered), load it back with
 * `loadBundle` and predict again. Used by the model, layer and store tests.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customLayerNames } from '../../../../src/ml/layers/registry.js';
import { loadBundle, newModelId, saveBundle } from '../../../../src/ml/store/bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../../../../src/ml/store/schema.js';

/** Remove bragg's custom layers from tfjs's serialisation map, as in a fresh process. */
export function unregisterCustomLayers(): void {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  for (const name of customLayerNames()) delete map[name];
}

/** Whether tfjs would deserialise the class name `name`. */
export function isClassRegistered(name: string): boolean {
  return name in tf.serialization.SerializationMap.getMap().classNameMap;
}

/** A fixed input of shape [batch, ...shape]: a smooth, sign-changing deterministic pattern. */
export function fixedInput(shape: readonly number[], batch = 2): tf.Tensor {
  const n = batch * shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(0.37 * i) + 0.25 * Math.cos(1.3 * i);
  return tf.tensor(v, [batch, ...shape]);
}

export interface RoundTrip {
  dir: string;
  before: Float32Array;
  after: Float32Array;
  paramsBefore: number;
  paramsAfter: number;
  /** Class names of the loaded model's layers. */
  layerClasses: string[];
}

function metaFor(model: tf.LayersModel, architecture: string): BundleMeta {
  const inShape = model.inputs[0]!.shape.slice(1) as number[];
  const classes = model.outputs[0]!.shape[1]!;
  return {
    format: BUNDLE_FORMAT,
    id: newModelId(),
    workflow: 'phase',
    labels: Array.from({ length: classes }, (_, i) => `class${i}`),
    input: { shape: inShape, preprocessing: 'none' },
    architecture: { name: architecture, config: {} },
    datasetIds: [],
    training: {},
    metrics: {},
    createdAt: new Date().toISOString(),
    braggVersion: 'test',
  };
}

/**
 * Predict on a fixed input, save `model` into a temporary folder, dispose it and every
 * variable, unregister the custom layers, load the folder with `loadBundle` and predict again.
 * The model is disposed; the folder is removed unless `keep`.
 */
export async function roundTrip(
  model: tf.LayersModel,
  architecture: string,
  keep = false,
): Promise<RoundTrip> {
  const dir = mkdtempSync(join(tmpdir(), `bragg-roundtrip-${architecture}-`));
  const inShape = model.inputs[0]!.shape.slice(1) as number[];
  const x = fixedInput(inShape);
  try {
    const before = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const paramsBefore = model.countParams();
    await saveBundle(dir, model, metaFor(model, architecture));
    model.dispose();
    tf.disposeVariables();
    unregisterCustomLayers();
    const bundle = await loadBundle(dir);
    const after = tf.tidy(() => (bundle.model.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const r: RoundTrip = {
      dir,
      before,
      after,
      paramsBefore,
      paramsAfter: bundle.model.countParams(),
      layerClasses: bundle.model.layers.map((l) => l.getClassName()),
    };
    bundle.model.dispose();
    return r;
  } finally {
    x.dispose();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
