/**
 * Loading a PACBED dataset config: YAML → schema (errors name key and line) → the CIF read
 * and hashed → the shards: one per (convergence angle, mistilt, azimuth), each simulating the
 * whole thickness series in one pass and writing one image per thickness.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../../../core/errors.js';
import { deriveSeed } from '../../../core/rng.js';
import { parseYamlConfig } from '../../../core/yaml-config.js';
import { readCifInput } from '../../cif-input.js';
import { canonicalJson, sha256Hex, uuidFromHash } from '../../../core/hash.js';
import { MAX_IMAGES, pacbedDatasetSchema, seriesValues, type PacbedDataset } from './schema.js';

export interface ResolvedPacbedDataset {
  config: PacbedDataset;
  material: string;
  cifPath: string;
  cifText: string;
  cifSha256: string;
  /** Absolute output directory. */
  outDir: string;
  /** sha256 of the canonical config (CIF by hash, output directory excluded). */
  hash: string;
  datasetId: string;
}

export interface PacbedShardSpec {
  id: string;
  convergenceAngle: number;
  mistilt: number;
  azimuth: number;
  /** Directory of the shard's images, relative to the output directory. */
  dir: string;
  /** Requested thicknesses [Å] and their image files (relative to the output directory). */
  thicknesses: number[];
  images: string[];
  /** The shard's table rows, written last: its presence marks the shard done. */
  tableFile: string;
  seed: number;
}

export function parsePacbedDataset(text: string, file = 'pacbed.yaml'): PacbedDataset {
  return parseYamlConfig(text, pacbedDatasetSchema, file);
}

export async function resolvePacbedDataset(
  config: PacbedDataset,
  baseDir: string,
): Promise<ResolvedPacbedDataset> {
  const cif = await readCifInput(config.cif, baseDir, 'cif');
  const cifSha256 = cif.sha256;
  const hash = sha256Hex(
    canonicalJson({ ...config, cif: cifSha256, output: { ...config.output, dir: undefined } }),
  );
  return {
    config,
    material: config.material ?? basename(config.cif, extname(config.cif)),
    cifPath: cif.path,
    cifText: cif.text,
    cifSha256,
    outDir: resolve(baseDir, config.output.dir),
    hash,
    datasetId: uuidFromHash(hash),
  };
}

export async function loadPacbedDataset(path: string): Promise<ResolvedPacbedDataset> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new NotFoundError(`cannot read config ${abs}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return resolvePacbedDataset(parsePacbedDataset(text, path), dirname(abs));
}

/** A number as a file-name part: 2.5 → "2.5", −1 → "m1". */
function tag(v: number): string {
  return String(+v.toPrecision(10)).replace('-', 'm');
}

export function planPacbedShards(r: ResolvedPacbedDataset): PacbedShardSpec[] {
  const c = r.config;
  const thicknesses = seriesValues(c.thicknesses);
  const mistilts = seriesValues(c.mistilts);
  const azimuths = seriesValues(c.azimuths);
  const convs = seriesValues(c.convergenceAngles);
  for (const [key, vals] of [
    ['thicknesses', thicknesses],
    ['convergenceAngles', convs],
  ] as const) {
    if (vals.some((v) => !(v > 0))) throw new ValidationError('values must be > 0', key);
    if (new Set(vals).size !== vals.length)
      throw new ValidationError('values must be distinct', key);
  }
  if (mistilts.some((v) => v < 0)) throw new ValidationError('values must be ≥ 0 mrad', 'mistilts');
  const ext = c.output.format === 'tiff' ? 'tif' : 'npy';
  const shards: PacbedShardSpec[] = [];
  for (const conv of convs) {
    for (const m of mistilts) {
      // at zero mistilt the azimuth means nothing: one shard (as the seed's notebook)
      for (const az of m === 0 ? [0] : azimuths) {
        const dir = `Tilt_${tag(m)}_Azimuth_${tag(az)}_Conv_Angle_${tag(conv)}`;
        const id = `c${tag(conv)}-m${tag(m)}-a${tag(az)}`;
        shards.push({
          id,
          convergenceAngle: conv,
          mistilt: m,
          azimuth: az,
          dir,
          thicknesses,
          images: thicknesses.map((t) => `${dir}/${tag(t).padStart(4, '0')}_Angstrom.${ext}`),
          tableFile: `tables/${id}.csv`,
          seed: deriveSeed(c.seed, 'pacbed-shard', id),
        });
      }
    }
  }
  const ids = new Set(shards.map((s) => s.id));
  if (ids.size !== shards.length) {
    throw new ValidationError('two shards share an id (repeated values?)', 'mistilts');
  }
  if (shards.length * thicknesses.length > MAX_IMAGES) {
    throw new ValidationError(
      `${shards.length * thicknesses.length} images is more than ${MAX_IMAGES}`,
      'thicknesses',
    );
  }
  return shards;
}
