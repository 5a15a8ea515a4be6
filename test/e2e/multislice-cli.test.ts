import { describe, expect, it, vi } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { main } from '../../src/cli/main.js';
import { decodeNpz } from '../../src/formats/npy/npz.js';
import { packageRoot } from '../../src/core/paths.js';

describe('bragg simulate pacbed (CLI)', () => {
  it('writes pacbed (n_thickness, ny, nx) float32, thickness_A and mrad_per_px from the bundled rutile CIF', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bragg-ms-'));
    try {
      const out = join(dir, 'p.npz');
      const cif = join(packageRoot(), 'data', 'structures', 'rutile.cif');
      const code = await main([
        'node',
        'bragg',
        'simulate',
        'pacbed',
        cif,
        '--kv',
        '80',
        '--conv-angle',
        '20',
        '--thickness',
        '30,60',
        '--sampling',
        '0.1',
        '--extent',
        '4.6',
        '--scan',
        '2',
        '--max-angle',
        '40',
        '--threads',
        '1',
        '-o',
        out,
        '--png',
        join(dir, 'p.png'),
      ]);
      expect(code).toBe(0);
      const a = decodeNpz(new Uint8Array(await readFile(out)));
      expect(a.pacbed!.dtype).toBe('float32');
      expect(a.pacbed!.shape[0]).toBe(2);
      const ny = a.pacbed!.shape[1]!;
      // zero angle at (ny//2, nx//2): the brightest region is the central disc
      expect(ny % 2).toBe(1);
      expect(Array.from(a.thickness_A!.data as Float64Array)[0]).toBeCloseTo(29.6, 0);
      expect(a.mrad_per_px!.shape).toEqual([2]);
      const png = await readFile(join(dir, 'p.png'));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // bad input: a typed error, exit code 1
      expect(
        await main([
          'node',
          'bragg',
          'simulate',
          'pacbed',
          cif,
          '--kv',
          '-3',
          '--conv-angle',
          '20',
          '--thickness',
          '30',
          '-o',
          out,
        ]),
      ).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs one position per symmetry orbit, and every one with --no-symmetry: the same pattern', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bragg-ms-'));
    const cif = join(packageRoot(), 'data', 'structures', 'rutile.cif');
    const run = async (out: string, ...extra: string[]): Promise<Record<string, unknown>> => {
      const lines: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
      try {
        const code = await main(
          ['node', 'bragg', 'simulate', 'pacbed', cif, '--kv', '80', '--conv-angle', '20']
            .concat(['--thickness', '30', '--sampling', '0.1', '--extent', '9.2', '--scan', '4'])
            .concat(['--threads', '1', '--json', '-o', join(dir, out), ...extra]),
        );
        expect(code).toBe(0);
      } finally {
        spy.mockRestore();
      }
      return JSON.parse(lines.join('')) as Record<string, unknown>;
    };
    try {
      const sym = await run('s.npz');
      const all = await run('a.npz', '--no-symmetry');
      // rutile [001]: 1, 2, and the two diagonal mirrors; 4×4 positions → (16 + 4 + 4 + 4)/4
      // = 7 orbits (Burnside: the positions each operation fixes)
      expect(sym.symmetry).toEqual({ order: 4, computedPositions: 7 });
      expect(all.symmetry).toEqual({ order: 1, computedPositions: 16 });
      expect(sym.positions).toBe(16);
      const a = decodeNpz(new Uint8Array(await readFile(join(dir, 's.npz')))).pacbed!;
      const b = decodeNpz(new Uint8Array(await readFile(join(dir, 'a.npz')))).pacbed!;
      const pa = a.data as Float32Array;
      const pb = b.data as Float32Array;
      let d = 0;
      let t = 0;
      for (let i = 0; i < pb.length; i++) {
        d += Math.abs(pa[i]! - pb[i]!);
        t += pb[i]!;
      }
      expect(d / t).toBeLessThan(1e-5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--prism --interpolation 2 writes a pattern with twice the angular pixel', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bragg-ms-'));
    try {
      const cif = join(packageRoot(), 'data', 'structures', 'rutile.cif');
      const args = (out: string, extra: string[]): string[] => [
        'node',
        'bragg',
        'simulate',
        'pacbed',
        cif,
        '--kv',
        '80',
        '--conv-angle',
        '20',
        '--thickness',
        '20',
        '--sampling',
        '0.15',
        '--extent',
        '9.2',
        '--scan',
        '2',
        '--max-angle',
        '40',
        '--threads',
        '1',
        '-o',
        out,
        ...extra,
      ];
      const plain = join(dir, 'plain.npz');
      const prism = join(dir, 'prism.npz');
      expect(await main(args(plain, []))).toBe(0);
      expect(await main(args(prism, ['--prism', '--interpolation', '2']))).toBe(0);
      const a = decodeNpz(new Uint8Array(await readFile(plain)));
      const b = decodeNpz(new Uint8Array(await readFile(prism)));
      const pa = Array.from(a.mrad_per_px!.data as Float64Array);
      const pb = Array.from(b.mrad_per_px!.data as Float64Array);
      expect(pb[0]).toBeCloseTo(2 * pa[0]!, 10);
      expect(Array.from(b.prism_interpolation!.data as Int32Array)).toEqual([2]);
      // a factor the grid cannot use is a typed error (exit code 1), not a crash
      expect(await main(args(prism, ['--prism', '--interpolation', '7']))).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
