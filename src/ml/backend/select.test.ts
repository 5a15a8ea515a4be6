import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { initBackend, resolveBackendOptions } from './select.js';

describe('backend selection', () => {
  it('flag wins over BRAGG_BACKEND, which wins over auto', () => {
    const saved = process.env.BRAGG_BACKEND;
    try {
      process.env.BRAGG_BACKEND = 'cpu';
      expect(resolveBackendOptions({}).backend).toBe('cpu');
      expect(resolveBackendOptions({ backend: 'wasm' }).backend).toBe('wasm');
      delete process.env.BRAGG_BACKEND;
      expect(resolveBackendOptions({}).backend).toBe('auto');
    } finally {
      if (saved === undefined) delete process.env.BRAGG_BACKEND;
      else process.env.BRAGG_BACKEND = saved;
    }
  });

  it('throws ValidationError for an unknown backend or a bad thread count', () => {
    expect(() => resolveBackendOptions({ backend: 'gpu' as 'cpu' })).toThrow(ValidationError);
    expect(() => resolveBackendOptions({ threads: 0 })).toThrow(ValidationError);
    expect(() => resolveBackendOptions({ threads: 1.5 })).toThrow(ValidationError);
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

  it('an explicitly requested backend that cannot start is a ValidationError', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow(ValidationError);
  });
});
