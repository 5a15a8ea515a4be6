/**
 * `synthetic-shard`: a job type that writes a deterministic shard of seeded float32 rows
 * (raw little-endian bytes) after a given amount of CPU work. It exercises the job machinery
 * (pool, queue, idempotent outputs, failure reporting) without physics, and measures the
 * queue overhead in `bragg bench scale`. `poison: true` makes the job fail with a
 * ValidationError, as a bad input would.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { publishAtomically, sha256File } from './output.js';
import type { JobType, ShardResult } from './types.js';

const payload = z
  .object({
    outDir: z.string().min(1),
    shardId: z.string().min(1),
    file: z.string().min(1),
    seed: z.number().int().nonnegative(),
    /** Rows and row width (float32). */
    count: z.number().int().nonnegative().max(10_000_000),
    width: z.number().int().positive().max(100_000),
    /** Busy CPU time per row [ms] (no sleeping: it stands in for real computation). */
    cpuMsPerRow: z.number().nonnegative().max(10_000).default(0),
    poison: z.boolean().default(false),
  })
  .strict();

export type SyntheticShardPayload = z.input<typeof payload>;

function busy(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error('unreachable');
}

export const syntheticShardJob: JobType<z.output<typeof payload>, ShardResult> = {
  name: 'synthetic-shard',
  description: 'seeded float32 rows after simulated CPU work (tests and queue benchmarks)',
  payload,
  async run(p, ctx) {
    const t0 = performance.now();
    if (p.poison) {
      throw new ValidationError(`shard ${p.shardId} is poisoned on purpose`, 'poison');
    }
    const final = join(p.outDir, p.file);
    const written = await publishAtomically(final, async (tmp) => {
      const rng = createRng(p.seed);
      const data = new Float32Array(p.count * p.width);
      for (let r = 0; r < p.count; r++) {
        if (ctx.signal?.aborted) throw new Error('aborted');
        busy(p.cpuMsPerRow);
        for (let i = 0; i < p.width; i++) data[r * p.width + i] = rng.next();
      }
      await writeFile(tmp, new Uint8Array(data.buffer));
    });
    return {
      shardId: p.shardId,
      file: p.file,
      count: p.count,
      sha256: await sha256File(final),
      written,
      ms: performance.now() - t0,
      worker: ctx.worker,
    };
  },
};
