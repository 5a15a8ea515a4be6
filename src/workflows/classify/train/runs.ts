/**
 * `bragg classify train` as a recorded run (`trackRun`, kind `classify-train`): the options →
 * the bundle, with lineage dataset id(s) → model id, as `phase/runs.ts` records its trainings.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { RunRegistry } from '../../../jobs/run-registry.js';
import { trackTraining } from '../../../jobs/tracked-run.js';
import {
  trainClassifyModel,
  type ClassifyTrainOptions,
  type ClassifyTrainResult,
} from './train.js';

export function trackedClassifyTraining(
  registry: RunRegistry | undefined,
  options: ClassifyTrainOptions,
  signal: AbortSignal,
  id = `train-${randomUUID().slice(0, 8)}`,
): Promise<ClassifyTrainResult> {
  return trackTraining(registry, options, trainClassifyModel, {
    id,
    kind: 'classify-train',
    outDir: resolve(options.outDir),
    signal,
  });
}
