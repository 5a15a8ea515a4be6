import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, NotFoundError, UnsupportedError } from '../core/errors.js';
import { packageRoot, sharedDataDir } from '../core/paths.js';
import type { OpenedFile } from '../formats/types.js';
import { structureCifReader, structureFormats, STRUCTURE_READERS } from './cif-format.js';

const DIR = join(sharedDataDir(), 'cif');
const STRUCTURES = join(packageRoot(), 'data', 'structures');

/** What `bragg info --json` prints for a file (src/cli/commands/info.ts `summarize`), less `file`. */
function summary(f: OpenedFile): unknown {
  const s = {
    format: f.format,
    defaultDataset: f.defaultDataset ?? null,
    datasets: [...f.datasets],
    metadata: f.metadata,
  };
  return JSON.parse(JSON.stringify(s)) as unknown;
}

describe('CIF files read as structures', () => {
  it('keeps `bragg info --json` of the bundled CIFs as it was before the reader moved to crystal', async () => {
    // testdata/cif-info.json: the output of `bragg info <cif> --json` before the change
    const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'cif-info.json'), 'utf8')) as Record<string, unknown>; // prettier-ignore
    expect(Object.keys(golden).length).toBe(5);
    for (const [name, want] of Object.entries(golden)) {
      const path = join(STRUCTURES, name);
      const f = await structureFormats.open(path);
      expect(f.path).toBe(path);
      expect(summary(f)).toEqual(want);
      await f.close();
    }
  });

  it('replaces only the CIF reader of the built-in list', () => {
    expect(STRUCTURE_READERS.filter((r) => r.id === 'cif')).toEqual([structureCifReader]);
    expect(STRUCTURE_READERS.map((r) => r.id)).toContain('hdf5');
  });

  it('reads the atom table from bytes as from the path', async () => {
    const path = join(STRUCTURES, 'rutile.cif');
    const a = await structureFormats.open(path);
    const b = await structureFormats.open({ bytes: readFileSync(path), name: 'upload.cif' });
    expect(b.path).toBe('upload.cif');
    expect(summary(b)).toEqual(summary(a));
    expect(await b.read(b.defaultDataset!)).toEqual(await a.read(a.defaultDataset!));
  });

  describe.skipIf(!existsSync(DIR))('on real files', () => {
    it('lists blocks with cell, space group, formula and sites; reads the unit cell', async () => {
      const path = join(DIR, 'dans_diffraction', 'Rutile.cif');
      expect((await structureFormats.readerFor(path)).id).toBe('cif');
      const f = await structureFormats.open(path);
      expect(f.format).toBe('cif');
      expect(f.datasets.map((d) => [d.name, d.shape, d.dtype])).toEqual([[f.defaultDataset, [6, 5], 'float64']]); // prettier-ignore
      const block = (f.metadata.blocks as Record<string, unknown>[])[0]!;
      expect(block.spaceGroup).toMatchObject({
        number: 136,
        symbol: 'P 4_2/m n m',
        operations: 16,
      });
      expect(block.formula).toBe('O4 Ti2');
      expect((block.sites as unknown[]).length).toBe(2);
      const d = await f.read(f.defaultDataset!);
      expect(d.metadata.elements).toEqual(['Ti', 'Ti', 'O', 'O', 'O', 'O']);
      const row = await f.read(f.defaultDataset!, { frame: 1 });
      expect(Array.from(row.array.data as Float64Array)).toEqual([0.5, 0.5, 0.5, 1, 0]);
      await expect(f.read(f.defaultDataset!, { frame: 6 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(f.read(f.defaultDataset!, { ranges: [[0, 1]] })).rejects.toBeInstanceOf(UnsupportedError); // prettier-ignore
      await expect(f.read('nope')).rejects.toBeInstanceOf(NotFoundError);
      await f.close();
    });

    it('refuses broken CIFs and impossible space groups on open', async () => {
      await expect(structureCifReader.open(join(DIR, 'diffpy_structure', 'LiCl-bad.cif'))).rejects.toBeInstanceOf(FormatError); // prettier-ignore
      await expect(structureCifReader.open(join(DIR, 'diffpy_structure', 'badspacegroup.cif'))).rejects.toThrow(/unknown space group 'C2:b1'/); // prettier-ignore
      await expect(structureCifReader.open(join(DIR, 'nope.cif'))).rejects.toBeInstanceOf(NotFoundError); // prettier-ignore
    });
  });
});
