import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BraggError } from '../../core/errors.js';
import { initBackend } from './select.js';

describe('wasm malloc guard', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  it('a kernel output larger than the 4 GiB wasm heap is a typed error, and the backend keeps working', () => {
    const one = tf.ones([1]);
    const before = tf.memory().numTensors;
    // 1.1e9 float32 = 4.4 GB, made inside wasm (no JS array first): without the guard the
    // size wraps to 32 bits (≈105 MB are allocated) and Tile writes 4.4 GB from there.
    expect(() => tf.tile(one, [1.1e9])).toThrow(BraggError);
    expect(() => tf.tile(one, [1.1e9])).toThrow(/cannot allocate 4400000000 bytes/);
    expect(tf.tidy(() => tf.ones([3]).sum().dataSync()[0])).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    one.dispose();
  });
});
