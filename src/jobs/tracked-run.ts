/**
 * Runs without shards (a training run, a batch prediction) in the run registry: begun as
 * `running`, finished as `completed`, `failed` or `interrupted`, with the files they wrote as
 * artifacts and their lineage (dataset id → model id → prediction), so `bragg runs show` tells
 * where a model or a prediction came from.
 */
import { errorToData } from '../core/errors.js';
import { canonicalJson, sha256Hex } from '../core/hash.js';
import type { Artifact } from './dataset-run.js';
import type { LineageRecord, RunRegistry } from './run-registry.js';

export interface TrackedRunSpec {
  id: string;
  /** e.g. `phase-train`, `phase-predict`. */
  kind: string;
  configHash: string;
  config: unknown;
  outDir: string;
  /** Recorded as the run's executor (`inline` for work on the calling thread). */
  executor?: string;
}

/** What a tracked run reports when it is done. */
export interface TrackedRunOutcome<T> {
  value: T;
  artifacts: readonly Artifact[];
  lineage: readonly LineageRecord[];
}

/**
 * Run `body` as a recorded run (with no registry, just run it). A failure is recorded with its
 * message and rethrown; an abort (`signal`) is recorded as interrupted.
 */
export async function trackRun<T>(
  registry: RunRegistry | undefined,
  spec: TrackedRunSpec,
  body: () => Promise<TrackedRunOutcome<T>>,
  signal?: AbortSignal,
): Promise<T> {
  if (!registry) return (await body()).value;
  registry.beginRun({
    id: spec.id,
    kind: spec.kind,
    executor: spec.executor ?? 'inline',
    configHash: spec.configHash,
    config: spec.config,
    outDir: spec.outDir,
    shards: [],
  });
  let out: TrackedRunOutcome<T>;
  try {
    out = await body();
  } catch (err) {
    const data = errorToData(err);
    registry.finishRun(
      spec.id,
      signal?.aborted ? 'interrupted' : 'failed',
      `${data.name}: ${data.message}`,
    );
    throw err;
  }
  for (const a of out.artifacts) registry.addArtifact(spec.id, a.kind, a.path);
  for (const l of out.lineage) registry.addLineage(spec.id, l.role, l.kind, l.refId);
  registry.finishRun(spec.id, 'completed');
  return out.value;
}

/** What a training returns, as far as its run record needs: the model folder and ids. */
export interface TrainedModel {
  modelDir: string;
  meta: { id: string; datasetIds?: readonly string[] };
}

export interface TrackTrainingOptions {
  /** Run id (e.g. `train-<8 hex>`). */
  id: string;
  /** Run kind (`phase-train`, `pacbed-train`, `classify-train`). */
  kind: string;
  /** The run's output folder as recorded. */
  outDir: string;
  /** Inputs beyond the dataset ids the model records (a training table). */
  inputs?: readonly LineageRecord[];
  signal?: AbortSignal;
  /** Where the training runs, as recorded (default `inline`: the calling thread). */
  executor?: string;
}

/**
 * A training as a recorded run, the same for every workflow: the options (without their
 * callbacks) are the config and its hash, the model folder the artifact, and the lineage
 * dataset id(s) (and `inputs`) → model id.
 */
export function trackTraining<O extends object, R extends TrainedModel>(
  registry: RunRegistry | undefined,
  options: O,
  train: (options: O) => Promise<R>,
  t: TrackTrainingOptions,
): Promise<R> {
  const recorded = { ...options } as Record<string, unknown>;
  delete recorded['callbacks'];
  return trackRun(
    registry,
    {
      id: t.id,
      kind: t.kind,
      configHash: sha256Hex(canonicalJson(recorded)),
      config: recorded,
      outDir: t.outDir,
      ...(t.executor !== undefined ? { executor: t.executor } : {}),
    },
    async () => {
      const value = await train(options);
      return {
        value,
        artifacts: [{ kind: 'model', path: value.modelDir }],
        lineage: [
          ...(t.inputs ?? []),
          ...(value.meta.datasetIds ?? []).map((refId) => ({
            role: 'input' as const,
            kind: 'dataset',
            refId,
          })),
          { role: 'output' as const, kind: 'model', refId: value.meta.id },
        ],
      };
    },
    t.signal,
  );
}
