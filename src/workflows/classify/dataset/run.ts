/**
 * `bragg classify simulate`: a resolved dataset → `classify-shard` jobs on any executor →
 * `manifest.json`, through the job runtime's dataset pipeline (resume, run registry, lineage).
 * The manifest lists the classes, every shard (file, split, image range, sha256, size) and the
 * class counts; on resume its shard records are what existing files are checked against when
 * the run registry has none.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createRng } from '../../../core/rng.js';
import type { DatasetRunOptions } from '../../../jobs/dataset-run.js';
import { runDataset } from '../../../jobs/dataset-run.js';
import type { RecordedFile } from '../../../jobs/output.js';
import type { ShardedRunResult } from '../../../jobs/sharded-run.js';
import { HELIUM_CLASSES } from '../../../simulate/single-shot/classes.js';
import { randomScene } from '../../../simulate/single-shot/scene.js';
import type { ClassifyDatasetConfig, ResolvedClassifyDataset, ShardPlan, Split } from './plan.js';
import { imageSeed } from './plan.js';
import type { ClassifyShardPayload } from './shard-job.js';

export const CLASSIFY_MANIFEST_FORMAT = 'bragg-classify-dataset/1';
export const MANIFEST_NAME = 'manifest.json';
export const CLASSIFY_DATASET_RUN_PREFIX = 'classify';

export interface ClassifyManifestShard extends ShardPlan {
  sha256: string;
  bytes: number;
}

export interface ClassifyManifest {
  format: typeof CLASSIFY_MANIFEST_FORMAT;
  id: string;
  createdAt: string;
  runId: string;
  configHash: string;
  config: ClassifyDatasetConfig;
  /** The multi-hot label order. */
  classes: string[];
  /** The TFRecord layout of the shards (feature keys and encodings). */
  layout: Record<string, string>;
  complete: boolean;
  counts: { images: Record<Split, number>; perClass: Record<Split, Record<string, number>> };
  shards: ClassifyManifestShard[];
  failed: { id: string; error: string }[];
}

export interface ClassifyDatasetRunOptions extends DatasetRunOptions {
  dataset: ResolvedClassifyDataset;
}

export interface ClassifyDatasetRunResult {
  runId: string;
  manifest: ClassifyManifest;
  manifestPath: string;
  result: ShardedRunResult;
}

async function manifestRecords(r: ResolvedClassifyDataset): Promise<Map<string, RecordedFile>> {
  const out = new Map<string, RecordedFile>();
  let m: Partial<ClassifyManifest>;
  try {
    m = JSON.parse(
      await readFile(join(resolve(r.outDir), MANIFEST_NAME), 'utf8'),
    ) as Partial<ClassifyManifest>;
  } catch {
    return out;
  }
  if (m.id !== r.datasetId || !Array.isArray(m.shards)) return out;
  for (const s of m.shards as Partial<ClassifyManifestShard>[]) {
    if (typeof s.id === 'string' && typeof s.sha256 === 'string') {
      out.set(s.id, {
        sha256: s.sha256,
        ...(typeof s.bytes === 'number' ? { bytes: s.bytes } : {}),
      });
    }
  }
  return out;
}

/** Class counts of a shard's images, from the scenes alone (the labels are drawn first). */
function classCounts(c: ClassifyDatasetConfig, s: ShardPlan, into: Record<string, number>): void {
  for (let i = s.start; i < s.start + s.count; i++) {
    for (const l of randomScene(createRng(imageSeed(c.seed, s.split, i)), c.size).labels)
      into[l] = (into[l] ?? 0) + 1;
  }
}

export async function runClassifyDataset(
  o: ClassifyDatasetRunOptions,
): Promise<ClassifyDatasetRunResult> {
  const r = o.dataset;
  const c = r.config;
  const recorded = await manifestRecords(r);
  let manifest: ClassifyManifest | undefined;
  let manifestPath = '';
  const run = await runDataset(
    {
      kind: 'classify-simulate',
      runPrefix: CLASSIFY_DATASET_RUN_PREFIX,
      datasetId: r.datasetId,
      outDir: r.outDir,
      configHash: r.hash,
      config: c,
      tempDirs: ['shards'],
      shards: ({ outDir }) =>
        r.shards.map((s) => {
          const payload: ClassifyShardPayload = {
            outDir,
            id: s.id,
            file: s.file,
            split: s.split,
            seed: c.seed,
            start: s.start,
            count: s.count,
            size: c.size,
          };
          return {
            id: s.id,
            file: s.file,
            count: s.count,
            recorded: recorded.get(s.id),
            request: { type: 'classify-shard', payload },
          };
        }),
      async publish(result, info) {
        const done = new Map(result.done.map((d) => [d.id, d]));
        const images: Record<Split, number> = { train: 0, eval: 0 };
        const perClass: Record<Split, Record<string, number>> = { train: {}, eval: {} };
        const shards: ClassifyManifestShard[] = [];
        for (const s of r.shards) {
          const d = done.get(s.id);
          if (!d) continue;
          shards.push({ ...s, sha256: d.sha256, bytes: d.bytes ?? 0 });
          images[s.split] += s.count;
          classCounts(c, s, perClass[s.split]);
        }
        manifest = {
          format: CLASSIFY_MANIFEST_FORMAT,
          id: r.datasetId,
          createdAt: info.createdAt,
          runId: info.runId,
          configHash: r.hash,
          config: c,
          classes: [...HELIUM_CLASSES],
          layout: {
            'image/encoded': `raw uint16 little-endian, (${c.size}, ${c.size}, 1)`,
            'image/height': 'int64',
            'image/width': 'int64',
            'image/class/label': `raw int16 little-endian multi-hot, ${HELIUM_CLASSES.length} classes`,
            'image/format': 'raw',
          },
          complete: result.failed.length === 0 && shards.length === r.shards.length,
          counts: { images, perClass },
          shards,
          failed: result.failed.map((f) => ({
            id: f.id,
            error: `${f.error.name}: ${f.error.message}`,
          })),
        };
        manifestPath = join(info.outDir, MANIFEST_NAME);
        const tmp = `${manifestPath}.tmp-${process.pid}`;
        await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
        await rename(tmp, manifestPath);
        return [{ kind: 'manifest', path: manifestPath }];
      },
    },
    o,
  );
  return { runId: run.runId, manifest: manifest!, manifestPath, result: run.result };
}
