/**
 * Bad input for CIF → Crystal (src/crystal/cif.ts): truncated, mutated and random CIFs give
 * only typed errors, whatever stage (syntax, cell, symmetry, sites) they reach.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedDataDir } from '../core/paths.js';
import { createRng } from '../core/rng.js';
import { expectOnlyTypedErrors, mutations, truncations } from '../../test/support/formats/fuzz.js';
import { crystalFromCif } from './structure.js';

describe.skipIf(!existsSync(join(sharedDataDir(), 'cif')))('bad input: only typed errors', () => {
  const dir = join(sharedDataDir(), 'cif');
  const files = ['dans_diffraction/Graphite.cif', 'diffpy_structure/TeI.cif', 'diffpy_structure/PbTe.cif', 'dans_diffraction/Rutile.cif']; // prettier-ignore

  it('truncations of real CIFs', async () => {
    for (const f of files) {
      const bytes = readFileSync(join(dir, f));
      for (const t of truncations(bytes, 80)) {
        const text = new TextDecoder().decode(t);
        await expectOnlyTypedErrors(() => crystalFromCif(text, { file: f }));
      }
    }
  });

  it('600 seeded byte mutations of real CIFs', async () => {
    let failures = 0;
    for (const [i, f] of files.entries()) {
      const bytes = readFileSync(join(dir, f));
      for (const m of mutations(bytes, 1000 + i, 150)) {
        const text = new TextDecoder().decode(m.bytes);
        const r = await expectOnlyTypedErrors(() => crystalFromCif(text, { file: f }));
        if (r !== 'ok') failures++;
      }
    }
    expect(failures).toBeGreaterThan(0); // the mutations do reach the error paths
  });

  it('token-level mutations (swap, drop, duplicate lines and words) of real CIFs', async () => {
    const rng = createRng(99);
    for (const f of files) {
      const lines = readFileSync(join(dir, f), 'utf8').split('\n');
      for (let k = 0; k < 60; k++) {
        const ls = [...lines];
        const i = rng.int(ls.length);
        const j = rng.int(ls.length);
        const op = rng.int(4);
        if (op === 0) [ls[i], ls[j]] = [ls[j]!, ls[i]!];
        else if (op === 1) ls.splice(i, 1);
        else if (op === 2) ls.splice(i, 0, ls[j]!);
        else ls[i] = ls[i]!.split(/\s+/).reverse().join(' ');
        await expectOnlyTypedErrors(() => crystalFromCif(ls.join('\n'), { file: f }));
      }
    }
  });

  it('random unicode text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (s) => {
        await expectOnlyTypedErrors(() => crystalFromCif(s));
        await expectOnlyTypedErrors(() => crystalFromCif(`data_x\n${s}`));
        await expectOnlyTypedErrors(() => crystalFromCif(`data_x\n_cell_length_a 3\n_cell_length_b 3\n_cell_length_c 3\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n${s}`)); // prettier-ignore
      }),
      { seed: 17, numRuns: 300 },
    );
  });
});
