/**
 * The peaks workflow's scan prediction as a job type (`peaks-predict`), so that a whole scan —
 * thousands of frames, beyond what one request of `POST /api/peaks/predict` takes — runs where
 * the job system runs jobs (a pool thread, a `bragg worker` process through BullMQ), not in the
 * process that submits it. It is `predictScan` (the CLI's `bragg peaks predict`): the masks
 * file, the peak table, the volume, overlays and projections in `outDir`. The payload is
 * checked here; the tensor backend is started inside the thread that runs the job (only for
 * a model; the classic finder needs none); tfjs and the model are imported when a job runs.
 *
 * Progress (`ctx.progress`): `{type: 'frames', done, total}` after each block of frames. A stop
 * (`ctx.signal`) ends the prediction before the next block.
 */
import { z } from 'zod';
import { LimitError } from '../../core/errors.js';
import type { JobType } from '../../jobs/types.js';
import { interruptedError } from '../command.js';
import { backendOptions, backendSchema } from '../ml-job.js';

export const PEAKS_PREDICT_JOB = 'peaks-predict';

/** Most frames one `peaks-predict` job takes (the long scan). */
export const MAX_JOB_FRAMES = 10_000;

/** A prediction of `n` frames fits one job, or a LimitError on `frames`. */
export function checkJobFrames(n: number): void {
  if (n > MAX_JOB_FRAMES) {
    throw new LimitError('frames of one peaks-predict job', {
      value: n,
      limit: MAX_JOB_FRAMES,
      field: 'frames',
      hint: 'give a frame range [a, b) and submit the rest as further jobs',
    });
  }
}

const finitePositive = z.number().finite().positive();

const classicSchema = z
  .object({
    radius: z.number().int().min(1).max(512).optional(),
    passes: z.number().int().min(0).max(100).optional(),
    clip: finitePositive.optional(),
    grid: z.number().int().min(1).max(512).optional(),
    snr: finitePositive.optional(),
    growSnr: finitePositive.optional(),
    fraction: z.number().gt(0).lt(1).optional(),
    minCounts: z.number().finite().nonnegative().optional(),
    minPixels: z.number().int().min(1).optional(),
    maxPixels: z.number().int().min(1).optional(),
  })
  .strict();

const predictPayload = z
  .object({
    scan: z.string().min(1),
    outDir: z.string().min(1),
    /** Frames [a, b) (default all, at most MAX_JOB_FRAMES). */
    frames: z
      .tuple([z.number().int().nonnegative(), z.number().int().positive()])
      .refine(([a, b]) => a < b && b - a <= MAX_JOB_FRAMES, {
        message: `frames [a, b) with a < b and at most ${MAX_JOB_FRAMES} frames`,
      })
      .optional(),
    /** A model bundle's folder (absent: the classic finder). */
    modelDir: z.string().min(1).optional(),
    threshold: z.number().min(0).max(1).optional(),
    nmsIou: z.number().min(0).max(1).optional(),
    /** The U-Net only near significant 3×3 sums (`bragg peaks predict --gate`). */
    gate: z.number().min(0).max(1000).optional(),
    classic: classicSchema.optional(),
    dataset: z.string().min(1).max(1024).optional(),
    overlays: z.number().int().min(0).max(1000).optional(),
    backend: backendSchema.optional(),
  })
  .strict();

export type PeaksPredictPayload = z.input<typeof predictPayload>;

/** What a scan prediction job returns (JSON): the files it wrote and the counts. */
export interface PeaksPredictJobResult {
  scan: string;
  frames: [number, number];
  peaks: number;
  framesWithPeaks: number;
  masks: string;
  table: string;
  volume: string;
  overlays: string[];
  projections: string[];
  elapsedS: number;
}

export const peaksPredictJob: JobType<z.output<typeof predictPayload>, PeaksPredictJobResult> = {
  name: PEAKS_PREDICT_JOB,
  description: 'per-peak masks, the peak table and the volume of a scan (bragg peaks predict)',
  payload: predictPayload,
  async run(p, ctx) {
    const { predictScan } = await import('./predict/predict.js');
    if (p.modelDir !== undefined) {
      const { initBackend } = await import('../../ml/backend/select.js');
      await initBackend(backendOptions(p.backend));
    }
    if (ctx.signal?.aborted) throw interruptedError('interrupted');
    if (p.frames === undefined) {
      // the whole scan: refuse one longer than a job takes before anything is written
      const { openScan } = await import('./scan/input.js');
      const scan = await openScan(p.scan, p.dataset !== undefined ? { dataset: p.dataset } : {});
      const n = scan.info.frames;
      await scan.close();
      checkJobFrames(n);
    }
    const r = await predictScan({
      scan: p.scan,
      outDir: p.outDir,
      ...(p.frames !== undefined ? { frames: p.frames } : {}),
      method:
        p.modelDir === undefined
          ? 'classic'
          : {
              model: p.modelDir,
              ...(p.threshold !== undefined ? { threshold: p.threshold } : {}),
              ...(p.nmsIou !== undefined ? { nmsIou: p.nmsIou } : {}),
              ...(p.gate !== undefined ? { gate: p.gate } : {}),
            },
      ...(p.classic !== undefined ? { classic: p.classic } : {}),
      ...(p.dataset !== undefined ? { dataset: p.dataset } : {}),
      ...(p.overlays !== undefined ? { overlays: p.overlays } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onProgress: (done, total) => ctx.progress({ type: 'frames', done, total }),
    });
    return {
      scan: p.scan,
      frames: r.frames,
      peaks: r.peaks,
      framesWithPeaks: r.framesWithPeaks,
      masks: r.masks,
      table: r.table,
      volume: r.volume,
      overlays: r.overlays,
      projections: r.projections ?? [],
      elapsedS: r.elapsedS,
    };
  },
};
