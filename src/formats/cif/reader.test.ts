import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, NotFoundError } from '../../core/errors.js';
import { sharedDataDir } from '../../core/paths.js';
import { ndarray } from '../../core/ndarray.js';
import { openAny, readerFor } from '../registry.js';
import { cifReader, createCifReader, openCifText, sniffCif } from './reader.js';
import type { CifInterpreter } from './reader.js';

const enc = (s: string) => new TextEncoder().encode(s);
const DIR = join(sharedDataDir(), 'cif');

const NACL = `data_nacl
_cell_length_a 5.64(1)
_cell_length_b 5.64
_cell_length_c 5.64
_symmetry_space_group_name_H-M 'F m -3 m'
_space_group_IT_number 225
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Na1 Na+ 0 0 0
Cl1 Cl- 0.5 0.5 0.5
data_notes
_journal_year 2024
`;

describe('CIF reader', () => {
  it('sniffs data_ after comments, and the CIF magic; not other text', () => {
    expect(sniffCif(enc('#comment\n\n  data_x\n'))).toBe(true);
    expect(sniffCif(enc('#\\#CIF_2.0\n'))).toBe(true);
    expect(sniffCif(enc('x,y\n1,2\n'))).toBe(false);
    expect(sniffCif(new Uint8Array([0x89, 0x48, 0x44, 0x46, 0, 0]))).toBe(false);
  });

  it('reports what the tags say, block by block, without building a crystal', () => {
    const f = openCifText(NACL, 'nacl.cif');
    expect(f.datasets).toEqual([]);
    expect(f.metadata.blocks).toEqual([
      {
        name: 'nacl',
        tags: 10,
        hasCell: true,
        cell: { a: 5.64, b: 5.64, c: 5.64, alpha: null, beta: null, gamma: null },
        spaceGroup: { symbol: 'F m -3 m', number: 225 },
        sites: [
          { label: 'Na1', typeSymbol: 'Na+', x: 0, y: 0, z: 0, occupancy: null },
          { label: 'Cl1', typeSymbol: 'Cl-', x: 0.5, y: 0.5, z: 0.5, occupancy: null },
        ],
      },
      { name: 'notes', tags: 1, hasCell: false },
    ]);
  });

  it('hands every block to an interpreter, which may add a dataset or keep the plain entry', async () => {
    const seen: string[] = [];
    const interpret: CifInterpreter = (block, file) => {
      seen.push(`${file}:${block.name}`);
      if (block.name !== 'nacl') return undefined;
      const array = ndarray('float64', [1], Float64Array.of(1));
      const info = {
        name: 'nacl/x',
        shape: [1],
        dtype: 'float64' as const,
        axes: [],
        metadata: {},
      };
      return {
        metadata: { name: 'nacl', interpreted: true },
        dataset: { info, read: () => Promise.resolve({ name: 'nacl/x', array, axes: [], metadata: {} }) }, // prettier-ignore
      };
    };
    const f = await createCifReader(interpret).open({ bytes: enc(NACL), name: 'up.cif' });
    expect(seen).toEqual(['up.cif:nacl', 'up.cif:notes']);
    expect(f.path).toBe('up.cif');
    expect(f.metadata.blocks).toEqual([{ name: 'nacl', interpreted: true }, { name: 'notes', tags: 1, hasCell: false }]); // prettier-ignore
    expect(f.defaultDataset).toBe('nacl/x');
    expect((await f.read('nacl/x')).array.data).toEqual(Float64Array.of(1));
    await expect(f.read('nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  describe.skipIf(!existsSync(DIR))('on real files', () => {
    it('is found by the registry and lists each block with its cell, space group and sites', async () => {
      const path = join(DIR, 'dans_diffraction', 'Rutile.cif');
      expect((await readerFor(path)).id).toBe('cif');
      const f = await openAny(path);
      expect(f.format).toBe('cif');
      const block = (f.metadata.blocks as Record<string, unknown>[])[0]!;
      expect(block.hasCell).toBe(true);
      expect((block.sites as unknown[]).length).toBe(2);
      await expect(f.read('nope')).rejects.toBeInstanceOf(NotFoundError);
      await f.close();
    });

    it('refuses broken CIFs on open', async () => {
      await expect(cifReader.open(join(DIR, 'diffpy_structure', 'LiCl-bad.cif'))).rejects.toBeInstanceOf(FormatError); // prettier-ignore
      await expect(cifReader.open(join(DIR, 'nope.cif'))).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});
