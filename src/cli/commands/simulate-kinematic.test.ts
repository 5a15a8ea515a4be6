import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

// Au, Fm-3m, a = 4.07825 Å (cell of Dans_Diffraction Gold.cif), written here so the test
// needs no shared data.
const GOLD_CIF = `data_Au
_cell_length_a 4.07825
_cell_length_b 4.07825
_cell_length_c 4.07825
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'F m -3 m'
_symmetry_Int_Tables_number 225
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_U_iso_or_equiv
Au1 Au 0 0 0 0.0063
`;

describe('bragg simulate (kinematic)', () => {
  let dir: string;
  let out: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bragg-kin-'));
    writeFileSync(join(dir, 'Au.cif'), GOLD_CIF);
    out = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('reflections --json lists hkl, g, d, multiplicity, F2 and intensity = m·F2', async () => {
    const cif = join(dir, 'Au.cif');
    expect(
      await main([
        'node',
        'bragg',
        'simulate',
        'reflections',
        cif,
        '--kv',
        '200',
        '--gmax',
        '1.0',
        '--json',
      ]),
    ).toBe(0);
    const rows = JSON.parse(out.join('')) as {
      hkl: number[];
      g: number;
      d: number;
      multiplicity: number;
      F2: number;
      intensity: number;
    }[];
    expect(rows[0]!.hkl).toEqual([1, 1, 1]);
    expect(rows[0]!.d).toBeCloseTo(2.35458, 4); // MANIFEST §3.4 DERIVED d111 of Au
    expect(rows[0]!.multiplicity).toBe(8);
    expect(rows[1]!.hkl).toEqual([2, 0, 0]);
    expect(rows[1]!.multiplicity).toBe(6);
    for (const r of rows) {
      expect(r.intensity).toBeCloseTo(r.multiplicity * r.F2, 8);
      expect(r.g * r.d).toBeCloseTo(1, 12);
      expect(r.hkl.every((x) => x % 2 === 0) || r.hkl.every((x) => Math.abs(x) % 2 === 1)).toBe(
        true,
      ); // fcc
    }
    // --no-dw raises |F|² (Uiso 0.0063 in the file)
    out = [];
    await main([
      'node',
      'bragg',
      'simulate',
      'reflections',
      cif,
      '--kv',
      '200',
      '--gmax',
      '1.0',
      '--json',
      '--no-dw',
    ]);
    const noDw = JSON.parse(out.join('')) as { F2: number }[];
    expect(noDw[0]!.F2).toBeGreaterThan(rows[0]!.F2);
  });

  it('profile -o .csv on the seed147 axis and pattern -o .npy', async () => {
    const cif = join(dir, 'Au.cif');
    const csv = join(dir, 'p.csv');
    expect(
      await main([
        'node',
        'bragg',
        'simulate',
        'profile',
        cif,
        '--kv',
        '200',
        '--axis',
        'seed147',
        '-o',
        csv,
      ]),
    ).toBe(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines.length).toBe(148);
    const y = lines.slice(1).map((l) => Number(l.split(',')[1]));
    expect(Math.max(...y)).toBeCloseTo(1, 10);
    const npy = join(dir, 'pat.npy');
    expect(
      await main([
        'node',
        'bragg',
        'simulate',
        'pattern',
        cif,
        '--kv',
        '200',
        '--zone',
        '1,1,0',
        '--size',
        '64',
        '-o',
        npy,
      ]),
    ).toBe(0);
    const bytes = readFileSync(npy);
    expect(bytes.subarray(1, 6).toString('latin1')).toBe('NUMPY');
    expect(bytes.toString('latin1', 10, 120)).toContain('(64, 64)');
  });

  it('bad input exits 1 with a message, not a crash', async () => {
    const cif = join(dir, 'Au.cif');
    expect(await main(['node', 'bragg', 'simulate', 'reflections', cif, '--kv', 'abc'])).toBe(1);
    expect(
      await main([
        'node',
        'bragg',
        'simulate',
        'reflections',
        cif,
        '--kv',
        '200',
        '--params',
        'xray',
      ]),
    ).toBe(1);
    expect(
      await main([
        'node',
        'bragg',
        'simulate',
        'pattern',
        cif,
        '--kv',
        '200',
        '--zone',
        '0,0,0',
        '-o',
        join(dir, 'a.png'),
      ]),
    ).toBe(1);
    expect(
      await main([
        'node',
        'bragg',
        'simulate',
        'profile',
        cif,
        '--kv',
        '200',
        '-o',
        join(dir, 'a.txt'),
      ]),
    ).toBe(1);
    expect(
      await main([
        'node',
        'bragg',
        'simulate',
        'reflections',
        join(dir, 'missing.cif'),
        '--kv',
        '200',
      ]),
    ).toBe(1);
  });

  it('orientations --step reports the fundamental-zone count (m-3m: ≈ full grid / 24); --random writes (n, 4)', async () => {
    const cif = join(dir, 'Au.cif');
    expect(
      await main(['node', 'bragg', 'simulate', 'orientations', cif, '--step', '10', '--json']),
    ).toBe(0);
    const r = JSON.parse(out.join('')) as {
      laueClass: string;
      symmetryOrder: number;
      count: number;
      fullGridCount: number;
    };
    expect(r.laueClass).toBe('m-3m');
    expect(r.symmetryOrder).toBe(24);
    expect(r.count / (r.fullGridCount / 24)).toBeGreaterThan(0.9);
    expect(r.count / (r.fullGridCount / 24)).toBeLessThan(1.15);
    const npy = join(dir, 'q.npy');
    expect(
      await main([
        'node',
        'bragg',
        'simulate',
        'orientations',
        cif,
        '--random',
        '3',
        '--seed',
        '1',
        '-o',
        npy,
      ]),
    ).toBe(0);
    expect(readFileSync(npy).toString('latin1', 10, 120)).toContain('(3, 4)');
    expect(await main(['node', 'bragg', 'simulate', 'orientations', cif])).toBe(1);
  });
});
