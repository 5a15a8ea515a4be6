/**
 * In-browser inference of a phase model with TensorFlow.js (WebGL, else WASM, else CPU): the
 * model's files from `/api/models/:id/files/`, the uploaded map's `x` (q-axis, Å⁻¹) and `y`
 * (ny, nx, n profiles) as NPY from `/api/files/data`, resampled onto the model's q-axis and
 * min-max normalised per profile as `bragg phase predict` does (the same functions), then the
 * network. Loaded on demand (a separate chunk), so the rest of the UI does not carry TF.js.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { LogActivation } from '../../../../src/ml/layers/log-activation';
import {
  minMaxNormaliseRows,
  resampleProfiles,
  sameAxis,
} from '../../../../src/workflows/phase/resample';
import { api } from '../../api';
import type { FileRef } from '../../api-types';
import { parseNpy } from '../../npy';

/**
 * bragg's seeded dropout at inference: the identity (the mask only applies in training), under
 * the class name saved models use, so `model.json` loads without the training kernels.
 */
class InferenceDropout extends tf.layers.Layer {
  static readonly className = 'BraggSeededDropout';
  readonly rate: number;
  readonly seed: number;
  constructor(args: { rate: number; seed: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.rate = args.rate;
    this.seed = args.seed;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return (Array.isArray(inputs) ? inputs[0]! : inputs).clone();
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

let registered = false;
function registerLayers(): void {
  if (registered) return;
  tf.serialization.registerClass(InferenceDropout);
  tf.serialization.registerClass(LogActivation);
  registered = true;
}

/** WebGL, else WASM, else CPU; returns the backend in use. */
export async function startBackend(): Promise<string> {
  if (tf.getBackend() && tf.getBackend() !== 'cpu') return tf.getBackend();
  try {
    if (await tf.setBackend('webgl')) {
      await tf.ready();
      return tf.getBackend();
    }
  } catch {
    // no WebGL: try the next backend
  }
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
    });
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return tf.getBackend();
    }
  } catch {
    // no WebAssembly: CPU
  }
  await tf.setBackend('cpu');
  return tf.getBackend();
}

async function npy(ref: FileRef, dataset: string) {
  const res = await fetch(api.dataUrl({ ...ref, dataset, format: 'npy' }));
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as
      { error?: { message?: string } } | undefined;
    throw new Error(body?.error?.message ?? `${dataset}: HTTP ${res.status}`);
  }
  return parseNpy(await res.arrayBuffer(), dataset);
}

export interface BrowserPrediction {
  backend: string;
  /** ny·nx·n, flat. */
  probabilities: Float32Array;
  argmax: Int32Array;
  resampled: boolean;
  ms: number;
}

/** Predicts the map `input` with model `modelId` whose q-axis is `axis` (Å⁻¹). */
export async function predictInBrowser(
  modelId: string,
  axis: readonly number[],
  input: FileRef,
): Promise<BrowserPrediction> {
  const t0 = performance.now();
  const backend = await startBackend();
  registerLayers();
  const info = await api.info(input);
  const find = (key: string) =>
    info.datasets.find((d) => d.name.replace(/^\//, '') === key)?.name ??
    (() => {
      throw new Error(`the map has no '${key}' dataset (it needs x: q-axis and y: profiles)`);
    })();
  const [x, y] = await Promise.all([npy(input, find('x')), npy(input, find('y'))]);
  const nq = x.data.length;
  if (y.shape[y.shape.length - 1] !== nq) {
    throw new Error(`y's last axis (${y.shape.join(' × ')}) does not match x (${nq} points)`);
  }
  const resampled = !sameAxis(x.data, axis);
  const width = axis.length;
  const profiles = resampled ? resampleProfiles(x.data, y.data, axis) : y.data.slice();
  minMaxNormaliseRows(profiles, width);
  const model = await tf.loadLayersModel(api.modelFileUrl(modelId, 'model.json'));
  try {
    const rows = profiles.length / width;
    const classes = (model.outputs[0]!.shape[1] as number) ?? 0;
    const probabilities = new Float32Array(rows * classes);
    const batch = 1024;
    for (let s = 0; s < rows; s += batch) {
      const n = Math.min(batch, rows - s);
      const out = tf.tidy(
        () =>
          model.predict(
            tf.tensor3d(profiles.subarray(s * width, (s + n) * width), [n, width, 1]),
          ) as tf.Tensor,
      );
      probabilities.set(await out.data(), s * classes);
      out.dispose();
    }
    const argmax = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) {
        if (probabilities[r * classes + c]! > probabilities[r * classes + best]!) best = c;
      }
      argmax[r] = best;
    }
    return { backend, probabilities, argmax, resampled, ms: performance.now() - t0 };
  } finally {
    model.dispose();
  }
}
