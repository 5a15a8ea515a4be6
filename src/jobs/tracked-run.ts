/**
 * Runs without shards (a training run, a batch prediction) in the run registry: begun as
 * `running`, finished as `completed`, `failed` or `interrupted`, with the files they wrote as
 * artifacts and their lineage (dataset id → model id → prediction), so `bragg runs show` tells
 * where a model or a prediction came from.
 */
import { errorToData } from '../core/errors.js';
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
