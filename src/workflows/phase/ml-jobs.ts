/**
 * The phase workflow's training and batch prediction as job types, so that they run wherever
 * the job system runs jobs (a pool thread, a `bragg worker` process through BullMQ) and not in
 * the process that submits them (the server). The payload is the run's options, checked here;
 * the tensor backend is started inside the thread that runs the job (it is per thread), from
 * the payload's `backend`. The heavy modules (tfjs, the trainer) are imported when a job runs,
 * so the threads that only run dataset shards never load them.
 *
 * Progress (`ctx.progress`): `{type: 'start', epochs}`, `{type: 'batch', epoch, batch, loss,
 * accuracy}` (coalesced), `{type: 'epoch', …EpochRecord}` and `{type: 'checkpoint', epoch}`
 * (milestones); a prediction `{type: 'map', index, total, ny, nx}`. A stop (`ctx.signal`)
 * ends a training between two batches: nothing of the model is written, the checkpoints of
 * `checkpointDir` stay.
 */
import { z } from 'zod';
import type { JobContext, JobType } from '../../jobs/types.js';
import type { TrainCallback } from '../../ml/train/callbacks.js';
import { interruptedError, throwIfStopped } from '../command.js';
import { backendOptions, backendSchema } from '../ml-job.js';

export { backendPayload, type BackendPayload } from '../ml-job.js';

export const PHASE_TRAIN_JOB = 'phase-train';
export const PHASE_PREDICT_JOB = 'phase-predict';

const trainPayload = z
  .object({
    data: z.string().min(1),
    outDir: z.string().min(1),
    epochs: z.number().int().min(1).max(100_000).optional(),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(1 << 16)
      .optional(),
    valSplit: z.number().gt(0).lt(1).optional(),
    seed: z.number().int().nonnegative().max(0xffffffff).optional(),
    learningRate: z.number().gt(0).max(10).optional(),
    schedule: z.enum(['constant', 'cosine']).optional(),
    patience: z.number().int().min(1).optional(),
    architecture: z
      .object({
        depth: z.number().int().min(1).max(16).optional(),
        filters: z.number().int().min(1).max(4096).optional(),
        kernelSize: z.number().int().min(1).max(256).optional(),
        dense: z
          .number()
          .int()
          .min(1)
          .max(1 << 16)
          .optional(),
        dropout: z.number().min(0).max(1).optional(),
        batchNorm: z.boolean().optional(),
      })
      .strict()
      .optional(),
    checkpointDir: z.string().min(1).optional(),
    resume: z.boolean().optional(),
    backend: backendSchema.optional(),
  })
  .strict();

export type PhaseTrainPayload = z.input<typeof trainPayload>;

/** What a training job returns (JSON): the model folder, its bundle metadata, the history. */
export interface PhaseTrainJobResult {
  modelDir: string;
  meta: { id: string; datasetIds?: string[] } & Record<string, unknown>;
  history: unknown[];
  confusion: { accuracy: number } & Record<string, unknown>;
}

/** Stops the trainer at its next event once `ctx.signal` aborts, and reports its progress. */
function trainProgress(ctx: JobContext): TrainCallback {
  return {
    onEvent(e): void {
      if (ctx.signal?.aborted) throw interruptedError('interrupted');
      if (e.type === 'batch') {
        const { epoch, batch, loss, accuracy } = e;
        ctx.progress({ type: 'batch', epoch, batch, loss, accuracy });
      } else if (e.type === 'start') ctx.progress(e, { milestone: true });
      else if (e.type === 'epoch') ctx.progress(e, { milestone: true });
      else if (e.type === 'checkpoint') {
        ctx.progress({ type: 'checkpoint', epoch: e.epoch, best: e.best }, { milestone: true });
      }
    },
  };
}

export const phaseTrainJob: JobType<z.output<typeof trainPayload>, PhaseTrainJobResult> = {
  name: PHASE_TRAIN_JOB,
  description: 'train a phase model from a phase dataset (bragg phase train)',
  payload: trainPayload,
  async run(p, ctx) {
    const { initBackend } = await import('../../ml/backend/select.js');
    const { trainPhaseModel } = await import('./train.js');
    const { backend, ...options } = p;
    await initBackend(backendOptions(backend));
    if (ctx.signal?.aborted) throw interruptedError('interrupted');
    const r = await trainPhaseModel({ ...options, callbacks: [trainProgress(ctx)] });
    return {
      modelDir: r.modelDir,
      meta: r.meta as unknown as PhaseTrainJobResult['meta'],
      history: r.history,
      confusion: r.confusion as unknown as PhaseTrainJobResult['confusion'],
    };
  },
};

const predictPayload = z
  .object({
    modelDir: z.string().min(1),
    maps: z.array(z.string().min(1)).min(1).max(10_000),
    outDir: z.string().min(1),
    backend: backendSchema.optional(),
  })
  .strict();

export type PhasePredictPayload = z.input<typeof predictPayload>;

export interface PhasePredictJobResult {
  modelId: string;
  maps: { map: string; npz: string; png: string; ny: number; nx: number }[];
}

export const phasePredictJob: JobType<z.output<typeof predictPayload>, PhasePredictJobResult> = {
  name: PHASE_PREDICT_JOB,
  description: 'predict phase maps with a phase model (bragg phase predict)',
  payload: predictPayload,
  async run(p, ctx) {
    const { initBackend } = await import('../../ml/backend/select.js');
    const { loadBundle } = await import('../../ml/store/bundle.js');
    const { trackedPhasePrediction } = await import('./runs.js');
    await initBackend(backendOptions(p.backend));
    const bundle = await loadBundle(p.modelDir);
    const signal = ctx.signal ?? new AbortController().signal;
    try {
      throwIfStopped(signal, 'interrupted');
      // no registry: the run is recorded by whoever queued the job
      const done = await trackedPhasePrediction(
        undefined,
        {
          bundle,
          maps: p.maps,
          outDir: p.outDir,
          onMap: (m, i) =>
            ctx.progress(
              { type: 'map', index: i, total: p.maps.length, ny: m.prediction.ny, nx: m.prediction.nx }, // prettier-ignore
              { milestone: true },
            ),
        },
        signal,
      );
      return {
        modelId: bundle.meta.id,
        maps: done.map((m) => ({ map: m.map, npz: m.npz, png: m.png, ny: m.prediction.ny, nx: m.prediction.nx })), // prettier-ignore
      };
    } finally {
      bundle.model.dispose();
    }
  },
};
