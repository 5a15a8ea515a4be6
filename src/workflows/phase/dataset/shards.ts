/**
 * Splitting a sweep into shards: one per seed × class × orientation block. Each shard has a
 * stable id, a file name and a seed derived from the sweep seed (`deriveSeed`), so a shard's
 * patterns do not depend on which worker makes them, or when.
 */
import { deriveSeed } from '../../../core/rng.js';
import type { ResolvedSweep } from './sweep.js';

export interface ShardSpec {
  /** `s<seedIndex>-c<class>-b<block>`; unique within a dataset. */
  id: string;
  seedIndex: number;
  /** The sweep seed this shard belongs to. */
  seed: number;
  /** Label of the shard's patterns (index into `classes`). */
  classIndex: number;
  /** Phase index, or undefined for the background class. */
  phaseIndex: number | undefined;
  block: number;
  /** First orientation index (within this seed and class) and number of patterns. */
  start: number;
  count: number;
  /** Seed of this shard's random stream. */
  shardSeed: number;
  /** File name relative to the dataset directory. */
  file: string;
}

export function shardExtension(format: 'hdf5' | 'npz'): string {
  return format === 'hdf5' ? 'hdf5' : 'npz';
}

/** All shards of a sweep, in a fixed order (seed, class, block). */
export function planShards(r: ResolvedSweep): ShardSpec[] {
  const { sweep } = r;
  const n = sweep.orientations.count;
  const blocks = Math.ceil(n / sweep.chunkSize);
  const ext = shardExtension(sweep.output.format);
  const out: ShardSpec[] = [];
  for (const [seedIndex, seed] of sweep.seeds.entries()) {
    for (let classIndex = 0; classIndex < r.classes.length; classIndex++) {
      const phaseIndex = classIndex < r.phases.length ? classIndex : undefined;
      for (let block = 0; block < blocks; block++) {
        const start = block * sweep.chunkSize;
        const id = `s${seedIndex}-c${classIndex}-b${block}`;
        out.push({
          id,
          seedIndex,
          seed,
          classIndex,
          phaseIndex,
          block,
          start,
          count: Math.min(sweep.chunkSize, n - start),
          shardSeed: deriveSeed(seed, 'class', classIndex, 'block', block),
          file: `shards/${id}.${ext}`,
        });
      }
    }
  }
  return out;
}

/** Patterns in the whole dataset. */
export function totalPatterns(shards: readonly ShardSpec[]): number {
  return shards.reduce((s, x) => s + x.count, 0);
}
