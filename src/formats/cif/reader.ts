/**
 * CIF as a bragg format: `open` lists every data block with its cell, space group and
 * atom sites in the file metadata; each block with a unit cell offers one dataset,
 * `<block>/atoms`, the symmetry-expanded unit cell as a float64 table (n_atoms, 5) with
 * columns x, y, z (fractional), occupancy, Uiso (Å²); labels and elements in its metadata.
 */
import { readFile } from 'node:fs/promises';
import type { Axis } from '../../core/axes.js';
import { uncalibratedAxis } from '../../core/axes.js';
import type { Dataset, Metadata, MetadataValue } from '../../core/dataset.js';
import { NotFoundError, UnsupportedError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { crystalFromCifBlock } from '../../crystal/cif.js';
import type { Crystal } from '../../crystal/structure.js';
import { cellFormula } from '../../crystal/structure.js';
import type { DatasetInfo, FormatReader, OpenedFile, Selection } from '../types.js';
import { parseCif } from './parse.js';
import { getValue } from './values.js';

export const ATOM_COLUMNS = ['x', 'y', 'z', 'occupancy', 'uIso'] as const;

/** True when `head` starts (after blanks and comments) with `data_`, or has the CIF magic. */
export function sniffCif(head: Uint8Array): boolean {
  let text = '';
  for (const b of head) {
    if (b === 0) return false;
    text += String.fromCharCode(b);
  }
  if (/^#\\#CIF_[12]/.test(text)) return true;
  return /^(?:\s|#[^\n\r]*[\n\r])*data_\S/i.test(text);
}

function siteMeta(a: Crystal['sites'][number]): MetadataValue {
  return { label: a.label, element: a.element, x: a.x, y: a.y, z: a.z, occupancy: a.occupancy, uIso: a.uIso }; // prettier-ignore
}

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

function atomsDataset(name: string, c: Crystal): Dataset {
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

/** Open CIF text (already read) as an OpenedFile. */
export function openCifText(text: string, path: string): OpenedFile {
  const doc = parseCif(text, path);
  const crystals = new Map<string, Crystal>();
  const blocks: MetadataValue[] = [];
  for (const block of doc.blocks) {
    if (!(getValue(block, '_cell_length_a') ?? getValue(block, '_cell.length_a'))) {
      blocks.push({ name: block.name, tags: block.tags.length, hasCell: false });
      continue;
    }
    const c = crystalFromCifBlock(block, { file: path });
    crystals.set(`${block.name}/atoms`, c);
    blocks.push(crystalMetadata(c));
  }
  const datasets: DatasetInfo[] = [...crystals.entries()].map(([name, c]) => {
    const d = atomsDataset(name, c);
    return { name, shape: [...d.array.shape], dtype: d.array.dtype, axes: d.axes, metadata: {}, role: 'table' }; // prettier-ignore
  });
  return {
    format: 'cif',
    path,
    datasets,
    metadata: { blocks },
    defaultDataset: datasets[0]?.name,
    read(name: string, selection?: Selection): Promise<Dataset> {
      const c = crystals.get(name);
      if (!c) {
        return Promise.reject(
          new NotFoundError(`${path}: no dataset '${name}'; datasets: ${[...crystals.keys()].join(', ') || '(none: no block has a unit cell)'}`), // prettier-ignore
        );
      }
      const d = atomsDataset(name, c);
      if (selection?.ranges) {
        return Promise.reject(new UnsupportedError(`${path}: CIF atom tables are read whole or by --frame (one atom)`)); // prettier-ignore
      }
      if (selection?.frame !== undefined) {
        const f = selection.frame;
        const n = c.atoms.length;
        if (!Number.isInteger(f) || f < 0 || f >= n) {
          return Promise.reject(new NotFoundError(`${path}: atom ${f} out of range 0..${n - 1} in ${name}`)); // prettier-ignore
        }
        const w = ATOM_COLUMNS.length;
        const row = (d.array.data as Float64Array).slice(f * w, f * w + w);
        return Promise.resolve({
          ...d,
          array: ndarray('float64', [w], row),
          axes: [d.axes[1]!],
          metadata: { ...d.metadata, labels: [c.atoms[f]!.label], elements: [c.atoms[f]!.element] }, // prettier-ignore
        });
      }
      return Promise.resolve(d);
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}

export const cifReader: FormatReader = {
  id: 'cif',
  extensions: ['cif'],
  sniff: sniffCif,
  async open(path: string): Promise<OpenedFile> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new NotFoundError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    return openCifText(new TextDecoder('utf-8').decode(bytes), path);
  },
};
