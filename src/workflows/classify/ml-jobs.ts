/**
 * The classify workflow's batch prediction as a job type (`classify-predict`), so that a batch
 * of images runs wherever the job system runs jobs (a pool thread, a `bragg worker` process
 * through BullMQ) and not in the process that submits it (the server). The payload is checked
 * here; the tensor backend is started inside the thread that runs the job, from the payload's
 * `backend`; tfjs and the models are imported when a job runs.
 *
 * Progress (`ctx.progress`, milestones): `{type: 'input', index, total, images}` after each
 * input. A stop (`ctx.signal`) ends the batch before the next input.
 */
import { z } from 'zod';
import type { JobType } from '../../jobs/types.js';
import { interruptedError } from '../command.js';
import { backendOptions, backendSchema } from '../ml-job.js';

export const CLASSIFY_PREDICT_JOB = 'classify-predict';

const key = z.string().min(1).max(256);

const predictPayload = z
  .object({
    modelDir: z.string().min(1),
    inputs: z.array(z.string().min(1)).min(1).max(10_000),
    outDir: z.string().min(1),
    batchSize: z.number().int().min(1).max(4096).optional(),
    overlays: z.number().int().min(0).max(100_000).optional(),
    method: z.enum(['gradcam++', 'gradcam']).optional(),
    layout: z
      .object({
        image: key,
        label: key,
        height: key,
        width: key,
        format: key,
        bunch: key.optional(),
      })
      .strict()
      .optional(),
    backend: backendSchema.optional(),
  })
  .strict();

export type ClassifyPredictPayload = z.input<typeof predictPayload>;

/** What a batch prediction job returns (JSON): the model id and, per input, its files. */
export interface ClassifyPredictJobResult {
  model: string;
  images: number;
  outputs: {
    input: string;
    dir: string;
    images: number;
    bunchIds: boolean;
    h5: string;
    txt: string;
    overlays: string[];
  }[];
}

export const classifyPredictJob: JobType<
  z.output<typeof predictPayload>,
  ClassifyPredictJobResult
> = {
  name: CLASSIFY_PREDICT_JOB,
  description: 'classes, probabilities and Grad-CAM++ maps of image files (bragg classify predict)',
  payload: predictPayload,
  async run(p, ctx) {
    const { initBackend } = await import('../../ml/backend/select.js');
    const { predictClassifyBatch } = await import('./predict.js');
    await initBackend(backendOptions(p.backend));
    if (ctx.signal?.aborted) throw interruptedError('interrupted');
    const { modelDir, backend: _backend, ...rest } = p;
    const r = await predictClassifyBatch({
      ...rest,
      model: modelDir,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onInput: (index, out) =>
        ctx.progress(
          { type: 'input', index, total: p.inputs.length, images: out.images },
          { milestone: true },
        ),
    });
    return {
      model: r.model,
      images: r.images,
      outputs: r.outputs.map((o) => ({
        input: o.input,
        dir: o.dir,
        images: o.images,
        bunchIds: o.bunchIds,
        h5: o.h5,
        txt: o.txt,
        overlays: o.overlays,
      })),
    };
  },
};
