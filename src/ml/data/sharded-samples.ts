/**
 * The one training data source for sharded datasets, whatever the workflow: samples (1D
 * profiles, 2D images, …) stored in shards are streamed as batches of (x, label) that are
 * shuffled with a seed, split into train/validation deterministically per sample, and never
 * hold more than `shardBuffer` shards in memory. A workflow supplies a `ShardDecoder` that
 * reads one of its shards; everything else (order, split, batching, bounds) is here.
 */
import { FormatError, ValidationError } from '../../core/errors.js';
import { createRng, deriveSeed } from '../../core/rng.js';

/** One shard as the dataset's index lists it. */
export interface SampleShard {
  /** Unique within the dataset; the split of its samples is a function of it. */
  id: string;
  /** Samples in the shard. */
  count: number;
}

/** One shard's samples, decoded. */
export interface DecodedShard {
  /** Row-major: `count` samples of `sampleShape` each. */
  x: Float32Array;
  /** Class index of each sample. */
  y: Int32Array;
  sampleShape: readonly number[];
}

/** Reads one shard of a workflow's dataset (checking it holds what the index says). */
export type ShardDecoder<S extends SampleShard> = (shard: S) => Promise<DecodedShard>;

export interface BatchOptions {
  batchSize: number;
  /** Shuffle shards and samples (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle and of the split (default 0). */
  seed?: number;
  /** Epoch number: each epoch has its own order, derived from the seed. */
  epoch?: number;
  /** Shards mixed at a time: the memory bound (default 2). */
  shardBuffer?: number;
  /** Fraction of samples held out for validation (default 0), and which part to read. */
  validationFraction?: number;
  part?: 'train' | 'validation' | 'all';
  /** Emit the last, smaller batch (default true). */
  keepLast?: boolean;
}

export interface SampleBatch {
  /** Row-major (size, ...sampleShape) samples. */
  x: Float32Array;
  /** Class indices. */
  y: Int32Array;
  /** Sample ids: position of each sample in the dataset's shard order (shard offset + row). */
  index: Int32Array;
  size: number;
  /** Values per sample (the product of `sampleShape`). */
  width: number;
  sampleShape: readonly number[];
}

/** True when sample `row` of `shard` belongs to the validation part. */
export function isValidation(seed: number, shardId: string, row: number, fraction: number): boolean {
  if (fraction <= 0) return false;
  return deriveSeed(seed, 'split', shardId, row) / 4294967296 < fraction;
}

export class ShardedSamples<S extends SampleShard> {
  constructor(
    /** The shards in the dataset's order (sample ids follow it). */
    readonly shards: readonly S[],
    private readonly decode: ShardDecoder<S>,
    /** Name of the dataset in error messages (its folder). */
    readonly name: string,
  ) {
    const ids = new Set<string>();
    for (const s of shards) {
      if (ids.has(s.id)) throw new ValidationError(`duplicate shard id ${s.id}`, 'shards');
      if (!(Number.isInteger(s.count) && s.count >= 0)) {
        throw new ValidationError(`shard ${s.id} has ${s.count} samples`, 'shards');
      }
      ids.add(s.id);
    }
  }

  /** Samples listed in the index. */
  get size(): number {
    return this.shards.reduce((a, s) => a + s.count, 0);
  }

  /** Read one shard, checked against the index. */
  async readShard(shard: S): Promise<DecodedShard> {
    const d = await this.decode(shard);
    const width = d.sampleShape.reduce((a, b) => a * b, 1);
    if (d.x.length !== shard.count * width || d.y.length !== shard.count) {
      throw new FormatError('dataset', 'shard does not hold the samples the index lists', {
        file: this.name,
        path: shard.id,
        expected: `${shard.count} samples of [${d.sampleShape.join(', ')}]`,
        found: `${d.x.length} values and ${d.y.length} labels`,
      });
    }
    return d;
  }

  /** Batches in a seeded order; see `BatchOptions`. */
  async *batches(o: BatchOptions): AsyncGenerator<SampleBatch> {
    const bs = o.batchSize;
    if (!Number.isInteger(bs) || bs < 1) {
      throw new ValidationError(`batch size must be a positive integer, got ${bs}`, 'batchSize');
    }
    const shuffle = o.shuffle ?? true;
    const seed = o.seed ?? 0;
    const buffer = Math.max(1, o.shardBuffer ?? 2);
    const frac = o.validationFraction ?? 0;
    const part = o.part ?? 'all';
    const rng = createRng(deriveSeed(seed, 'epoch', o.epoch ?? 0));
    const shards = [...this.shards];
    if (shuffle) rng.shuffle(shards);

    let sampleShape: readonly number[] | undefined;
    let width = 0;
    let pending = { x: [] as Float32Array[], y: [] as number[], i: [] as number[] };
    const offsets = new Map<string, number>();
    let acc = 0;
    for (const sh of this.shards) {
      offsets.set(sh.id, acc);
      acc += sh.count;
    }
    const emit = function* (
      rows: Float32Array[],
      labels: number[],
      ids: number[],
      final: boolean,
    ): Generator<SampleBatch> {
      let i = 0;
      while (rows.length - i >= bs || (final && i < rows.length && (o.keepLast ?? true))) {
        const size = Math.min(bs, rows.length - i);
        const x = new Float32Array(size * width);
        const y = new Int32Array(size);
        const index = new Int32Array(size);
        for (let k = 0; k < size; k++) {
          x.set(rows[i + k]!, k * width);
          y[k] = labels[i + k]!;
          index[k] = ids[i + k]!;
        }
        i += size;
        yield { x, y, index, size, width, sampleShape: sampleShape! };
      }
      pending = { x: rows.slice(i), y: labels.slice(i), i: ids.slice(i) };
    };

    for (let s = 0; s < shards.length; s += buffer) {
      let poolX = [...pending.x];
      let poolY = [...pending.y];
      let poolI = [...pending.i];
      for (const shard of shards.slice(s, s + buffer)) {
        const d = await this.readShard(shard);
        if (sampleShape === undefined) {
          sampleShape = d.sampleShape;
          width = d.sampleShape.reduce((a, b) => a * b, 1);
        }
        if (d.sampleShape.join(',') !== sampleShape.join(',')) {
          throw new FormatError('dataset', 'shards have different sample shapes', {
            file: this.name,
            path: shard.id,
            expected: `[${sampleShape.join(', ')}]`,
            found: `[${d.sampleShape.join(', ')}]`,
          });
        }
        for (let r = 0; r < shard.count; r++) {
          if (part !== 'all' && isValidation(seed, shard.id, r, frac) !== (part === 'validation')) {
            continue;
          }
          poolX.push(d.x.subarray(r * width, (r + 1) * width));
          poolY.push(d.y[r]!);
          poolI.push(offsets.get(shard.id)! + r);
        }
      }
      if (shuffle) {
        const order = rng.shuffle(Array.from({ length: poolX.length }, (_, i) => i));
        poolX = order.map((i) => poolX[i]!);
        poolY = order.map((i) => poolY[i]!);
        poolI = order.map((i) => poolI[i]!);
      }
      yield* emit(poolX, poolY, poolI, s + buffer >= shards.length);
    }
  }
}
