/**
 * The dataset manifest (`manifest.json` beside `shards/`): what a user of the seed pipeline
 * needs to find and trust the data from Python (`json` + `numpy`/`h5py`): the dataset uuid,
 * the config and its hash, every shard with its file, label, pattern count, size and sha256
 * (checked by a resumed run and before training), the counts and the class balance. Times
 * live here only (`createdAt`): shard files hold none, so their bytes are a function of the
 * config and two runs of the same sweep write identical shards.
 */
import type { ResolvedSweep } from './sweep.js';
import type { ShardSpec } from './shards.js';

export const MANIFEST_FORMAT = 'bragg-phase-dataset/1';
export const MANIFEST_NAME = 'manifest.json';

export interface ManifestShard {
  id: string;
  file: string;
  seed: number;
  seedIndex: number;
  classIndex: number;
  className: string;
  block: number;
  /** First orientation index within (seed, class) and the number of patterns. */
  start: number;
  count: number;
  /** sha256 of the shard file (hex). */
  sha256: string;
  /** Size of the shard file [bytes] (absent in manifests written before it was recorded). */
  bytes?: number;
}

export interface DatasetManifest {
  format: typeof MANIFEST_FORMAT;
  /** Dataset uuid (derived from the config hash); files carry `sim-<id>` in `metadata/id`. */
  id: string;
  name: string;
  createdAt: string;
  runId: string;
  configHash: string;
  config: unknown;
  classes: string[];
  phases: { name: string; cif: string; cifSha256: string }[];
  fileFormat: 'npz' | 'hdf5';
  /** Keys in every shard file (npz: member names without `.npy`; HDF5: dataset paths). */
  keys: string[];
  complete: boolean;
  counts: {
    patterns: number;
    shards: number;
    plannedPatterns: number;
    perClass: Record<string, number>;
  };
  classBalance: Record<string, number>;
  shards: ManifestShard[];
  failed: { id: string; error: string }[];
}

export const SHARD_KEYS = [
  '1d/x_all',
  '1d/y_all',
  '1d/x_all_q_axis',
  '1d/x_px',
  '1d/y_px',
  '1d/x_px_q_axis',
  '1d/x_q',
  '1d/y_q',
  '1d/x_q_axis',
  'metadata/phases',
  'metadata/id',
  'metadata/timestamp',
  'metadata/summary',
  'metadata/metadata_json',
];

export function buildManifest(
  r: ResolvedSweep,
  o: {
    runId: string;
    createdAt: string;
    planned: readonly ShardSpec[];
    done: ReadonlyMap<string, { sha256: string; bytes: number }>;
    failed: readonly { id: string; error: string }[];
  },
): DatasetManifest {
  const shards: ManifestShard[] = [];
  const perClass: Record<string, number> = Object.fromEntries(r.classes.map((c) => [c, 0]));
  let patterns = 0;
  let plannedPatterns = 0;
  for (const s of o.planned) {
    plannedPatterns += s.count;
    const file = o.done.get(s.id);
    if (file === undefined) continue;
    const className = r.classes[s.classIndex]!;
    shards.push({
      id: s.id,
      file: s.file,
      seed: s.seed,
      seedIndex: s.seedIndex,
      classIndex: s.classIndex,
      className,
      block: s.block,
      start: s.start,
      count: s.count,
      sha256: file.sha256,
      bytes: file.bytes,
    });
    perClass[className] = (perClass[className] ?? 0) + s.count;
    patterns += s.count;
  }
  const classBalance = Object.fromEntries(
    Object.entries(perClass).map(([k, v]) => [k, patterns > 0 ? v / patterns : 0]),
  );
  return {
    format: MANIFEST_FORMAT,
    id: r.datasetId,
    name: r.sweep.name,
    createdAt: o.createdAt,
    runId: o.runId,
    configHash: r.hash,
    config: r.sweep,
    classes: r.classes,
    phases: r.phases.map((p) => ({ name: p.name, cif: p.cifPath, cifSha256: p.cifSha256 })),
    fileFormat: r.sweep.output.format,
    keys: SHARD_KEYS,
    // Complete only when every planned shard is there and none is reported failed.
    complete: shards.length === o.planned.length && o.failed.length === 0,
    counts: { patterns, shards: shards.length, plannedPatterns, perClass },
    classBalance,
    shards,
    failed: [...o.failed],
  };
}
