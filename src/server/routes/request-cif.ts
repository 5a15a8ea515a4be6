/**
 * The CIF a request names — a served file or an upload (`cif: {root, path}`), inline text
 * (`cifText`) or a bundled structure (`structure`) — read and parsed, and the bound on the
 * reflection table it may ask for.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BraggError, LimitError, ValidationError } from '../../core/errors.js';
import type { Crystal } from '../../crystal/structure.js';
import { crystalFromCif } from '../../crystal/structure.js';
import type { RouteContext } from '../../workflows/route.js';
import { bundledStructurePath } from '../../workflows/structures.js';
import { MAX_GMAX, MAX_HKL_CANDIDATES } from './simulate-schemas.js';

export type CifSourceBody = {
  cif?: { root: string; path: string } | undefined;
  cifText?: string | undefined;
  structure?: string | undefined;
};

/** A CIF a request names, read: its text and a name for messages. */
export interface RequestCif {
  text: string;
  /** The file's name (or `cifText`, or the bundled structure's name). */
  name: string;
}

/** The CIF of a request: exactly one of `cif`, `cifText`, `structure` (ValidationError `cif` otherwise). */
export async function requestCif(b: CifSourceBody, ctx: RouteContext): Promise<RequestCif> {
  const given = (['cif', 'cifText', 'structure'] as const).filter((k) => b[k] !== undefined);
  if (given.length !== 1) {
    throw new ValidationError(
      given.length === 0
        ? 'give a CIF: cif {root, path}, cifText or structure'
        : `give one CIF, not ${given.join(' and ')}`,
      given[1] ?? 'cif',
    );
  }
  if (b.cifText !== undefined) return { text: b.cifText, name: 'cifText' };
  const path =
    b.structure !== undefined
      ? await bundledStructurePath(b.structure)
      : await ctx.resolveFile(b.cif!, 'cif.path');
  return { text: await readFile(path, 'utf8'), name: b.structure ?? basename(path) };
}

/** The crystal of a request's CIF; a CIF that cannot be used is a ValidationError on its field. */
export async function requestCrystal(b: CifSourceBody, ctx: RouteContext): Promise<Crystal> {
  const cif = await requestCif(b, ctx);
  const field =
    b.cifText !== undefined ? 'cifText' : b.structure !== undefined ? 'structure' : 'cif';
  try {
    return crystalFromCif(cif.text, { file: cif.name });
  } catch (err) {
    if (!(err instanceof BraggError)) throw err;
    throw new ValidationError(`CIF '${cif.name}' cannot be used: ${err.message}`, field, {
      cause: err,
    });
  }
}

/** Refuses a reflection table whose hkl box exceeds `MAX_HKL_CANDIDATES` (LIMIT on `field`). */
export function checkTableSize(
  crystal: Crystal,
  gMax: number,
  field: string,
  maxG: number = MAX_GMAX,
): void {
  if (gMax > maxG) {
    throw new LimitError('largest |g|', { field, value: gMax, limit: MAX_GMAX, unit: 'Å⁻¹' });
  }
  let n = 1;
  for (const row of crystal.lattice.direct) {
    n *= 2 * Math.floor(gMax * Math.hypot(row[0]!, row[1]!, row[2]!) + 1e-9) + 1;
  }
  if (n > MAX_HKL_CANDIDATES) {
    throw new LimitError(`hkl candidates of this cell out to ${gMax} Å⁻¹`, {
      field,
      value: n,
      limit: MAX_HKL_CANDIDATES,
      hint: 'lower gmax (or the pattern size × calibration)',
    });
  }
}
