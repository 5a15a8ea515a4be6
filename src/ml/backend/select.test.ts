import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { initBackend } from './select.js';

describe('backend selection', () => {
  it('throws ValidationError naming the field for an unknown backend or a bad thread count', async () => {
    const failure = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => undefined,
        (e) => e,
      );
    const bad = await failure(initBackend({ backend: 'gpu' as 'cpu' }));
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).field).toBe('backend');
    for (const threads of [0, 1.5, 65]) {
      const err = await failure(initBackend({ threads }));
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('threads');
    }
  });

  it('auto skips tensorflow (tfjs-node is not installed here) and starts wasm with 2 threads', async () => {
    const info = await initBackend({ backend: 'auto', threads: 2 });
    expect(info.notes.some((n) => n.startsWith('tensorflow:'))).toBe(true);
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.multithreaded).toBe(true);
    expect(info.threads).toBe(2);
    // The threaded module computes correctly.
    const y = tf.tidy(() =>
      tf
        .conv2d(
          tf.ones([1, 5, 5, 2]) as tf.Tensor4D,
          tf.ones([3, 3, 2, 1]) as tf.Tensor4D,
          1,
          'same',
        )
        .sum(),
    );
    expect(y.dataSync()[0]).toBe(2 * (9 * 9 + 4 * 3 * 6 + 4 * 4));
  });

  it('an explicitly requested backend that cannot start is a ValidationError on `backend`', async () => {
    const err = await initBackend({ backend: 'tensorflow' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('backend');
  });
});
