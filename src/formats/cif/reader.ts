/**
 * CIF as a bragg format, reading the syntax only: `open` lists every data block in the file
 * metadata with what its tags say (cell lengths and angles, space-group symbol, number and
 * Hall symbol, the atom-site loop as given). What a block means as a crystal (symmetry
 * expansion, formula, the unit cell as an atom table) is for the crystal layer: it passes a
 * `CifInterpreter` to `createCifReader` (see src/crystal/cif-format.ts); formats knows nothing
 * of crystals.
 */
import type { DataArray, Metadata, MetadataValue } from '../../core/data-array.js';
import { NotFoundError } from '../../core/errors.js';
import { readText, withSource } from '../../core/source.js';
import type { SourceInput, SourceOptions } from '../../core/source.js';
import type { ArrayInfo, FormatReader, OpenedFile, Selection } from '../types.js';
import type { CifBlock, CifValue } from './parse.js';
import { parseCif } from './parse.js';
import { firstTag, getColumn, getValue, valueNumber, valueText } from './values.js';

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

/** A dataset a block offers: its description (cheap) and how to read it. */
export interface CifBlockDataset {
  info: ArrayInfo;
  read(selection: Selection | undefined): Promise<DataArray>;
}

/** What an interpreter makes of one data block: its entry in `metadata.blocks`, and a dataset. */
export interface CifBlockView {
  metadata: MetadataValue;
  dataset?: CifBlockDataset;
}

/**
 * Reads one data block further (as a crystal structure, say). Returning undefined keeps the
 * block's plain description; throwing (a FormatError naming the tag) refuses the file.
 */
export type CifInterpreter = (block: CifBlock, file: string) => CifBlockView | undefined;

/** True when the block has a unit cell (`_cell_length_a` in DDL1 or DDL2 spelling). */
export function hasCell(block: CifBlock): boolean {
  return (getValue(block, '_cell_length_a') ?? getValue(block, '_cell.length_a')) !== undefined;
}

function number(v: CifValue | undefined): number | null {
  const n = valueNumber(v);
  return n === undefined || !Number.isFinite(n.value) ? null : n.value;
}

function item(block: CifBlock, tags: readonly string[]): CifValue | undefined {
  const tag = firstTag(block, tags);
  return tag === undefined ? undefined : getValue(block, tag);
}

const CELL = ['length_a', 'length_b', 'length_c', 'angle_alpha', 'angle_beta', 'angle_gamma'];
const SPACE_GROUP: Record<string, string[]> = {
  symbol: ['_space_group_name_h-m_alt', '_symmetry_space_group_name_h-m', '_space_group.name_h-m_alt'], // prettier-ignore
  hall: ['_space_group_name_hall', '_symmetry_space_group_name_hall', '_space_group.name_hall'],
  number: ['_space_group_it_number', '_symmetry_int_tables_number', '_space_group.it_number'],
};
const SITE_ITEMS = ['label', 'type_symbol', 'fract_x', 'fract_y', 'fract_z', 'occupancy'];

/** What a block's own tags say: cell, space-group names, the atom-site loop as given. */
export function describeBlock(block: CifBlock): Metadata {
  const meta: Metadata = { name: block.name, tags: block.tags.length, hasCell: hasCell(block) };
  if (!meta.hasCell) return meta;
  const cell: Metadata = {};
  for (const c of CELL) cell[c.replace(/^(length|angle)_/, '')] = number(item(block, [`_cell_${c}`, `_cell.${c}`])); // prettier-ignore
  meta.cell = cell;
  const sg: Metadata = {};
  for (const [k, tags] of Object.entries(SPACE_GROUP)) {
    const v = item(block, tags);
    if (v?.kind === 'text') sg[k] = k === 'number' ? number(v) : valueText(v);
  }
  meta.spaceGroup = sg;
  const cols = SITE_ITEMS.map((i) => {
    const tag = firstTag(block, [`_atom_site_${i}`, `_atom_site.${i}`]);
    return tag === undefined ? undefined : getColumn(block, tag);
  });
  const n = Math.max(0, ...cols.map((c) => c?.length ?? 0));
  const sites: MetadataValue[] = [];
  for (let r = 0; r < n; r++) {
    const v = cols.map((c) => c?.[r]);
    sites.push({ label: valueText(v[0]), typeSymbol: valueText(v[1]), x: number(v[2]), y: number(v[3]), z: number(v[4]), occupancy: number(v[5]) }); // prettier-ignore
  }
  meta.sites = sites;
  return meta;
}

/** Open CIF text (already read) as an OpenedFile, each block read by `interpret` where it can. */
export function openCifText(text: string, path: string, interpret?: CifInterpreter): OpenedFile {
  const doc = parseCif(text, path);
  const tables = new Map<string, CifBlockDataset>();
  const blocks: MetadataValue[] = [];
  for (const block of doc.blocks) {
    const view = interpret?.(block, path);
    if (view === undefined) {
      blocks.push(describeBlock(block));
      continue;
    }
    blocks.push(view.metadata);
    if (view.dataset) tables.set(view.dataset.info.name, view.dataset);
  }
  const datasets = [...tables.values()].map((t) => t.info);
  return {
    format: 'cif',
    path,
    datasets,
    metadata: { blocks },
    defaultDataset: datasets[0]?.name,
    read(name: string, selection?: Selection): Promise<DataArray> {
      const t = tables.get(name);
      if (!t) {
        return Promise.reject(
          new NotFoundError(`${path}: no dataset '${name}'; datasets: ${[...tables.keys()].join(', ') || '(none)'}`), // prettier-ignore
        );
      }
      return t.read(selection);
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}

/** A CIF reader; with an interpreter, blocks are read further (src/crystal/cif-format.ts). */
export function createCifReader(interpret?: CifInterpreter): FormatReader {
  return {
    id: 'cif',
    extensions: ['cif'],
    sniff: sniffCif,
    async open(input: SourceInput, options?: SourceOptions): Promise<OpenedFile> {
      return withSource(input, (s) => openCifText(readText(s, 'CIF'), s.name, interpret), options); // prettier-ignore
    },
  };
}

/** The syntax-only CIF reader of the built-in registry. */
export const cifReader: FormatReader = createCifReader();
