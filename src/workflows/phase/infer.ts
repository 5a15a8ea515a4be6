/** Batched inference of a phase model on profiles already on its q-axis. */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { compileNet1d, type Net1d } from '../../ml/backend/net1d.js';
import { minMaxNormaliseRows } from './resample.js';

/** The preprocessing every phase model records in `bragg.json` and applies before inference. */
export const PHASE_PREPROCESSING = 'minmax-per-profile';

/**
 * Class probabilities (rows × classes, row-major) for `profiles` (rows × width, row-major).
 * The profiles are min-max normalised per row first (a copy; the input is not changed).
 *
 * `fused` (default true): when the model is a chain the fused 1D-CNN kernel runs
 * (`compileNet1d`: Conv1D / pool / Dense on the wasm backend's SIMD kernels, compiled once per
 * call), it computes the probabilities; otherwise, and with `fused: false`, `model.predict`.
 * Both give the same probabilities within float32 rounding (≤ 1e-5).
 */
export async function predictProfiles(
  model: tf.LayersModel,
  profiles: Float32Array,
  width: number,
  batchSize = 1024,
  onBatch?: (done: number, total: number) => void,
  fused = true,
): Promise<Float32Array> {
  if (!Number.isInteger(width) || width < 1 || profiles.length % width !== 0) {
    throw new ValidationError(`${profiles.length} values are not rows of ${width}`, 'profiles');
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValidationError(`must be a positive integer, got ${batchSize}`, 'batchSize');
  }
  const rows = profiles.length / width;
  const classes = model.outputs[0]!.shape[1]!;
  const out = new Float32Array(rows * classes);
  let net: Net1d | undefined = fused ? compileNet1d(model) : undefined;
  // a model of another width or output keeps model.predict (and its error message)
  const fits = (c: Net1d): boolean =>
    c.inFloats === width && c.stages[0]!.ci === 1 && c.outFloats === classes;
  if (net !== undefined && !fits(net)) {
    net.dispose();
    net = undefined;
  }
  try {
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start);
      const chunk = minMaxNormaliseRows(profiles.slice(start * width, (start + n) * width), width);
      if (net !== undefined) {
        out.set(net.run(chunk, n), start * classes);
      } else {
        const p = tf.tidy(() => model.predict(tf.tensor3d(chunk, [n, width, 1])) as tf.Tensor);
        out.set(await p.data(), start * classes);
        p.dispose();
      }
      onBatch?.(start + n, rows);
    }
  } finally {
    net?.dispose();
  }
  return out;
}
