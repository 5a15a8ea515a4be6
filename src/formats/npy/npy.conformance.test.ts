/**
 * Conformance: every NPY/NPZ file under ../shared/data/npy, checked against the values in
 * ../shared/data/MANIFEST.md §4 (and §2.3 for test_rgba16.npz). Skips when the corpus is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../core/errors.js';
import { sharedDataDir } from '../../core/paths.js';
import { decodeNpy, readNpy, writeNpy } from './npy.js';
import { decodeNpz, decodeNpzMember, listNpz, readNpz } from './npz.js';
import { memberDataOffset } from './zip.js';

const dir = join(sharedDataDir(), 'npy');

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

describe.skipIf(!existsSync(dir))('NPY/NPZ conformance corpus (MANIFEST §4)', () => {
  it('py3-arr-savez.npz (STORED): x = int64 (4,3) arange(12), foo = 0-d <U3 "bar"', async () => {
    // MANIFEST §4: numpy test_regression.py test_savez_deterministic (x), foo DERIVED.
    for (const name of ['py3-arr-savez.npz', 'py3-arr-savez-compressed.npz']) {
      const z = await readNpz(join(dir, 'numpy', name));
      expect(Object.keys(z).sort()).toEqual(['foo', 'x']);
      expect(z.x!.dtype).toBe('int64');
      expect(z.x!.shape).toEqual([4, 3]);
      expect(Array.from(z.x!.data as BigInt64Array, Number)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
      ]);
      expect(z.foo!.dtype).toBe('string');
      expect(z.foo!.shape).toEqual([]);
      expect(z.foo!.data).toEqual(['bar']);
    }
  });

  it('re-writing the STORED members with writeNpy reproduces numpy’s member bytes exactly', () => {
    // MANIFEST §4: re-saving the loaded arrays with np.savez reproduces the file byte-for-byte,
    // so numpy's .npy serialisation of these arrays is exactly the stored member content.
    const bytes = readFileSync(join(dir, 'numpy', 'py3-arr-savez.npz'));
    for (const m of listNpz(bytes)) {
      expect(m.entry.method).toBe(0);
      const at = memberDataOffset(bytes, m.entry);
      const stored = bytes.subarray(at, at + m.entry.compressedSize);
      const a = decodeNpzMember(bytes, m).array;
      expect(Buffer.from(writeNpy(a)).equals(Buffer.from(stored))).toBe(true);
    }
  });

  it('object arrays (py3-objarr.npy / .npz) are refused with a FormatError, never unpickled', async () => {
    // MANIFEST §4: dtype |O, numpy's allow_pickle=False raises; a non-Python reader should reject it.
    await expect(readNpy(join(dir, 'numpy', 'py3-objarr.npy'))).rejects.toThrow(
      /object \(pickled\) arrays are refused/,
    );
    await expect(readNpz(join(dir, 'numpy', 'py3-objarr.npz'))).rejects.toBeInstanceOf(FormatError);
  });

  it('protochips_electrical.npy: Fortran-order <f8 (154,6) transposed to C order', async () => {
    const a = await readNpy(join(dir, 'rosettasciio', 'protochips', 'protochips_electrical.npy'));
    expect(a.dtype).toBe('float64');
    expect(a.shape).toEqual([154, 6]);
    const d = a.data as Float64Array;
    // MANIFEST §4 (DERIVED): a[0,:3] = [-6.91414e-13, 6.14405e-05, NaN]
    expect(d[0]).toBe(-6.91414e-13);
    expect(d[1]).toBe(6.14405e-5);
    expect(d[2]).toBeNaN();
    // first 4 values in file (column-major) order = a[0..3, 0]
    expect([d[0], d[6], d[12], d[18]]).toEqual([-6.91414e-13, 0.0179983, 0.0179984, 0.0179992]);
    // 156 NaN values, nansum 416607.8610180071
    expect(Array.from(d).filter(Number.isNaN).length).toBe(156);
    expect(sum(Array.from(d).filter((x) => !Number.isNaN(x)))).toBeCloseTo(416607.8610180071, 6);
  });

  it('bruker 30x30_16bit.npy and _ds.npy: <u2 C order, sums and first values', async () => {
    const a = await readNpy(join(dir, 'rosettasciio', 'bruker', '30x30_16bit.npy'));
    expect(a.dtype).toBe('uint16');
    expect(a.shape).toEqual([30, 30, 2]);
    // MANIFEST §4 (DERIVED): sum 448316, first 259, 216, 251, 249
    expect(sum(a.data as Uint16Array)).toBe(448316);
    expect(Array.from((a.data as Uint16Array).subarray(0, 4))).toEqual([259, 216, 251, 249]);
    const b = await readNpy(join(dir, 'rosettasciio', 'bruker', '30x30_16bit_ds.npy'));
    expect(b.shape).toEqual([8, 8, 2]);
    expect(sum(b.data as Uint16Array)).toBe(448316);
    expect(Array.from((b.data as Uint16Array).subarray(0, 4))).toEqual([3376, 3399, 2436, 2461]);
  });

  it('delmic sparc-hyperspectral data and wavelengths', async () => {
    const a = await readNpy(join(dir, 'rosettasciio', 'delmic', 'sparc-hyperspectral-data.npy'));
    expect(a.dtype).toBe('uint16');
    expect(a.shape).toEqual([3, 2, 128]);
    // MANIFEST §4/§2.3: sum 582366, first 841, 799, 799, 692
    expect(sum(a.data as Uint16Array)).toBe(582366);
    expect(Array.from((a.data as Uint16Array).subarray(0, 4))).toEqual([841, 799, 799, 692]);
    const w = await readNpy(
      join(dir, 'rosettasciio', 'delmic', 'sparc-hyperspectral-wavelengths.npy'),
    );
    expect(w.shape).toEqual([128]);
    const wd = w.data as Float64Array;
    // MANIFEST §4: first 467.87594604492193, 469.95666503906256; sum 76800.00006103516
    expect(wd[0]).toBe(467.87594604492193);
    expect(wd[1]).toBe(469.95666503906256);
    expect(sum(wd)).toBeCloseTo(76800.00006103516, 8);
  });

  it('test_rgba16.npz: structured RGBA uint16 (3,128,128) read as uint16 (3,128,128,4)', async () => {
    const bytes = readFileSync(join(dir, 'rosettasciio', 'npz', 'test_rgba16.npz'));
    const [m] = listNpz(bytes);
    expect(m!.key).toBe('a');
    expect(m!.entry.method).toBe(8);
    const { array, info } = decodeNpzMember(bytes, m!);
    expect(array.dtype).toBe('uint16');
    expect(array.shape).toEqual([3, 128, 128, 4]);
    expect(info.fields).toEqual(['R', 'G', 'B', 'A']);
    const d = array.data as Uint16Array;
    // MANIFEST §2.3 (DERIVED): per-channel sums R = G = B = 1123794180, A = 3221176320; first pixel (0,0,0,65535)
    const sums = [0, 0, 0, 0];
    for (let i = 0; i < d.length; i++) sums[i % 4]! += d[i]!;
    expect(sums).toEqual([1123794180, 1123794180, 1123794180, 3221176320]);
    expect(Array.from(d.subarray(0, 4))).toEqual([0, 0, 0, 65535]);
  });

  it('every .npy/.npz in the corpus decodes, except the object arrays, which are refused', () => {
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (/\.np[yz]$/.test(e.name)) files.push(join(d, e.name));
      }
    };
    walk(dir);
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const p of files) {
      const bytes = readFileSync(p);
      const decode = (): unknown =>
        p.endsWith('.npy') ? decodeNpy(bytes, p) : decodeNpz(bytes, p);
      if (p.includes('objarr')) expect(decode).toThrow(FormatError);
      else expect(decode).not.toThrow();
    }
  });
});
