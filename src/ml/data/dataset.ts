/**
 * Streaming a phase dataset (a `bragg simulate dataset` directory: `manifest.json` +
 * `shards/*.npz` or `shards/*.hdf5`) to training: batches of (x, label) that are shuffled with a seed, split
 * into train/validation deterministically per pattern, and never hold more than
 * `shardBuffer` shards in memory. Only the requested member (`1d/x_px` by default) and the
 * labels are decoded from each shard.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FormatError, ValidationError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import { toFloat32 } from '../../core/ndarray.js';
import { openAny } from '../../formats/registry.js';
import { createRng, deriveSeed } from '../../core/rng.js';
import { decodeNpzMember, listNpz } from '../../formats/npy/npz.js';
import type { DatasetManifest, ManifestShard } from '../../simulate/sweep/manifest.js';
import { MANIFEST_FORMAT, MANIFEST_NAME } from '../../simulate/sweep/manifest.js';

export type ProfileKey = '1d/x_px' | '1d/x_q' | '1d/x_all';

export interface BatchOptions {
  batchSize: number;
  /** Shuffle shards and patterns (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle and of the split (default 0). */
  seed?: number;
  /** Epoch number: each epoch has its own order, derived from the seed. */
  epoch?: number;
  /** Shards mixed at a time: the memory bound (default 2). */
  shardBuffer?: number;
  /** Fraction of patterns held out for validation (default 0), and which part to read. */
  validationFraction?: number;
  part?: 'train' | 'validation' | 'all';
  /** Emit the last, smaller batch (default true). */
  keepLast?: boolean;
}

export interface Batch {
  /** Row-major (size, width) profiles. */
  x: Float32Array;
  /** Class indices. */
  y: Int32Array;
  /** Pattern ids: position of each row in the manifest's shard order (shard offset + row). */
  index: Int32Array;
  size: number;
  width: number;
}

function assertManifest(m: unknown, file: string): asserts m is DatasetManifest {
  const o = m as Partial<DatasetManifest> | null;
  if (!o || o.format !== MANIFEST_FORMAT || !Array.isArray(o.shards) || !Array.isArray(o.classes)) {
    throw new FormatError('dataset manifest', 'not a bragg phase-dataset manifest', {
      file,
      expected: `format '${MANIFEST_FORMAT}' with shards and classes`,
      found: JSON.stringify(o?.format ?? null),
    });
  }
}

/** True when pattern `row` of `shard` belongs to the validation part. */
export function isValidation(seed: number, shardId: string, row: number, fraction: number): boolean {
  if (fraction <= 0) return false;
  return deriveSeed(seed, 'split', shardId, row) / 4294967296 < fraction;
}

export class PhaseDataset {
  private constructor(
    readonly dir: string,
    readonly manifest: DatasetManifest,
    readonly key: ProfileKey,
  ) {}

  /** Open a dataset directory (or its manifest.json). */
  static async open(path: string, key: ProfileKey = '1d/x_px'): Promise<PhaseDataset> {
    const abs = resolve(path);
    const file = abs.endsWith('.json') ? abs : join(abs, MANIFEST_NAME);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ValidationError(`cannot read ${file}: ${(err as Error).message}`, 'dataset', {
        cause: err,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new FormatError('dataset manifest', 'invalid JSON', { file, cause: err });
    }
    assertManifest(parsed, file);
    return new PhaseDataset(join(file, '..'), parsed, key);
  }

  get id(): string {
    return this.manifest.id;
  }

  get classes(): readonly string[] {
    return this.manifest.classes;
  }

  /** Patterns listed in the manifest (complete shards only). */
  get size(): number {
    return this.manifest.shards.reduce((a, s) => a + s.count, 0);
  }

  /** Read one shard's profiles and labels. */
  async readShard(shard: ManifestShard): Promise<{ x: Float32Array; y: Int32Array; width: number }> {
    const path = join(this.dir, shard.file);
    let xa: NDArray;
    let ya: NDArray;
    if (this.manifest.fileFormat === 'hdf5') {
      const f = await openAny(path);
      try {
        xa = (await f.read(`/${this.key}`)).array;
        ya = (await f.read('/1d/y_px')).array;
      } finally {
        await f.close();
      }
    } else {
      const bytes = new Uint8Array(await readFile(path));
      const members = listNpz(bytes, path);
      const get = (key: string): NDArray => {
        const m = members.find((x) => x.key === key);
        if (!m) {
          throw new FormatError('NPZ', `shard has no member ${key}`, { file: path, path: key });
        }
        return decodeNpzMember(bytes, m, path).array;
      };
      xa = get(this.key);
      ya = get('1d/y_px');
    }
    const [n, width] = xa.shape;
    if (xa.shape.length !== 2 || n !== shard.count || ya.shape[0] !== shard.count) {
      throw new FormatError('NPZ', 'shard does not hold the patterns the manifest lists', {
        file: path,
        path: this.key,
        expected: `(${shard.count}, width) and (${shard.count},)`,
        found: `[${xa.shape.join(', ')}] and [${ya.shape.join(', ')}]`,
      });
    }
    const x = xa.dtype === 'float32' ? (xa.data as Float32Array) : toFloat32(xa);
    const yf = toFloat32(ya);
    const y = Int32Array.from(yf, (v) => Math.round(v));
    return { x, y, width: width! };
  }

  /** Batches in a seeded order; see `BatchOptions`. */
  async *batches(o: BatchOptions): AsyncGenerator<Batch> {
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
    const shards = [...this.manifest.shards];
    if (shuffle) rng.shuffle(shards);

    let width = 0;
    let poolX: Float32Array[] = [];
    let poolY: number[] = [];
    let poolI: number[] = [];
    let pending = { x: [] as Float32Array[], y: [] as number[], i: [] as number[] };
    const offsets = new Map<string, number>();
    let acc = 0;
    for (const sh of this.manifest.shards) {
      offsets.set(sh.id, acc);
      acc += sh.count;
    }
    const emit = function* (
      rows: Float32Array[],
      labels: number[],
      ids: number[],
      final: boolean,
    ): Generator<Batch> {
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
        yield { x, y, index, size, width };
      }
      pending = { x: rows.slice(i), y: labels.slice(i), i: ids.slice(i) };
    };

    for (let s = 0; s < shards.length; s += buffer) {
      poolX = [...pending.x];
      poolY = [...pending.y];
      poolI = [...pending.i];
      for (const shard of shards.slice(s, s + buffer)) {
        const d = await this.readShard(shard);
        if (width === 0) width = d.width;
        if (d.width !== width) {
          throw new FormatError('NPZ', 'shards have different profile widths', {
            file: join(this.dir, shard.file),
            expected: String(width),
            found: String(d.width),
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
