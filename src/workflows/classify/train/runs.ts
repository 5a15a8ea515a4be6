/**
 * `bragg classify train` as a recorded run (`trackRun`, kind `classify-train`): the options →
 * the bundle, with lineage dataset id(s) → model id, as `phase/runs.ts` records its trainings.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { canonicalJson, sha256Hex } from '../../../core/hash.js';
import type { RunRegistry } from '../../../jobs/run-registry.js';
import { trackRun } from '../../../jobs/tracked-run.js';
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
  const { callbacks: _c, ...recorded } = options;
  return trackRun(
    registry,
    {
      id,
      kind: 'classify-train',
      configHash: sha256Hex(canonicalJson(recorded)),
      config: recorded,
      outDir: resolve(options.outDir),
    },
    async () => {
      const value = await trainClassifyModel(options);
      return {
        value,
        artifacts: [{ kind: 'model', path: value.modelDir }],
        lineage: [
          ...value.meta.datasetIds.map((refId) => ({
            role: 'input' as const,
            kind: 'dataset',
            refId,
          })),
          { role: 'output' as const, kind: 'model', refId: value.meta.id },
        ],
      };
    },
    signal,
  );
}
