import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { logActivation } from '../../../ml/layers/log-activation.js';
import { cropPad } from './data.js';

describe('classify input pipeline', () => {
  it('centre-crops a larger image and zero-pads a smaller one to the crop size', () => {
    const big = Float32Array.from({ length: 6 * 6 }, (_, i) => i);
    const c = cropPad(big, 6, 6, 4);
    // rows/cols 1..4 of the 6×6 image
    expect(Array.from(c.subarray(0, 4))).toEqual([7, 8, 9, 10]);
    expect(c[15]).toBe(28);
    const small = Float32Array.from({ length: 2 * 2 }, (_, i) => i + 1);
    const p = cropPad(small, 2, 2, 4);
    expect(Array.from(p)).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
  });

  it('the logarithmic first activation is trainable: its gradient matches central differences', () => {
    // f(x) = sign(x)·α(ln(|x| + e⁻¹) + 1) + β, so f'(x) = α/(|x| + e⁻¹) for x ≠ 0
    const xs = [-3, -0.5, 0.25, 2, 40];
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((t: tf.Tensor) => logActivation(t, 0.2, 0.1).sum())(tf.tensor1d(xs))
          .dataSync(),
      ),
    );
    xs.forEach((x, i) => {
      const h = 1e-3;
      const f = (v: number): number =>
        tf.tidy(() => logActivation(tf.scalar(v), 0.2, 0.1).dataSync()[0]!);
      expect(g[i]).toBeCloseTo((f(x + h) - f(x - h)) / (2 * h), 2);
      expect(g[i]).toBeCloseTo(0.2 / (Math.abs(x) + Math.exp(-1)), 4);
    });
  });
});
