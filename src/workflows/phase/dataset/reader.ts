/**
 * Reading a phase dataset (a `bragg simulate dataset` directory: `manifest.json` +
 * `shards/*.npz` or `shards/*.hdf5`, the seed's layout) for training: the manifest checked, every
 * shard file verified against it (size, then sha256 streamed: a truncated, bit-flipped or
 * replaced shard is a FormatError naming the file before any training starts), one shard's
 * profiles and labels decoded (only the requested members), and batches through the generic
 * `ShardedSamples` source (seeded shuffle, deterministic split, bounded memory).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FormatError, NotFoundError, ValidationError } from '../../../core/errors.js';
import type { NDArray } from '../../../core/ndarray.js';
import { toFloat32, toFloat64 } from '../../../core/ndarray.js';
import { decodeNpzMember, listNpz } from '../../../formats/npy/npz.js';
import { openAny } from '../../../formats/registry.js';
import { fileSize, sha256File } from '../../../jobs/output.js';
import type { BatchOptions, SampleBatch } from '../../../ml/data/sharded-samples.js';
import { ShardedSamples } from '../../../ml/data/sharded-samples.js';
import type { DatasetManifest, ManifestShard } from './manifest.js';
import { MANIFEST_FORMAT, MANIFEST_NAME } from './manifest.js';

/** The profile members a model can train on. */
export type ProfileKey = '1d/x_px' | '1d/x_q' | '1d/x_all';

/** The q-axis member [Å⁻¹] of each profile member. */
export const AXIS_MEMBER: Record<ProfileKey, string> = {
  '1d/x_px': '1d/x_px_q_axis',
  '1d/x_q': '1d/x_q_axis',
  '1d/x_all': '1d/x_all_q_axis',
};

const LABELS = '1d/y_px';

/** Shard files hashed at once by `verifyShards` (reads overlap; hashing is one core). */
const VERIFY_CONCURRENCY = 4;

export interface PhaseDatasetOpenOptions {
  /** Check every shard file against the manifest's size and sha256 (default true). */
  verify?: boolean;
}

/**
 * Check that every shard the manifest lists is the file it records: present, as many bytes
 * (when recorded; all files are sized before any is hashed, so a truncated shard fails at
 * once) and the same sha256 (streamed, a few files at a time). Throws NotFoundError for a
 * missing shard, FormatError naming the shard file for any other difference.
 */
export async function verifyShards(
  dir: string,
  shards: readonly ManifestShard[],
  manifestFile = join(dir, MANIFEST_NAME),
): Promise<void> {
  const sized: { shard: ManifestShard; path: string }[] = [];
  for (const shard of shards) {
    const path = join(dir, shard.file);
    const bytes = await fileSize(path);
    if (bytes === undefined) {
      throw new NotFoundError(
        `dataset shard ${shard.file} listed in ${manifestFile} is missing (${path})`,
        { what: 'file', resource: path },
      );
    }
    if (typeof shard.bytes === 'number' && shard.bytes !== bytes) {
      throw new FormatError(
        'dataset shard',
        'not the file the manifest records (truncated or replaced)',
        {
          file: path,
          expected: `${shard.bytes} bytes`,
          found: `${bytes} bytes`,
        },
      );
    }
    sized.push({ shard, path });
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sized.length) {
      const { shard, path } = sized[next++]!;
      const sha256 = await sha256File(path);
      if (sha256 !== shard.sha256) {
        throw new FormatError(
          'dataset shard',
          'not the file the manifest records (its contents changed)',
          {
            file: path,
            expected: `sha256 ${String(shard.sha256)}`,
            found: `sha256 ${sha256}`,
          },
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, sized.length) }, worker));
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
  if (o.fileFormat !== 'npz' && o.fileFormat !== 'hdf5') {
    throw new FormatError('dataset manifest', 'unknown shard file format', {
      file,
      path: 'fileFormat',
      expected: "'npz' or 'hdf5'",
      found: JSON.stringify(o.fileFormat ?? null),
    });
  }
  for (const [i, sh] of (o.shards as unknown[]).entries()) {
    const x = sh as Partial<ManifestShard> | null;
    if (
      !x ||
      typeof x.file !== 'string' ||
      typeof x.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(x.sha256) ||
      !Number.isSafeInteger(x.count)
    ) {
      throw new FormatError('dataset manifest', 'a shard entry lacks its file, count or sha256', {
        file,
        path: `shards[${i}]`,
        expected: 'file (string), count (integer), sha256 (64 hex digits)',
        found: JSON.stringify(sh).slice(0, 200),
      });
    }
  }
}

/**
 * Members `keys` of one shard file, in either of the seed's layouts: NPZ (members named by
 * the key) or HDF5 (datasets at `/<key>`). Only the requested members are decoded.
 */
export async function readShardMembers(
  path: string,
  format: 'npz' | 'hdf5',
  keys: readonly string[],
): Promise<NDArray[]> {
  if (format === 'hdf5') {
    const f = await openAny(path);
    try {
      const out: NDArray[] = [];
      for (const k of keys) {
        if (!f.datasets.some((d) => d.name === `/${k}`)) {
          throw new FormatError('HDF5', `shard has no dataset /${k}`, {
            file: path,
            path: `/${k}`,
          });
        }
        out.push((await f.read(`/${k}`)).array);
      }
      return out;
    } finally {
      await f.close();
    }
  }
  const bytes = new Uint8Array(await readFile(path));
  const members = listNpz(bytes, path);
  return keys.map((key) => {
    const m = members.find((x) => x.key === key);
    if (!m) throw new FormatError('NPZ', `shard has no member ${key}`, { file: path, path: key });
    return decodeNpzMember(bytes, m, path).array;
  });
}

export class PhaseDataset {
  readonly samples: ShardedSamples<ManifestShard>;

  private constructor(
    readonly dir: string,
    readonly manifest: DatasetManifest,
    readonly key: ProfileKey,
  ) {
    this.samples = new ShardedSamples(manifest.shards, (s) => this.decode(s), dir);
  }

  /** Open a dataset directory (or its manifest.json), its shards verified (see `verifyShards`). */
  static async open(
    path: string,
    key: ProfileKey = '1d/x_px',
    o: PhaseDatasetOpenOptions = {},
  ): Promise<PhaseDataset> {
    const abs = resolve(path);
    const file = abs.endsWith('.json') ? abs : join(abs, MANIFEST_NAME);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ValidationError(`cannot read ${file}: ${(err as Error).message}`, 'data', {
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
    const dir = join(file, '..');
    if (o.verify ?? true) await verifyShards(dir, parsed.shards, file);
    return new PhaseDataset(dir, parsed, key);
  }

  get id(): string {
    return this.manifest.id;
  }

  get classes(): readonly string[] {
    return this.manifest.classes;
  }

  /** Patterns listed in the manifest (complete shards only). */
  get size(): number {
    return this.samples.size;
  }

  private shardPath(shard: ManifestShard): string {
    return join(this.dir, shard.file);
  }

  private async decode(shard: ManifestShard) {
    const path = this.shardPath(shard);
    const [xa, ya] = await readShardMembers(path, this.manifest.fileFormat, [this.key, LABELS]);
    const [n, width] = xa!.shape;
    if (xa!.shape.length !== 2 || n !== shard.count || ya!.shape[0] !== shard.count) {
      throw new FormatError(
        this.manifest.fileFormat.toUpperCase(),
        'shard does not hold the patterns the manifest lists',
        {
          file: path,
          path: this.key,
          expected: `(${shard.count}, width) and (${shard.count},)`,
          found: `[${xa!.shape.join(', ')}] and [${ya!.shape.join(', ')}]`,
        },
      );
    }
    const x = xa!.dtype === 'float32' ? (xa!.data as Float32Array) : toFloat32(xa!);
    const y = Int32Array.from(toFloat32(ya!), (v) => Math.round(v));
    return { x, y, sampleShape: [width!] };
  }

  /** One shard's profiles and labels. */
  async readShard(
    shard: ManifestShard,
  ): Promise<{ x: Float32Array; y: Int32Array; width: number }> {
    const d = await this.samples.readShard(shard);
    return { x: d.x, y: d.y, width: d.sampleShape[0]! };
  }

  /** Batches in a seeded order (see `BatchOptions`). */
  batches(o: BatchOptions): AsyncGenerator<SampleBatch> {
    return this.samples.batches(o);
  }

  /** The q-axis [Å⁻¹] of the profiles, from the first shard (NPZ or HDF5 alike). */
  async qAxis(): Promise<Float64Array> {
    const shard = this.manifest.shards[0];
    if (!shard) throw new ValidationError(`dataset ${this.dir} has no complete shard`, 'data');
    const [axis] = await readShardMembers(this.shardPath(shard), this.manifest.fileFormat, [
      AXIS_MEMBER[this.key],
    ]);
    return toFloat64(axis!);
  }
}
