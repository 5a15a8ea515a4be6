/**
 * Crystal structures: a cell, a space group, the asymmetric unit as given, and the full
 * unit cell after symmetry expansion. Built from CIF text (`crystalFromCif`), a CIF file
 * (`loadCrystal`) or in code (`crystalFromParameters`).
 */
import { FormatError, NotFoundError, ValidationError } from '../core/errors.js';
import { readText, withSource } from '../core/source.js';
import type { SourceInput } from '../core/source.js';
import { parseCif } from '../formats/cif/parse.js';
import { getValue } from '../formats/cif/values.js';
import { crystalFromCifBlock } from './cif.js';
import { elementOf } from './elements.js';
import { DEFAULT_MERGE_TOLERANCE, expandSites } from './expand.js';
import type { CellParameters } from './lattice.js';
import { Lattice } from './lattice.js';
import type { SpaceGroup } from './spacegroup/index.js';
import type { AtomSite, Crystal, CrystalOptions } from './types.js';
import { spaceGroupFromNumber, spaceGroupFromSymbol } from './spacegroup/index.js';

export type { AtomSite, Crystal, CrystalOptions } from './types.js';

/** The crystal of one data block of a CIF. Errors are FormatErrors naming the tag or line. */
export function crystalFromCif(text: string, opts: CrystalOptions = {}): Crystal {
  const doc = parseCif(text, opts.file);
  const blocks = doc.blocks;
  let block;
  if (typeof opts.block === 'number') {
    block = blocks[opts.block];
    if (!block) {
      throw new NotFoundError(
        `${opts.file ?? 'CIF'}: no data block ${opts.block} (the file has ${blocks.length})`,
      );
    }
  } else if (typeof opts.block === 'string') {
    const want = opts.block.replace(/^data_/i, '').toLowerCase();
    block = blocks.find((b) => b.name.toLowerCase() === want);
    if (!block) {
      throw new NotFoundError(
        `${opts.file ?? 'CIF'}: no data block '${opts.block}'; blocks: ${blocks.map((b) => b.name).join(', ')}`,
      );
    }
  } else {
    block = blocks.find((b) => getValue(b, '_cell_length_a') ?? getValue(b, '_cell.length_a'));
    if (!block) {
      throw new FormatError('CIF', 'no data block has a unit cell', {
        ...(opts.file !== undefined ? { file: opts.file } : {}),
        expected: '_cell_length_a, _cell_length_b, _cell_length_c',
        found: `blocks ${blocks.map((b) => `data_${b.name}`).join(', ')}`,
      });
    }
  }
  return crystalFromCifBlock(block, opts);
}

/** Every data block of a CIF that has a unit cell, as crystals. */
export function crystalsFromCif(text: string, opts: Omit<CrystalOptions, 'block'> = {}): Crystal[] {
  const doc = parseCif(text, opts.file);
  return doc.blocks
    .filter((b) => getValue(b, '_cell_length_a') ?? getValue(b, '_cell.length_a'))
    .map((b) => crystalFromCifBlock(b, opts));
}

/** Read a CIF (path, bytes or stream; see src/core/source.ts) and build its crystal. */
export async function loadCrystal(
  input: SourceInput,
  opts: Omit<CrystalOptions, 'file'> = {},
): Promise<Crystal> {
  return withSource(input, (s) => crystalFromCif(readText(s, 'CIF'), { ...opts, file: s.name }));
}

export interface SiteInput {
  element: string;
  x: number;
  y: number;
  z: number;
  label?: string;
  occupancy?: number;
  /** U in Å²; give `bIso` instead for B in Å². */
  uIso?: number;
  bIso?: number;
}

export interface CrystalParameters {
  name?: string;
  cell: CellParameters;
  /** A SpaceGroup, a Hermann–Mauguin symbol (`Fd-3m:2`) or an ITA number. */
  spaceGroup: SpaceGroup | string | number;
  sites: readonly SiteInput[];
  mergeTolerance?: number;
}

/** Build a crystal in code (cell + space group + asymmetric unit). */
export function crystalFromParameters(p: CrystalParameters): Crystal {
  const lattice = new Lattice(p.cell);
  const spaceGroup =
    typeof p.spaceGroup === 'string'
      ? spaceGroupFromSymbol(p.spaceGroup)
      : typeof p.spaceGroup === 'number'
        ? spaceGroupFromNumber(p.spaceGroup)
        : p.spaceGroup;
  const sites: AtomSite[] = p.sites.map((s, i) => {
    const element = elementOf(s.element);
    if (element === undefined) {
      throw new ValidationError(`unknown element '${s.element}'`, `sites[${i}].element`);
    }
    for (const k of ['x', 'y', 'z'] as const) {
      if (!Number.isFinite(s[k])) {
        throw new ValidationError(`must be a finite number, got ${s[k]}`, `sites[${i}].${k}`);
      }
    }
    const occupancy = s.occupancy ?? 1;
    if (!(occupancy >= 0 && occupancy <= 1)) {
      throw new ValidationError(`must be in [0, 1], got ${occupancy}`, `sites[${i}].occupancy`);
    }
    const uIso = s.uIso ?? (s.bIso !== undefined ? s.bIso / (8 * Math.PI ** 2) : 0);
    if (!Number.isFinite(uIso)) {
      throw new ValidationError(`must be finite, got ${uIso}`, `sites[${i}].uIso`);
    }
    return {
      label: s.label ?? `${element}${i + 1}`,
      element,
      x: s.x,
      y: s.y,
      z: s.z,
      occupancy,
      uIso,
    };
  });
  const atoms = expandSites(
    sites,
    spaceGroup.operations,
    lattice,
    p.mergeTolerance ?? DEFAULT_MERGE_TOLERANCE,
  );
  return {
    name: p.name ?? 'crystal',
    cell: { ...p.cell },
    lattice,
    spaceGroup,
    sites,
    atoms,
  };
}

/** Chemical formula of the unit cell contents weighted by occupancy, e.g. `O4 Ti2`. */
export function cellFormula(crystal: Crystal): string {
  const counts = new Map<string, number>();
  for (const a of crystal.atoms) counts.set(a.element, (counts.get(a.element) ?? 0) + a.occupancy);
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([e, n]) => (Math.abs(n - 1) < 1e-6 ? e : `${e}${Number(n.toFixed(4))}`))
    .join(' ');
}
