/**
 * Loading a sweep file: YAML → schema check (errors name the key and its line) → a resolved
 * sweep whose CIFs are read, parsed (a broken one fails here, before any shard runs) and
 * hashed, so that the dataset id is a function of the config, and whose calibration is
 * checked against the phases' reflections (`checkCalibrationRange`).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../../../core/errors.js';
import { crystalFromCif } from '../../../crystal/structure.js';
import { readCifInput } from '../../cif-input.js';
import { canonicalJson, sha256Hex, uuidFromHash } from '../../../core/hash.js';
import { parseYamlConfig } from '../../../core/yaml-config.js';
import type { Sweep } from './sweep-schema.js';
import { sweepSchema } from './sweep-schema.js';
import { checkCalibrationRange } from './sweep-range.js';
import { checkSweepSize } from './sweep-limits.js';

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

/** Read the CIFs of a validated sweep and compute its hash and id. */
export async function resolveSweep(
  sweep: Sweep,
  baseDir: string,
  source?: string,
): Promise<ResolvedSweep> {
  // Sizes first: a plan over the limits fails before any file is read.
  checkSweepSize(sweep);
  const phases: ResolvedPhase[] = [];
  for (const [i, p] of sweep.phases.entries()) {
    const cif = await readCifInput(p.cif, baseDir, `phases[${i}].cif`);
    phases.push({
      name: p.name ?? basename(p.cif, extname(p.cif)),
      cifPath: cif.path,
      cifText: cif.text,
      cifSha256: cif.sha256,
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
  checkCalibrationRange(
    sweep,
    phases.map((p) => ({
      name: p.name,
      crystal: crystalFromCif(p.cifText, { file: p.cifPath }),
      latticeScale: p.latticeScale,
    })),
  );
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
