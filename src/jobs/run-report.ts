/**
 * What `bragg runs list --json` / `runs show --json` and the Web API's `GET /api/runs`,
 * `GET /api/runs/:id` report of the run registry, built once.
 */
import type {
  ArtifactRecord,
  LineageRecord,
  RunRecord,
  RunRegistry,
  ShardRecord,
} from './run-registry.js';

/** A run as listed: its record without the config. */
export type RunSummary = Omit<RunRecord, 'config'>;

export interface RunReport {
  run: RunRecord;
  shards: ShardRecord[];
  artifacts: ArtifactRecord[];
  lineage: LineageRecord[];
}

/** The `limit` most recently updated runs. */
export function runSummaries(registry: RunRegistry, limit: number): RunSummary[] {
  return registry.listRuns(limit).map(({ config: _c, ...r }) => r);
}

/** One run (by id or unique prefix) with its shards, artifacts and lineage. */
export function runReport(registry: RunRegistry, idOrPrefix: string): RunReport {
  const run = registry.getRun(idOrPrefix);
  return {
    run,
    shards: registry.shards(run.id),
    artifacts: registry.artifacts(run.id),
    lineage: registry.lineage(run.id),
  };
}
