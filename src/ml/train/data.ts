/**
 * Data sources for the trainer: a function of the epoch returning an async iterable of
 * batches, so a stream can be larger than memory and a resumed run re-creates epoch e exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { createRng, deriveSeed } from '../../core/rng.js';

/** One batch; the trainer disposes both tensors after the step. */
export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor;
}

export type DataSource = (epoch: number) => AsyncIterable<Batch>;

export interface ArraySourceOptions {
  /** Samples, row-major: n × prod(sampleShape). */
  x: Float32Array;
  sampleShape: readonly number[];
  /** Labels, row-major: n × prod(labelShape). */
  y: Float32Array;
  labelShape: readonly number[];
  batchSize: number;
  /** Shuffle each epoch with a permutation derived from (seed, epoch). */
  shuffle?: boolean;
  seed?: number;
}

/** In-memory arrays as a DataSource; the last batch may be partial. */
export function arraySource(o: ArraySourceOptions): DataSource {
  const xs = o.sampleShape.reduce((a, b) => a * b, 1);
  const ys = o.labelShape.reduce((a, b) => a * b, 1);
  const n = o.x.length / xs;
  if (!Number.isInteger(n) || o.y.length !== n * ys) {
    throw new ValidationError(
      `x has ${o.x.length} values and y ${o.y.length}: not n × ${xs} and n × ${ys}`,
      'data',
    );
  }
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) {
    throw new ValidationError(`must be a positive integer, got ${o.batchSize}`, 'batchSize');
  }
  return (epoch: number) => ({
    async *[Symbol.asyncIterator]() {
      const order = Array.from({ length: n }, (_, i) => i);
      if (o.shuffle === true) createRng(deriveSeed(o.seed ?? 0, 'shuffle', epoch)).shuffle(order);
      for (let start = 0; start < n; start += o.batchSize) {
        const idx = order.slice(start, start + o.batchSize);
        const bx = new Float32Array(idx.length * xs);
        const by = new Float32Array(idx.length * ys);
        idx.forEach((s, k) => {
          bx.set(o.x.subarray(s * xs, (s + 1) * xs), k * xs);
          by.set(o.y.subarray(s * ys, (s + 1) * ys), k * ys);
        });
        yield {
          x: tf.tensor(bx, [idx.length, ...o.sampleShape]),
          y: tf.tensor(by, [idx.length, ...o.labelShape]),
        };
      }
    },
  });
}
