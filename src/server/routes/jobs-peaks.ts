/**
 * The peaks workflow's scan prediction as the Web API submits it (`POST /api/jobs` with
 * `workflow: 'peaks', kind: 'predict'`): a whole scan or a frame range — up to
 * `MAX_JOB_FRAMES`, far beyond one `POST /api/peaks/predict` — through a trained model
 * (`model: <id>`) or, without one, the classic finder. The scan, its frame range and the model
 * are checked before anything runs (a bad request is a 4xx, never a failed run); the
 * prediction then runs as a `peaks-predict` job on the server's executor (a one-thread pool,
 * or BullMQ with `--redis`), is recorded in the run registry (kind `peaks-predict`), and its
 * files — masks, peak table, volume, overlays, projections — come back as uploads.
 */
import { randomUUID } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { canonicalJson, sha256Hex } from '../../core/hash.js';
import { ValidationError } from '../../core/errors.js';
import { runSingleJob } from '../../jobs/single-job.js';
import { trackRun } from '../../jobs/tracked-run.js';
import { findModel } from '../../ml/store/model-folders.js';
import {
  checkJobFrames,
  PEAKS_PREDICT_JOB,
  type PeaksPredictJobResult,
} from '../../workflows/peaks/ml-jobs.js';
import { openScan } from '../../workflows/peaks/scan/input.js';
import { backendPayload } from '../../workflows/ml-job.js';
import {
  isFileRef,
  isObject,
  ML_STOP_GRACE_MS,
  uploadOutputs,
  withMlExecutor,
  type JobsEnv,
  type PreparedRun,
} from './jobs-phase.js';

export interface PeaksPredictOptions {
  frames?: [number, number] | undefined;
  dataset?: string | undefined;
  overlays?: number | undefined;
  threshold?: number | undefined;
  nmsIou?: number | undefined;
  gate?: number | undefined;
}

export async function preparePeaksPrediction(
  model: string | undefined,
  input: unknown,
  options: PeaksPredictOptions,
  env: JobsEnv,
): Promise<PreparedRun> {
  const m = model === undefined ? undefined : await findModel(env.ctx.modelsRoot, model, 'model');
  if (m !== undefined && m.meta.workflow !== 'peaks') {
    throw new ValidationError(
      `model ${model} is a ${String(m.meta.workflow ?? 'non-peaks')} model, not a peaks one`,
      'model',
    );
  }
  const f = (['threshold', 'nmsIou', 'gate'] as const).find((k) => options[k] !== undefined);
  if (m === undefined && f !== undefined) {
    throw new ValidationError('a model option: the classic finder (no model) has none', `options.${f}`); // prettier-ignore
  }
  if (Array.isArray(input)) throw new ValidationError('a peaks job predicts one scan', 'input');
  if (!isFileRef(input)) throw new ValidationError('expected {root, path}', 'input');
  const scanPath = await env.ctx.resolveFile(input, 'input.path');
  // the stack and the frame range are checked here, so that a bad one is a 4xx
  const scan = await openScan(
    scanPath,
    options.dataset !== undefined ? { dataset: options.dataset } : {},
  );
  const n = scan.info.frames;
  await scan.close();
  const [a, b] = options.frames ?? [0, n];
  if (!(a < b && b <= n)) {
    throw new ValidationError(`frames [${a}, ${b}) outside the scan's ${n} frames`, 'options.frames'); // prettier-ignore
  }
  checkJobFrames(b - a);
  const runId = `peaks-predict-${randomUUID().slice(0, 8)}`;
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return {
    runId,
    kind: 'predict',
    ml: true,
    run: (live) =>
      withMlExecutor(env, async (executor, registry) => {
        const outDir = join(env.workDir, 'predictions', runId);
        live.progressed({ done: 0, total: b - a, failed: 0 });
        const r = await trackRun(
          registry,
          {
            id: runId,
            kind: 'peaks-predict',
            configHash: sha256Hex(canonicalJson({ model: m?.meta.id ?? 'classic', scanPath, options: given })), // prettier-ignore
            config: { model: m?.dir ?? 'classic', scan: resolve(scanPath), ...given },
            outDir: resolve(outDir),
            executor: executor.name,
          },
          async () => {
            const done = (await runSingleJob(executor, {
              runId,
              key: 'predict',
              request: {
                type: PEAKS_PREDICT_JOB,
                payload: {
                  scan: scanPath,
                  outDir,
                  ...given,
                  ...(m !== undefined
                    ? { modelDir: m.dir, backend: backendPayload(env.ctx.command.backendConfig()) } // prettier-ignore
                    : {}),
                },
              },
              stopGraceMs: ML_STOP_GRACE_MS,
              attempts: 1,
              signal: live.signal,
              onProgress: (d) => {
                if (!isObject(d) || d.type !== 'frames' || typeof d.done !== 'number') return;
                live.progressed({ done: d.done, total: b - a, failed: 0 });
              },
            })) as PeaksPredictJobResult;
            live.log(`${basename(scanPath)}: ${done.peaks} peaks in ${done.framesWithPeaks} of ${b - a} frames`); // prettier-ignore
            return {
              value: done,
              artifacts: [
                { kind: 'peak-masks', path: done.masks },
                { kind: 'peak-table', path: done.table },
                { kind: 'volume', path: done.volume },
              ],
              lineage: [
                { role: 'input' as const, kind: 'scan', refId: resolve(scanPath) },
                ...(m !== undefined ? [{ role: 'input' as const, kind: 'model', refId: m.meta.id }] : []), // prettier-ignore
                { role: 'output' as const, kind: 'peak-masks', refId: done.masks },
              ],
            };
          },
          live.signal,
        );
        const files = [
          { kind: 'peak-masks', file: r.masks },
          { kind: 'peak-table', file: r.table },
          { kind: 'volume', file: r.volume },
          ...r.overlays.map((file) => ({ kind: 'overlay', file })),
          ...r.projections.map((file) => ({ kind: 'projection', file })),
        ];
        return { status: 'completed', outputs: await uploadOutputs(env, files) };
      }),
  };
}
