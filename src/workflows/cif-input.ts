/**
 * A CIF named in a workflow's config: read, parsed once (so that a broken file fails the
 * command before any job runs, with an error naming the file and the config key) and hashed
 * (so that a dataset id is a function of the CIF's contents). The text then travels with
 * the jobs: workers need no files.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BraggError, ValidationError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { crystalFromCif } from '../crystal/structure.js';

export interface CifInput {
  /** Absolute path at load time. */
  path: string;
  text: string;
  /** sha256 of the bytes, hex. */
  sha256: string;
}

/** Read and check the CIF `cif` (relative to `baseDir`) given by config key `field`. */
export async function readCifInput(cif: string, baseDir: string, field: string): Promise<CifInput> {
  const path = resolve(baseDir, cif);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ValidationError(
      `cannot read CIF '${cif}' (resolved to ${path}): ${(err as Error).message}`,
      field,
      { cause: err },
    );
  }
  const text = bytes.toString('utf8');
  try {
    crystalFromCif(text, { file: path });
  } catch (err) {
    if (!(err instanceof BraggError)) throw err;
    throw new ValidationError(`CIF '${cif}' cannot be used: ${err.message}`, field, {
      cause: err,
    });
  }
  return { path, text, sha256: sha256Hex(bytes) };
}
