/**
 * Training data of the PACBED CNNs: the training table's images streamed through the sharded
 * data source (`ml/data/sharded-samples.ts`: seeded shuffle, deterministic split, at most
 * `shardBuffer` chunks of rows in memory), each image read from disk and resized to the model's
 * size when its chunk is needed, then augmented per sample with a seed derived from (seed, part,
 * epoch, sample): the same seed gives the same batches, so a resumed run sees what an
 * uninterrupted one would. Validation samples are augmented the same way every epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../../core/rng.js';
import { ShardedSamples, type SampleShard } from '../../ml/data/sharded-samples.js';
import type { DataSource } from '../../ml/train/data.js';
import { augmentSample, type AugmentOptions } from './augment.js';
import { resize2d } from './dataset/resize.js';
import { classIndex } from './labels.js';
import { readPattern } from './pattern-io.js';
import type { TrainingTable } from './table.js';

/** Rows per chunk (the unit the sharded source reads and mixes). */
export const ROWS_PER_CHUNK = 64;

interface RowChunk extends SampleShard {
  start: number;
}

/** A table image resized to `size`² (bilinear, as the seed's `smart_resize`). */
export async function tableImage(path: string, size: number): Promise<Float32Array> {
  const p = await readPattern(path);
  return p.ny === size && p.nx === size
    ? Float32Array.from(p.data)
    : resize2d(p.data, p.ny, p.nx, size, size, 'bilinear');
}

export interface PacbedSamplesOptions {
  table: TrainingTable;
  /** Class value of each row (thickness or mistilt; unused for scale). */
  labels: readonly number[];
  values?: Float64Array;
  size: number;
}

/**
 * The table as sharded samples: x = size² pixels then the convergence angle [mrad] (raw), y =
 * the class of the row's value (0 for the scale target, whose class is drawn per sample).
 */
export function pacbedSamples(o: PacbedSamplesOptions): ShardedSamples<RowChunk> {
  const { table, size } = o;
  const chunks: RowChunk[] = [];
  for (let s = 0; s < table.rows; s += ROWS_PER_CHUNK) {
    chunks.push({ id: `rows-${s}`, start: s, count: Math.min(ROWS_PER_CHUNK, table.rows - s) });
  }
  const width = size * size + 1;
  return new ShardedSamples(
    chunks,
    async (c) => {
      const x = new Float32Array(c.count * width);
      const y = new Int32Array(c.count);
      for (let r = 0; r < c.count; r++) {
        const row = c.start + r;
        x.set(await tableImage(table.paths[row]!, size), r * width);
        x[r * width + width - 1] = table.convAngle[row]!;
        y[r] = o.values === undefined ? 0 : classIndex(o.labels, o.values[row]!);
      }
      return { x, y, sampleShape: [width] };
    },
    table.file,
  );
}

export interface PacbedSourceOptions {
  samples: ShardedSamples<RowChunk>;
  part: 'train' | 'validation';
  batchSize: number;
  seed: number;
  valSplit: number;
  classes: number;
  augment: AugmentOptions;
}

/** One augmented batch (packed x, class indices) from a batch of samples. */
export function augmentBatch(
  b: { x: Float32Array; y: Int32Array; index: Int32Array; size: number; width: number },
  seedKey: number,
  o: AugmentOptions,
): { x: Float32Array; y: Int32Array } {
  const n = o.size * o.size;
  const x = new Float32Array(b.size * (n + 1));
  const y = new Int32Array(b.size);
  for (let k = 0; k < b.size; k++) {
    const rng = createRng(deriveSeed(seedKey, b.index[k]!));
    const row = b.x.subarray(k * b.width, (k + 1) * b.width);
    const s = augmentSample(row.subarray(0, n), row[n]!, rng, o);
    x.set(s.image, k * (n + 1));
    x[k * (n + 1) + n] = s.angle;
    y[k] = s.scaleClass ?? b.y[k]!;
  }
  return { x, y };
}

export function pacbedSource(o: PacbedSourceOptions): DataSource {
  return (epoch) => ({
    async *[Symbol.asyncIterator]() {
      const train = o.part === 'train';
      const key = deriveSeed(o.seed, 'augment', o.part, train ? epoch : 0);
      for await (const b of o.samples.batches({
        batchSize: o.batchSize,
        seed: o.seed,
        epoch: train ? epoch : 0,
        shuffle: train,
        validationFraction: o.valSplit,
        part: o.part,
      })) {
        const a = augmentBatch(b, key, o.augment);
        yield {
          x: tf.tensor2d(a.x, [b.size, o.augment.size * o.augment.size + 1]),
          y: tf.tidy(() => tf.oneHot(tf.tensor1d(a.y, 'int32'), o.classes).toFloat()),
        };
      }
    },
  });
}
