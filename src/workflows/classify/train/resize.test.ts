import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CLASSIFY_PREPROCESSING, CROP_SIZE, resizeToInput } from './data.js';

/** Stripes of period `p` px along x on a CROP_SIZE² image (values 0 and 1). */
function stripes(p: number): tf.Tensor4D {
  const a = new Float32Array(CROP_SIZE * CROP_SIZE);
  for (let y = 0; y < CROP_SIZE; y++)
    for (let x = 0; x < CROP_SIZE; x++) a[y * CROP_SIZE + x] = Math.floor((2 * x) / p) % 2;
  return tf.tensor4d(a, [1, CROP_SIZE, CROP_SIZE, 1]);
}

describe('classify input resize', () => {
  it('averages f×f blocks (classify/2): a 4-px period leaves no alias at 64²', () => {
    const t = stripes(4);
    const r = resizeToInput(t, 64);
    const v = r.dataSync();
    // each 4×4 block holds two 0-columns and two 1-columns: every output pixel is 0.5
    for (const x of v) expect(x).toBeCloseTo(0.5, 6);
    // the bilinear resize of classify/1 samples one column in four: here always a 0-column,
    // so the stripes vanish into a black image (the alias of the period-4 pattern)
    const b = resizeToInput(t, 64, 'classify/1: …').dataSync();
    let sum = 0;
    for (const v of b) sum += v;
    const mean = sum / b.length;
    expect(Math.abs(mean - 0.5)).toBeGreaterThan(0.4);
    tf.dispose([t, r]);
  });

  it('equals the block means of any image and keeps the total intensity per area', () => {
    const a = Float32Array.from({ length: CROP_SIZE * CROP_SIZE }, (_, i) => (i * 7919) % 101);
    const t = tf.tensor4d(a, [1, CROP_SIZE, CROP_SIZE, 1]);
    const r = resizeToInput(t, 32).dataSync();
    const f = CROP_SIZE / 32;
    for (const [oy, ox] of [
      [0, 0],
      [5, 17],
      [31, 31],
    ] as const) {
      let s = 0;
      for (let y = 0; y < f; y++)
        for (let x = 0; x < f; x++) s += a[(oy * f + y) * CROP_SIZE + ox * f + x]!;
      expect(r[oy * 32 + ox]).toBeCloseTo(s / (f * f), 3);
    }
    t.dispose();
  });

  it('falls back to bilinear for a non-integer factor and passes the crop size through', () => {
    const t = stripes(8);
    expect(resizeToInput(t, 100).shape).toEqual([1, 100, 100, 1]);
    expect(resizeToInput(t, CROP_SIZE)).toBe(t);
    expect(CLASSIFY_PREPROCESSING.startsWith('classify/2')).toBe(true);
    t.dispose();
  });
});
