import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError, NotFoundError } from '../../core/errors.js';
import { sharedDataDir } from '../../core/paths.js';
import { openAny, readerFor } from '../registry.js';
import { cifReader, sniffCif } from './reader.js';

const enc = (s: string) => new TextEncoder().encode(s);
const DIR = join(sharedDataDir(), 'cif');

describe('CIF reader', () => {
  it('sniffs data_ after comments, and the CIF magic; not other text', () => {
    expect(sniffCif(enc('#comment\n\n  data_x\n'))).toBe(true);
    expect(sniffCif(enc('#\\#CIF_2.0\n'))).toBe(true);
    expect(sniffCif(enc('x,y\n1,2\n'))).toBe(false);
    expect(sniffCif(new Uint8Array([0x89, 0x48, 0x44, 0x46, 0, 0]))).toBe(false);
  });

  describe.skipIf(!existsSync(DIR))('on real files', () => {
    it('is found by the registry and lists blocks with cell, space group and sites', async () => {
      const path = join(DIR, 'dans_diffraction', 'Rutile.cif');
      expect((await readerFor(path)).id).toBe('cif');
      const f = await openAny(path);
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
      await expect(f.read('nope')).rejects.toBeInstanceOf(NotFoundError);
      await f.close();
    });

    it('refuses broken CIFs on open', async () => {
      await expect(cifReader.open(join(DIR, 'diffpy_structure', 'LiCl-bad.cif'))).rejects.toBeInstanceOf(FormatError); // prettier-ignore
      await expect(cifReader.open(join(DIR, 'nope.cif'))).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});
