/**
 * The classify workflow's batch prediction as the Web API submits it (`POST /api/jobs` with
 * `workflow: 'classify', kind: 'predict'`): the model and every input are found before anything
 * runs (a bad request is a 4xx, never a failed run); the batch then runs as a
 * `classify-predict` job on the server's executor (a one-thread pool, or BullMQ with
 * `--redis`), is recorded in the run registry (kind `classify-predict`), and each input's
 * `predictions.h5` and `predictions.txt` come back as uploads.
 */
import { basename, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../../core/hash.js';
import { ValidationError } from '../../core/errors.js';
import { runSingleJob } from '../../jobs/single-job.js';
import { trackRun } from '../../jobs/tracked-run.js';
import { findModel } from '../../ml/store/model-folders.js';
import {
  CLASSIFY_PREDICT_JOB,
  type ClassifyPredictJobResult,
} from '../../workflows/classify/ml-jobs.js';
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

/** Most input files of one classify batch run. */
export const MAX_CLASSIFY_INPUTS = 100;

export interface ClassifyPredictOptions {
  method?: 'gradcam++' | 'gradcam' | undefined;
  overlays?: number | undefined;
  batchSize?: number | undefined;
}

export async function prepareClassifyPrediction(
  model: string,
  input: unknown,
  options: ClassifyPredictOptions,
  env: JobsEnv,
): Promise<PreparedRun> {
  const m = await findModel(env.ctx.modelsRoot, model, 'model');
  if (m.meta.workflow !== 'classify') {
    throw new ValidationError(
      `model ${model} is a ${String(m.meta.workflow ?? 'non-classify')} model, not a classify one`,
      'model',
    );
  }
  const refs = Array.isArray(input) ? input : [input];
  if (refs.length === 0 || refs.length > MAX_CLASSIFY_INPUTS) {
    throw new ValidationError(`expected 1…${MAX_CLASSIFY_INPUTS} files, got ${refs.length}`, 'input'); // prettier-ignore
  }
  const inputs: string[] = [];
  for (const [i, ref] of refs.entries()) {
    const field = Array.isArray(input) ? `input[${i}]` : 'input';
    if (!isFileRef(ref)) throw new ValidationError('expected {root, path}', field);
    inputs.push(await env.ctx.resolveFile(ref, `${field}.path`));
  }
  const runId = `classify-predict-${randomUUID().slice(0, 8)}`;
  return {
    runId,
    kind: 'predict',
    ml: true,
    run: (live) =>
      withMlExecutor(env, async (executor, registry) => {
        const outDir = join(env.workDir, 'predictions', runId);
        live.progressed({ done: 0, total: inputs.length, failed: 0 });
        const r = await trackRun(
          registry,
          {
            id: runId,
            kind: 'classify-predict',
            configHash: sha256Hex(canonicalJson({ model: m.meta.id, inputs, options })),
            config: { model: m.dir, inputs: inputs.map((x) => resolve(x)), ...options },
            outDir: resolve(outDir),
            executor: executor.name,
          },
          async () => {
            const done = (await runSingleJob(executor, {
              runId,
              key: 'predict',
              request: {
                type: CLASSIFY_PREDICT_JOB,
                payload: {
                  modelDir: m.dir,
                  inputs,
                  outDir,
                  ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
                  backend: backendPayload(env.ctx.command.backendConfig()),
                },
              },
              stopGraceMs: ML_STOP_GRACE_MS,
              attempts: 1,
              signal: live.signal,
              onProgress: (d) => {
                if (!isObject(d) || d.type !== 'input' || typeof d.index !== 'number') return;
                live.progressed({ done: d.index + 1, total: inputs.length, failed: 0 });
                live.log(`${basename(inputs[d.index] ?? '')}: ${String(d.images)} images`);
              },
            })) as ClassifyPredictJobResult;
            return {
              value: done,
              artifacts: done.outputs.flatMap((x) => [
                { kind: 'prediction', path: x.h5 },
                { kind: 'prediction-text', path: x.txt },
              ]),
              lineage: [
                { role: 'input' as const, kind: 'model', refId: done.model },
                ...done.outputs.map((x) => ({
                  role: 'output' as const,
                  kind: 'prediction',
                  refId: x.h5,
                })),
              ],
            };
          },
          live.signal,
        );
        // one name per input: its folder (index and stem) and the file
        const files = r.outputs.flatMap((o) => [
          { kind: 'prediction', file: o.h5, name: `${basename(o.dir)}-${basename(o.h5)}` },
          { kind: 'prediction-text', file: o.txt, name: `${basename(o.dir)}-${basename(o.txt)}` },
        ]);
        return { status: 'completed', outputs: await uploadOutputs(env, files) };
      }),
  };
}
