/**
 * A synthetic single-shot dataset, resolved once from the command's options: image counts,
 * size, seed, shard size → its hash, its id (a uuid of the hash) and its shards. Image i of a
 * split is drawn from `deriveSeed(seed, split, i)` alone, so a shard's bytes depend on the
 * config and its index range only (and the dataset's labels can be listed without reading
 * the shards).
 */
import { ValidationError } from '../../../core/errors.js';
import { canonicalJson, sha256Hex, uuidFromHash } from '../../../core/hash.js';
import { deriveSeed } from '../../../core/rng.js';
import { isFastFftSize } from '../../../simulate/multislice/grid.js';

/** Split names as the seed's file glob wants them (`*train.tfrecord`, `*eval.tfrecord`). */
export const SPLITS = ['train', 'eval'] as const;
export type Split = (typeof SPLITS)[number];

export interface ClassifyDatasetConfig {
  /** Training images. */
  images: number;
  /** Evaluation images (a second set from other seeds; 0: none). */
  evalImages: number;
  /** Image side, pixels (16·2^a·3^b·5^c: 64, 128, 256, …). */
  size: number;
  seed: number;
  /** Images per shard file. */
  imagesPerShard: number;
}

export const DEFAULTS: ClassifyDatasetConfig = {
  images: 512,
  evalImages: 0,
  size: 256,
  seed: 1612, // the seed project's --random_seed
  imagesPerShard: 64,
};

/** Most images of one dataset. */
export const MAX_IMAGES = 10_000_000;

export interface ShardPlan {
  id: string;
  split: Split;
  /** File relative to the output directory. */
  file: string;
  /** First image index within its split, and the count. */
  start: number;
  count: number;
}

export interface ResolvedClassifyDataset {
  config: ClassifyDatasetConfig;
  hash: string;
  datasetId: string;
  outDir: string;
  shards: ShardPlan[];
}

function int(v: number, field: string, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new ValidationError(`expected an integer in ${min}..${max}, got ${v}`, field);
  }
  return v;
}

/** Check a config and plan its shards. */
export function resolveClassifyDataset(
  c: Partial<ClassifyDatasetConfig>,
  outDir: string,
): ResolvedClassifyDataset {
  const config: ClassifyDatasetConfig = { ...DEFAULTS, ...c };
  int(config.images, 'images', 1, MAX_IMAGES);
  int(config.evalImages, 'evalImages', 0, MAX_IMAGES);
  int(config.seed, 'seed', 0, 2 ** 32 - 1);
  int(config.imagesPerShard, 'imagesPerShard', 1, 100_000);
  int(config.size, 'size', 16, 2048);
  if (!isFastFftSize(config.size)) {
    throw new ValidationError(
      `must be 16·2^a·3^b·5^c (64, 128, 256, …), got ${config.size}`,
      'size',
    );
  }
  const hash = sha256Hex(canonicalJson({ kind: 'classify-dataset/2', ...config }));
  const shards: ShardPlan[] = [];
  for (const split of SPLITS) {
    const n = split === 'train' ? config.images : config.evalImages;
    const count = Math.ceil(n / config.imagesPerShard);
    for (let k = 0; k < count; k++) {
      const start = k * config.imagesPerShard;
      const id = `${split}-${String(k).padStart(5, '0')}`;
      shards.push({
        id,
        split,
        file: `shards/${String(k).padStart(5, '0')}-of-${String(count).padStart(5, '0')}-${split}.tfrecord`,
        start,
        count: Math.min(config.imagesPerShard, n - start),
      });
    }
  }
  return { config, hash, datasetId: uuidFromHash(hash), outDir, shards };
}

/** The seed of image `i` of a split. */
export function imageSeed(seed: number, split: Split, i: number): number {
  return deriveSeed(seed, 'classify', split, i);
}
