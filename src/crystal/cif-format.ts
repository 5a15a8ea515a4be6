/**
 * CIF files read as crystal structures, for `bragg info`, `bragg convert` and the workflows:
 * each data block with a unit cell is built into a `Crystal` (symmetry expansion included) and
 * listed with its cell, volume, space group, formula and sites; it offers one dataset,
 * `<block>/atoms`, the unit cell as a float64 table (n_atoms, 5) with columns x, y, z
 * (fractional), occupancy, Uiso (Å²), labels and elements in its metadata. The syntax stays in
 * src/formats/cif; this module plugs the structure reading into it (`createCifReader`), and
 * `structureFormats` is the built-in registry with this CIF reader in place of the plain one.
 */
import type { Axis } from '../core/axes.js';
import { uncalibratedAxis } from '../core/axes.js';
import type { DataArray, Metadata, MetadataValue } from '../core/data-array.js';
import { NotFoundError, UnsupportedError } from '../core/errors.js';
import { ndarray } from '../core/ndarray.js';
import type { CifBlockView, CifInterpreter } from '../formats/cif/reader.js';
import { createCifReader, hasCell } from '../formats/cif/reader.js';
import type { FormatReader } from '../formats/types.js';
import type { FormatRegistry } from '../formats/registry.js';
import { createFormatRegistry, READERS, WRITERS } from '../formats/registry.js';
import { crystalFromCifBlock } from './cif.js';
import { cellFormula } from './structure.js';
import type { AtomSite, Crystal } from './types.js';

export const ATOM_COLUMNS = ['x', 'y', 'z', 'occupancy', 'uIso'] as const;

function siteMeta(a: AtomSite): MetadataValue {
  return { label: a.label, element: a.element, x: a.x, y: a.y, z: a.z, occupancy: a.occupancy, uIso: a.uIso }; // prettier-ignore
}

/** The file-metadata entry of one crystal: cell, volume, space group, formula, sites. */
export function crystalMetadata(c: Crystal): Metadata {
  const sg = c.spaceGroup;
  const spaceGroup: Metadata = {
    number: sg.number,
    symbol: sg.symbol,
    hall: sg.hall,
    operations: sg.operations.length,
    pointGroup: sg.pointGroup,
    crystalSystem: sg.crystalSystem,
  };
  if (sg.setting !== undefined) spaceGroup.setting = sg.setting;
  const meta: Metadata = {
    name: c.name,
    cell: { ...c.cell },
    volumeA3: c.lattice.volume,
    spaceGroup,
    formula: cellFormula(c),
    sites: c.sites.map(siteMeta),
    atomsInCell: c.atoms.length,
  };
  if (c.warnings) meta.warnings = [...c.warnings];
  return meta;
}

/** The unit cell of `c` as an atom table (n_atoms, 5). */
export function atomsDataset(name: string, c: Crystal): DataArray {
  const n = c.atoms.length;
  const data = new Float64Array(n * ATOM_COLUMNS.length);
  c.atoms.forEach((a, i) => data.set([a.x, a.y, a.z, a.occupancy, a.uIso], i * ATOM_COLUMNS.length)); // prettier-ignore
  const axes: Axis[] = [uncalibratedAxis('atom', n), uncalibratedAxis('column', ATOM_COLUMNS.length)]; // prettier-ignore
  return {
    name,
    array: ndarray('float64', [n, ATOM_COLUMNS.length], data),
    axes,
    metadata: {
      columns: [...ATOM_COLUMNS],
      units: ['', '', '', '', 'Å²'],
      labels: c.atoms.map((a) => a.label),
      elements: c.atoms.map((a) => a.element),
    },
    role: 'table',
  };
}

/** Read the atom table whole, or one atom (`frame`); hyperslabs are refused. */
function readAtoms(
  file: string,
  name: string,
  c: Crystal,
  frame?: number,
  ranges?: unknown,
): DataArray {
  if (ranges !== undefined) {
    throw new UnsupportedError(`${file}: CIF atom tables are read whole or one atom (frame) at a time`); // prettier-ignore
  }
  const d = atomsDataset(name, c);
  if (frame === undefined) return d;
  const n = c.atoms.length;
  if (!Number.isInteger(frame) || frame < 0 || frame >= n) {
    throw new NotFoundError(`${file}: atom ${frame} out of range 0..${n - 1} in ${name}`);
  }
  const w = ATOM_COLUMNS.length;
  const row = (d.array.data as Float64Array).slice(frame * w, frame * w + w);
  return {
    ...d,
    array: ndarray('float64', [w], row),
    axes: [d.axes[1]!],
    metadata: { ...d.metadata, labels: [c.atoms[frame]!.label], elements: [c.atoms[frame]!.element] }, // prettier-ignore
  };
}

/** Blocks with a unit cell become crystals; the others keep their plain description. */
export const crystalInterpreter: CifInterpreter = (block, file): CifBlockView | undefined => {
  if (!hasCell(block)) return undefined;
  const c = crystalFromCifBlock(block, { file });
  const name = `${block.name}/atoms`;
  const d = atomsDataset(name, c);
  return {
    metadata: crystalMetadata(c),
    dataset: {
      info: { name, shape: [...d.array.shape], dtype: d.array.dtype, axes: d.axes, metadata: {}, role: 'table' }, // prettier-ignore
      read: (sel) =>
        new Promise((resolve) => resolve(readAtoms(file, name, c, sel?.frame, sel?.ranges))),
    },
  };
};

/** The CIF reader that reads blocks as crystal structures. */
export const structureCifReader: FormatReader = createCifReader(crystalInterpreter);

/** The built-in readers with CIFs read as structures (what `bragg info` shows). */
export const STRUCTURE_READERS: readonly FormatReader[] = READERS.map((r) =>
  r.id === 'cif' ? structureCifReader : r,
);

/** The built-in registry with CIFs read as structures. */
export const structureFormats: FormatRegistry = createFormatRegistry(STRUCTURE_READERS, WRITERS);
