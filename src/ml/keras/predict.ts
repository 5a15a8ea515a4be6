/**
 * Batch prediction of any bragg model bundle — trained by bragg or imported from Keras — on
 * arrays laid out as Keras takes them: a batch axis first, then the model's input shape
 * (channels-last images `[N, H, W, C]`). The batch is run `batchSize` samples at a time; the
 * result is float32 `[N, …output shape]`.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { toFloat32, type NDArray } from '../../core/ndarray.js';

export interface PredictResult {
  shape: number[];
  data: Float32Array;
}

/** Default samples per step. */
export const DEFAULT_PREDICT_BATCH = 32;

function checkInput(model: tf.LayersModel, a: NDArray, i: number, n: number): void {
  const want = model.inputs[i]!.shape.slice(1);
  const got = a.shape.slice(1);
  const field = i === 0 ? 'input' : `inputs[${i}]`;
  if (
    a.dtype === 'string' ||
    a.dtype === 'bool' ||
    a.dtype === 'complex64' ||
    a.dtype === 'complex128'
  ) {
    throw new ValidationError(`a ${a.dtype} array; the model takes numbers`, field);
  }
  const ok = got.length === want.length && want.every((d, j) => d === null || d === got[j]);
  if (!ok) {
    throw new ValidationError(
      `shape [${a.shape.join(', ')}] does not fit the model input [N, ${want.map((d) => d ?? 'any').join(', ')}] (batch axis first, channels last)`,
      field,
    );
  }
  if (a.shape[0] !== n) {
    throw new ValidationError(`${a.shape[0]} samples, but the first input has ${n}`, field);
  }
}

/** Run `model` over the batch(es) in `inputs` (one array per model input). */
export function predictArrays(
  model: tf.LayersModel,
  inputs: readonly NDArray[],
  batchSize = DEFAULT_PREDICT_BATCH,
): PredictResult {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValidationError(`must be a positive integer, got ${batchSize}`, 'batch');
  }
  if (inputs.length !== model.inputs.length) {
    throw new ValidationError(
      `the model has ${model.inputs.length} input(s) (${model.inputs.map((t) => `[${t.shape.slice(1).join(', ')}]`).join(', ')}); ${inputs.length} array(s) given`,
      'input',
    );
  }
  const n = inputs[0]?.shape[0] ?? 0;
  inputs.forEach((a, i) => checkInput(model, a, i, n));
  const data = inputs.map((a) => toFloat32(a));
  const per = inputs.map((a) => a.shape.slice(1).reduce((x, y) => x * y, 1));
  const outShape = model.outputs[0]!.shape.slice(1);
  const outPer = outShape.reduce<number>((x, y) => x * (y ?? 1), 1);
  const out = new Float32Array(n * outPer);
  for (let b = 0; b < n; b += batchSize) {
    const m = Math.min(batchSize, n - b);
    const y = tf.tidy(() => {
      const xs = inputs.map((a, i) =>
        tf.tensor(
          data[i]!.subarray(b * per[i]!, (b + m) * per[i]!),
          [m, ...a.shape.slice(1)],
          'float32',
        ),
      );
      const r = model.predict(xs.length === 1 ? xs[0]! : xs);
      return (Array.isArray(r) ? r[0]! : r).dataSync() as Float32Array;
    });
    out.set(y, b * outPer);
  }
  return { shape: [n, ...outShape.map((d) => d ?? 1)], data: out };
}
