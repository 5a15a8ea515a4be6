/** Batched inference of a phase model on profiles already on its q-axis. */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { minMaxNormaliseRows } from './resample.js';

/** The preprocessing every phase model records in `bragg.json` and applies before inference. */
export const PHASE_PREPROCESSING = 'minmax-per-profile';

/**
 * Class probabilities (rows × classes, row-major) for `profiles` (rows × width, row-major).
 * The profiles are min-max normalised per row first (a copy; the input is not changed).
 */
export async function predictProfiles(
  model: tf.LayersModel,
  profiles: Float32Array,
  width: number,
  batchSize = 1024,
  onBatch?: (done: number, total: number) => void,
): Promise<Float32Array> {
  if (!Number.isInteger(width) || width < 1 || profiles.length % width !== 0) {
    throw new ValidationError(`${profiles.length} values are not rows of ${width}`, 'profiles');
  }
  const rows = profiles.length / width;
  const classes = model.outputs[0]!.shape[1]!;
  const out = new Float32Array(rows * classes);
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    const chunk = minMaxNormaliseRows(profiles.slice(start * width, (start + n) * width), width);
    const p = tf.tidy(() => model.predict(tf.tensor3d(chunk, [n, width, 1])) as tf.Tensor);
    out.set(await p.data(), start * classes);
    p.dispose();
    onBatch?.(start + n, rows);
  }
  return out;
}
