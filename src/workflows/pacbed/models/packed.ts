/**
 * The packed input of the PACBED networks: bragg's trainer feeds one tensor per batch, so the
 * pattern (size × size, row-major) and the normalised convergence angle travel as one vector of
 * size² + 1 values; these Keras layers (reshape, cropping) split it again inside the model, so a
 * bundle loads anywhere TF.js layers load.
 */
import * as tf from '@tensorflow/tfjs';

/** The packed input and, from it, the pattern (size × size × 1) and the angle (1). */
export function packedInput(size: number): {
  input: tf.SymbolicTensor;
  image: tf.SymbolicTensor;
  angle: tf.SymbolicTensor;
} {
  const L = tf.layers;
  type S = tf.SymbolicTensor;
  const n = size * size;
  const input = tf.input({ shape: [n + 1], name: 'packed' });
  const row = L.reshape({ targetShape: [1, n + 1, 1], name: 'as_row' }).apply(input) as S;
  const pixels = L.cropping2D({ cropping: [[0, 0], [0, 1]], name: 'pixels' }).apply(row) as S; // prettier-ignore
  const image = L.reshape({ targetShape: [size, size, 1], name: 'image' }).apply(pixels) as S;
  const cell = L.cropping2D({ cropping: [[0, 0], [n, 0]], name: 'angle_cell' }).apply(row) as S; // prettier-ignore
  const angle = L.flatten({ name: 'conv_angle' }).apply(cell) as S;
  return { input, image, angle };
}
