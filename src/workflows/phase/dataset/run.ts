/**
 * `bragg simulate dataset`: a resolved sweep → its shards as `simulate-shard` jobs on any
 * executor → `manifest.json`, through the job runtime's one dataset pipeline (resume, run
 * registry, lineage). On resume, the sizes and sha256s of the manifest already there are the
 * record that existing shard files are checked against when the run registry has none (a
 * registry moved away, another host's registry, a run killed before it recorded a shard).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { RecordedFile } from '../../../jobs/output.js';
import type { DatasetRunOptions } from '../../../jobs/dataset-run.js';
import { runDataset } from '../../../jobs/dataset-run.js';
import type { PlannedShard, ShardedRunResult } from '../../../jobs/sharded-run.js';
import type { DatasetManifest, ManifestShard } from './manifest.js';
import { MANIFEST_NAME, buildManifest } from './manifest.js';
import { planShards } from './shards.js';
import type { ResolvedSweep } from './sweep.js';

export interface PhaseDatasetRunOptions extends DatasetRunOptions {
  sweep: ResolvedSweep;
  outDir: string;
}

export interface PhaseDatasetRunResult {
  runId: string;
  manifest: DatasetManifest;
  manifestPath: string;
  result: ShardedRunResult;
}

/** Prefix of phase dataset run ids (`ds-<dataset id>-<output directory hash>`). */
export const PHASE_DATASET_RUN_PREFIX = 'ds';

/**
 * The shard records of the manifest in `outDir`, if it is one of this dataset (same id and
 * shard format); otherwise none (a missing, unreadable or foreign manifest records nothing).
 */
export async function manifestRecords(
  outDir: string,
  r: ResolvedSweep,
): Promise<Map<string, RecordedFile>> {
  const records = new Map<string, RecordedFile>();
  let m: Partial<DatasetManifest>;
  try {
    m = JSON.parse(await readFile(join(outDir, MANIFEST_NAME), 'utf8')) as Partial<DatasetManifest>;
  } catch {
    return records;
  }
  if (m.id !== r.datasetId || m.fileFormat !== r.sweep.output.format) return records;
  if (!Array.isArray(m.shards)) return records;
  for (const s of m.shards as Partial<ManifestShard>[]) {
    if (typeof s.id !== 'string' || typeof s.sha256 !== 'string') continue;
    records.set(s.id, {
      sha256: s.sha256,
      ...(typeof s.bytes === 'number' ? { bytes: s.bytes } : {}),
    });
  }
  return records;
}

export async function runPhaseDataset(o: PhaseDatasetRunOptions): Promise<PhaseDatasetRunResult> {
  const r = o.sweep;
  const specs = planShards(r);
  const recorded = await manifestRecords(resolve(o.outDir), r);
  let manifest: DatasetManifest | undefined;
  const run = await runDataset(
    {
      kind: 'simulate-dataset',
      runPrefix: PHASE_DATASET_RUN_PREFIX,
      datasetId: r.datasetId,
      outDir: o.outDir,
      configHash: r.hash,
      config: { source: r.source, sweep: r.sweep },
      shards: ({ outDir }): PlannedShard[] =>
        specs.map((s) => {
          const phase = s.phaseIndex === undefined ? undefined : r.phases[s.phaseIndex]!;
          return {
            id: s.id,
            file: s.file,
            count: s.count,
            recorded: recorded.get(s.id),
            request: {
              type: 'simulate-shard',
              payload: {
                datasetId: r.datasetId,
                outDir,
                classes: r.classes,
                sweep: r.sweep,
                phase: phase
                  ? {
                      name: phase.name,
                      cifFile: basename(phase.cifPath),
                      cifText: phase.cifText,
                      cifSha256: phase.cifSha256,
                    }
                  : null,
                shard: {
                  id: s.id,
                  classIndex: s.classIndex,
                  seed: s.seed,
                  block: s.block,
                  start: s.start,
                  count: s.count,
                  shardSeed: s.shardSeed,
                  file: s.file,
                  latticeScale: phase?.latticeScale ?? null,
                },
              },
            },
          };
        }),
      async publish(result, info) {
        manifest = buildManifest(r, {
          runId: info.runId,
          createdAt: info.createdAt,
          planned: specs,
          done: new Map(result.done.map((d) => [d.id, { sha256: d.sha256, bytes: d.bytes }])),
          failed: result.failed.map((f) => ({
            id: f.id,
            error: `${f.error.name}: ${f.error.message}`,
          })),
        });
        const manifestPath = join(info.outDir, MANIFEST_NAME);
        // The manifest changes as a run progresses: replace it atomically (write, then rename).
        const tmp = `${manifestPath}.tmp-${process.pid}`;
        await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
        await rename(tmp, manifestPath);
        return [{ kind: 'manifest', path: manifestPath }];
      },
    },
    o,
  );
  return {
    runId: run.runId,
    manifest: manifest!,
    manifestPath: run.artifacts[0]!.path,
    result: run.result,
  };
}
