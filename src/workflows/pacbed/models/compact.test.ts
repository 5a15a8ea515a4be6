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

  it('refuses more poolings than the image allows and unknown options', () => {
    expect(() => A.resolve({ size: 8, blocks: 4 })).toThrow(ValidationError);
    expect(() => A.resolve({ size: 16, depth: 3 } as never)).toThrow(/no option 'depth'/);
  });
});
