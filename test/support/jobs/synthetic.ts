/** Test and benchmark helpers: plans of `synthetic-shard` jobs. */
import { deriveSeed } from '../../../src/core/rng.js';
import type { PlannedShard } from '../../../src/jobs/sharded-run.js';
import type { SyntheticShardPayload } from '../../../src/jobs/synthetic-shard.js';

export function syntheticPlan(
  outDir: string,
  o: {
    shards: number;
    rows: number;
    width?: number;
    cpuMsPerRow?: number;
    poison?: string[];
    seed?: number;
  },
): PlannedShard[] {
  return Array.from({ length: o.shards }, (_, i) => {
    const shardId = `b${i}`;
    const file = `shards/${shardId}.bin`;
    const payload: SyntheticShardPayload = {
      outDir,
      shardId,
      file,
      seed: deriveSeed(o.seed ?? 1, 'block', i),
      count: o.rows,
      width: o.width ?? 8,
      cpuMsPerRow: o.cpuMsPerRow ?? 0,
      poison: o.poison?.includes(shardId) ?? false,
    };
    return { id: shardId, file, count: o.rows, request: { type: 'synthetic-shard', payload } };
  });
}
