/**
 * The `peaks-scan` job type: one synthetic scan of a peaks dataset — the NeXus scan in the I16
 * layout (`<scan>.nxs`) and its label file (`<scan>_labels.h5`). Both are rendered in one
 * pass; the scan is published first, the label file last (its presence marks the shard done,
 * its sha256 is the shard's record). Same payload → same bytes.
 */
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { publishAtomically, sha256File, tempNameFor } from '../../../jobs/output.js';
import type { JobType, ShardResult } from '../../../jobs/types.js';
import { planScan, SCENE_PRESETS } from './scene.js';
import { writeSyntheticScan } from './write-scan.js';

const payload = z
  .object({
    outDir: z.string().min(1),
    /** Scan file name without extension, e.g. `scan_0003`. */
    scan: z.string().regex(/^[A-Za-z0-9_-]+$/),
    seed: z.number().int().nonnegative(),
    frames: z.number().int().min(1).max(100_000),
    height: z.number().int().min(8).max(4096),
    width: z.number().int().min(8).max(4096),
    density: z.number().min(0).max(20),
    preset: z.enum(SCENE_PRESETS).optional(),
  })
  .strict();

export type PeaksScanPayload = z.input<typeof payload>;

export const scanFile = (scan: string): string => `${scan}.nxs`;
export const labelFile = (scan: string): string => `${scan}_labels.h5`;

export const peaksScanJob: JobType<z.output<typeof payload>, ShardResult> = {
  name: 'peaks-scan',
  description: 'simulate one synthetic detector scan (I16 NeXus layout) and its peak labels',
  payload,
  async run(p, ctx) {
    const t0 = performance.now();
    const finalLabels = join(p.outDir, labelFile(p.scan));
    const finalScan = join(p.outDir, scanFile(p.scan));
    const written = await publishAtomically(finalLabels, async (tmpLabels) => {
      const plan = planScan({
        frames: p.frames,
        height: p.height,
        width: p.width,
        seed: p.seed,
        density: p.density,
        ...(p.preset !== undefined ? { preset: p.preset } : {}),
      });
      const tmpScan = tempNameFor(finalScan);
      try {
        await writeSyntheticScan(plan, tmpScan, tmpLabels, scanFile(p.scan));
        if (ctx.signal?.aborted) throw new Error('aborted');
        await publishAtomically(finalScan, (t) => rename(tmpScan, t));
      } finally {
        await unlink(tmpScan).catch(() => undefined);
      }
    });
    return {
      shardId: p.scan,
      file: labelFile(p.scan),
      count: p.frames,
      sha256: await sha256File(finalLabels),
      written,
      ms: performance.now() - t0,
      worker: ctx.worker,
    };
  },
};
