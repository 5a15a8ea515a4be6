/**
 * Loading a sweep file: YAML → schema check (errors name the key and its line) → a resolved
 * sweep whose CIFs are read and hashed, so that the dataset id is a function of the config.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { parseYamlConfig } from '../../core/yaml-config.js';
import type { Sweep } from './schema.js';
import { sweepSchema } from './schema.js';

/** One phase with its CIF read: the text travels with every shard job (workers need no files). */
export interface ResolvedPhase {
  name: string;
  /** Absolute path of the CIF at load time (informational). */
  cifPath: string;
  cifText: string;
  /** sha256 of the CIF bytes, hex. */
  cifSha256: string;
  latticeScale: [number, number] | undefined;
}

export interface ResolvedSweep {
  sweep: Sweep;
  phases: ResolvedPhase[];
  /** Class names in label order (phases, then `background` when enabled). */
  classes: string[];
  /** sha256 of the canonical config (CIF contents by hash, output directory excluded). */
  hash: string;
  /** uuid (version-4 layout) derived from `hash`: same config → same dataset id. */
  datasetId: string;
  /** Absolute path of the sweep file, or undefined for an in-memory config. */
  source: string | undefined;
  /** Output directory from the file (absolute), if it names one. */
  outputDir: string | undefined;
}

/** Parse and validate sweep YAML text (errors name the key and its line). `file` is used in messages only. */
export function parseSweep(text: string, file = 'sweep.yaml'): Sweep {
  return parseYamlConfig(text, sweepSchema, file);
}

/** Canonical JSON: object keys sorted, so equal configs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A uuid in the version-4 layout made from the first 16 bytes of a hex digest. */
export function uuidFromHash(hex: string): string {
  const b = Buffer.from(hex.slice(0, 32), 'hex');
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Read the CIFs of a validated sweep and compute its hash and id. */
export async function resolveSweep(
  sweep: Sweep,
  baseDir: string,
  source?: string,
): Promise<ResolvedSweep> {
  const phases: ResolvedPhase[] = [];
  for (const [i, p] of sweep.phases.entries()) {
    const cifPath = resolve(baseDir, p.cif);
    let bytes: Buffer;
    try {
      bytes = await readFile(cifPath);
    } catch (err) {
      throw new ValidationError(
        `cannot read CIF '${p.cif}' (resolved to ${cifPath}): ${(err as Error).message}`,
        `phases[${i}].cif`,
        { cause: err },
      );
    }
    phases.push({
      name: p.name ?? basename(p.cif, extname(p.cif)),
      cifPath,
      cifText: bytes.toString('utf8'),
      cifSha256: sha256Hex(bytes),
      latticeScale: p.latticeScale,
    });
  }
  const names = new Set<string>();
  for (const [i, p] of phases.entries()) {
    if (names.has(p.name)) {
      throw new ValidationError(`duplicate phase name '${p.name}'`, `phases[${i}].name`);
    }
    names.add(p.name);
  }
  const classes = phases.map((p) => p.name);
  if (sweep.backgroundClass) classes.push('background');
  const hash = sha256Hex(canonicalJson(hashedView(sweep, phases)));
  return {
    sweep,
    phases,
    classes,
    hash,
    datasetId: uuidFromHash(hash),
    source,
    outputDir: sweep.output.dir === undefined ? undefined : resolve(baseDir, sweep.output.dir),
  };
}

/** What the dataset depends on: everything but where it is written. */
function hashedView(sweep: Sweep, phases: readonly ResolvedPhase[]): unknown {
  return {
    ...sweep,
    output: { format: sweep.output.format },
    phases: phases.map((p) => ({
      name: p.name,
      cifSha256: p.cifSha256,
      latticeScale: p.latticeScale,
    })),
  };
}

/** Load, validate and resolve a sweep file. */
export async function loadSweep(path: string): Promise<ResolvedSweep> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new NotFoundError(`cannot read sweep file ${abs}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return resolveSweep(parseSweep(text, path), dirname(abs), abs);
}
