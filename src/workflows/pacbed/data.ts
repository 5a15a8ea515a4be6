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
import {
  centroidCrop,
  clipNegatives,
  fitSize,
  rescaleResize,
  subtractBorderMean,
  subtractGaussianBackground,
} from './preprocess.js';
import type { TrainingTable } from './table.js';

/**
 * Rows per chunk (the unit the sharded source reads and mixes): one. A table lists its rows by
 * simulation shard (convergence angle, mistilt, azimuth, then the thickness series), and the
 * source shuffles chunks but mixes rows only within a buffer of two chunks: with chunks of 64
 * rows, each batch drew from a few neighbouring shards — a handful of mistilts per batch, so
 * batch-norm statistics and gradients swung from batch to batch. One row per chunk shuffles
 * the whole table.
 */
export const ROWS_PER_CHUNK = 1;

/** Prepared images are kept in memory up to this many bytes (the source re-reads beyond it). */
export const IMAGE_CACHE_BYTES = 512 * 2 ** 20;

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

/**
 * How a training image is prepared before augmentation: `a` / `b` — the prediction pipeline's
 * centroid crop and background A (thickness, mistilt) or B (scale), so that the networks train
 * on what they will be shown; `none` — the table image as simulated (bragg ≤ 0.x, the seed).
 */
export type TrainingPreprocess = 'a' | 'b' | 'none';

/** A table image at `size`², prepared as the prediction pipeline prepares a measured one. */
export async function trainingImage(
  path: string,
  size: number,
  preprocess: TrainingPreprocess,
): Promise<Float32Array> {
  const img = await tableImage(path, size);
  if (preprocess === 'none') return img;
  const c = centroidCrop(fitSize(clipNegatives({ data: Float64Array.from(img), ny: size, nx: size }), size)); // prettier-ignore
  const a = subtractBorderMean(c);
  return rescaleResize(preprocess === 'a' ? a : subtractGaussianBackground(a), 1, size);
}

export interface PacbedSamplesOptions {
  table: TrainingTable;
  /** Preparation of each image (default `none`). */
  preprocess?: TrainingPreprocess;
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
  const cache =
    table.rows * width * 4 <= IMAGE_CACHE_BYTES
      ? new Map<string, { x: Float32Array; y: Int32Array }>()
      : undefined;
  return new ShardedSamples(
    chunks,
    async (c) => {
      const hit = cache?.get(c.id);
      if (hit !== undefined) {
        // copies: the source may keep what it is given
        return { x: hit.x.slice(), y: hit.y.slice(), sampleShape: [width] };
      }
      const x = new Float32Array(c.count * width);
      const y = new Int32Array(c.count);
      for (let r = 0; r < c.count; r++) {
        const row = c.start + r;
        x.set(await trainingImage(table.paths[row]!, size, o.preprocess ?? 'none'), r * width);
        x[r * width + width - 1] = table.convAngle[row]!;
        y[r] = o.values === undefined ? 0 : classIndex(o.labels, o.values[row]!);
      }
      cache?.set(c.id, { x: x.slice(), y: y.slice() });
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
