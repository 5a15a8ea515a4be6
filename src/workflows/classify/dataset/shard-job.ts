/**
 * The `classify-shard` job type: images [start, start + count) of one split of a synthetic
 * single-shot dataset → one TFRecord file in AiryNet's layout (`image/encoded` raw uint16,
 * `image/height`, `image/width`, `image/class/label` int16 multi-hot over the 11 helium
 * classes, `image/format` = raw), published atomically. Same payload → same bytes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BraggError } from '../../../core/errors.js';
import { createRng } from '../../../core/rng.js';
import { encodeExample } from '../../../formats/tfrecord/example.js';
import { tfrecordBytes, singleShotExample } from '../../../formats/tfrecord/writer.js';
import { publishAtomically, sha256File } from '../../../jobs/output.js';
import type { JobType, ShardResult } from '../../../jobs/types.js';
import { PatternEngine } from '../../../simulate/single-shot/pattern.js';
import { randomScene } from '../../../simulate/single-shot/scene.js';
import { simulateSingleShot } from '../../../simulate/single-shot/simulate.js';
import { imageSeed, SPLITS } from './plan.js';

const payload = z
  .object({
    outDir: z.string().min(1),
    id: z.string().min(1),
    file: z.string().min(1),
    split: z.enum(SPLITS),
    seed: z.number().int().nonnegative(),
    start: z.number().int().nonnegative(),
    count: z.number().int().min(1).max(100_000),
    size: z.number().int().min(16).max(2048),
  })
  .strict();

export type ClassifyShardPayload = z.input<typeof payload>;

/** The records of a shard (the TFRecord file's bytes). */
export async function shardBytes(
  p: z.output<typeof payload>,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const engine = await PatternEngine.create(p.size);
  try {
    const records: Uint8Array[] = [];
    for (let i = p.start; i < p.start + p.count; i++) {
      if (signal?.aborted)
        throw new BraggError('CANCELLED', `shard ${p.id} stopped before image ${i}`);
      const rng = createRng(imageSeed(p.seed, p.split, i));
      const scene = randomScene(rng, p.size);
      const img = simulateSingleShot(scene, engine, rng);
      records.push(encodeExample(singleShotExample(img.pixels, p.size, p.size, img.label)));
    }
    return tfrecordBytes(records);
  } finally {
    engine.dispose();
  }
}

export const classifyShardJob: JobType<z.output<typeof payload>, ShardResult> = {
  name: 'classify-shard',
  description: 'simulate synthetic single-shot diffraction images into one TFRecord shard',
  payload,
  async run(p, ctx) {
    const t0 = performance.now();
    const final = join(p.outDir, p.file);
    const written = await publishAtomically(final, async (tmp) => {
      await writeFile(tmp, await shardBytes(p, ctx.signal));
    });
    return {
      shardId: p.id,
      file: p.file,
      count: p.count,
      sha256: await sha256File(final),
      written,
      ms: performance.now() - t0,
      worker: ctx.worker,
    };
  },
};
