import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import { PACBED_COMPACT_ARCHITECTURE as A } from './compact.js';

describe('pacbed-compact', () => {
  it('splits the packed input: the last value (the angle) changes the output, seeded weights', async () => {
    await tf.setBackend('cpu');
    const o = A.resolve({ size: 16, classes: 3, filters: 4, blocks: 2, dense: 8 });
    expect(A.inputShape(o)).toEqual([257]);
    const m1 = A.build(o, 5);
    const m2 = A.build(o, 5);
    const x = new Float32Array(257).map((_, i) => Math.sin(i));
    const y = new Float32Array(x);
    y[256] = 5;
    const p = tf.tidy(() => m1.predict(tf.tensor2d([...x, ...y], [2, 257])) as tf.Tensor);
    const q = tf.tidy(() => m2.predict(tf.tensor2d([...x, ...y], [2, 257])) as tf.Tensor);
    const pv = Array.from(await p.data());
    expect(Array.from(await q.data())).toEqual(pv);
    expect(pv.slice(0, 3)).not.toEqual(pv.slice(3));
    expect(pv.slice(0, 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    tf.dispose([p, q]);
    m1.dispose();
    m2.dispose();
  });

  it('flatten keeps the layout of the last feature map: more head weights, same body', () => {
    const avg = A.resolve({ size: 16, classes: 3, filters: 4, blocks: 2, dense: 8 });
    const flat = A.resolve({ ...avg, pooling: 'flatten' });
    const a = A.build(avg, 1);
    const f = A.build(flat, 1);
    // dense1 sees 4·4 cells × 8 filters instead of 8 channel means
    const units = (m: tf.LayersModel) => m.getLayer('dense1').getWeights()[0]!.shape[0] as number;
    expect(units(a)).toBe(8);
    expect(units(f)).toBe(4 * 4 * 8);
    expect(() => A.resolve({ pooling: 'max' } as never)).toThrow(ValidationError);
    a.dispose();
    f.dispose();
  });

  it('refuses more poolings than the image allows and unknown options', () => {
    expect(() => A.resolve({ size: 8, blocks: 4 })).toThrow(ValidationError);
    expect(() => A.resolve({ size: 16, depth: 3 } as never)).toThrow(/no option 'depth'/);
  });
});
