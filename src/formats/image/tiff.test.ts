/**
 * TIFF: files written by libtiff's tiffcp (testdata/README.md) read with the values of their
 * source arrays; bragg's writer read back by bragg and by libtiff (when tiffcp/tiffcmp are
 * installed); round trips of every writable type.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DType } from '../../core/dtype.js';
import { allocate } from '../../core/dtype.js';
import type { NDArray } from '../../core/ndarray.js';
import { ndarray, shapeSize } from '../../core/ndarray.js';
import { decodeNpy } from '../npy/npy.js';
import { openAny } from '../registry.js';
import { decodePage } from './tiff.js';
import { parseTiff } from './tiff-ifd.js';
import { encodeTiff, toRational } from './tiff-write.js';
import { tiffWriter } from './formats.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): Uint8Array => readFileSync(join(here, 'testdata', name));
const source = (name: string): NDArray => decodeNpy(fixture(name)).array;

function readAll(bytes: Uint8Array): NDArray[] {
  const t = parseTiff(bytes);
  return t.pages.map((p) => decodePage(bytes, p, t.littleEndian));
}

const hex = (a: NDArray): string => {
  const d = a.data as Exclude<NDArray['data'], string[]>;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
};

describe('TIFF files written by libtiff (tiffcp)', () => {
  const u16 = source('src-u16.npy');
  const f32 = source('src-f32.npy');
  const rgb = source('src-rgb8.npy');

  it.each([
    'src-u16.tif',
    'u16-lzw.tif',
    'u16-lzw-pred2.tif',
    'u16-zip.tif',
    'u16-packbits-strips.tif',
    'u16-be.tif',
    'u16-be-lzw-pred2.tif',
    'u16-tiled-zip.tif',
    'u16-bigtiff-lzw.tif',
  ])('%s decodes to the source uint16 array', (name) => {
    const [a] = readAll(fixture(name));
    expect(a!.dtype).toBe('uint16');
    expect(a!.shape).toEqual([48, 64]);
    expect(hex(a!)).toBe(hex(u16));
  });

  it.each(['src-f32.tif', 'f32-zip-pred3.tif', 'f32-be-lzw.tif'])(
    '%s decodes to the source float32 array',
    (name) => {
      const [a] = readAll(fixture(name));
      expect(a!.dtype).toBe('float32');
      expect(hex(a!)).toBe(hex(f32));
    },
  );

  it.each(['src-rgb8.tif', 'rgb8-planar-lzw.tif', 'rgb8-packbits.tif'])(
    '%s decodes to rgb8 with the source bytes',
    (name) => {
      const [a] = readAll(fixture(name));
      expect(a!.dtype).toBe('rgb8');
      expect(a!.shape).toEqual([48, 64]);
      expect(hex(a!)).toBe(hex(rgb));
    },
  );

  it('decoding leaves the file bytes untouched (big-endian data is swapped in a copy)', () => {
    const bytes = fixture('u16-be.tif');
    const before = Buffer.from(bytes).toString('hex');
    readAll(bytes);
    expect(Buffer.from(bytes).toString('hex')).toBe(before);
  });

  it('the big-endian and BigTIFF variants are recognised as such', () => {
    expect(parseTiff(fixture('u16-be-lzw-pred2.tif')).littleEndian).toBe(false);
    expect(parseTiff(fixture('u16-bigtiff-lzw.tif')).bigTiff).toBe(true);
    const tiled = parseTiff(fixture('u16-tiled-zip.tif')).pages[0]!;
    expect([tiled.tiled, tiled.tileWidth, tiled.tileHeight]).toEqual([true, 16, 16]);
  });

  it('a 3-page file opens as a stack (default) and pages; a mixed file has no stack', async () => {
    const f = await openAny(join(here, 'testdata', 'u16-3pages.tif'));
    expect(f.format).toBe('tiff');
    expect(f.defaultDataset).toBe('stack');
    expect(f.datasets.map((d) => d.name)).toEqual(['stack', 'page 0', 'page 1', 'page 2']);
    const s = await f.read('stack');
    expect(s.array.shape).toEqual([3, 48, 64]);
    expect(hex(s.array).slice(-hex(u16).length)).toBe(hex(u16));
    const p1 = await f.read('stack', { frame: 1 });
    expect(hex(p1.array)).toBe(hex(u16));
    const m = await openAny(join(here, 'testdata', 'mixed-2pages.tif'));
    expect(m.datasets.map((d) => `${d.name}:${d.dtype}`)).toEqual([
      'page 0:uint16',
      'page 1:float32',
    ]);
    expect(m.defaultDataset).toBe('page 0');
  });
});

const WRITABLE: DType[] = [
  'uint8',
  'uint16',
  'uint32',
  'int8',
  'int16',
  'int32',
  'float32',
  'float64',
  'rgb8',
  'rgba8',
];

function randomArray(dtype: DType, shape: number[], bytes: Uint8Array): NDArray {
  const data = allocate(dtype, shapeSize(shape)) as Exclude<NDArray['data'], string[]>;
  const v = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < v.length; i++) v[i] = bytes[i % bytes.length]! ^ (i * 31);
  return ndarray(dtype, shape, data);
}

describe('TIFF writer', () => {
  it('every writable type, single page and stacks, round-trips bit-exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...WRITABLE),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ minLength: 1, maxLength: 32 }),
        (dtype, h, w, pages, bytes) => {
          const colour = dtype === 'rgb8' || dtype === 'rgba8';
          const shape = pages === 0 || colour ? [h, w] : [pages, h, w];
          const a = randomArray(dtype, shape, bytes);
          const back = readAll(encodeTiff(a));
          expect(back.length).toBe(shape.length === 3 ? pages : 1);
          const joined = back.map(hex).join('');
          expect(back[0]!.dtype).toBe(dtype);
          expect(joined).toBe(hex(a));
        },
      ),
      { seed: 5, numRuns: 200 },
    );
  });

  it('pixel size survives write → read as calibrated y/x axes (ImageJ unit, µ included)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bragg-tiffcal-'));
    try {
      const p = join(dir, 'cal.tif');
      const img = ndarray('float32', [3, 4]);
      await tiffWriter.write(p, [
        {
          name: 'image',
          array: img,
          axes: [
            { name: 'y', size: 3, scale: 0.0123, offset: 0, units: 'µm' },
            { name: 'x', size: 4, scale: 0.5, offset: 0, units: 'µm' },
          ],
          metadata: {},
        },
      ]);
      const f = await openAny(p);
      const [y, x] = f.datasets[0]!.axes;
      expect(y!.units).toBe('µm');
      expect(x!.units).toBe('µm');
      expect(y!.scale).toBeCloseTo(0.0123, 12);
      expect(x!.scale).toBe(0.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('toRational keeps 9+ significant digits', () => {
    for (const v of [81.30081300813008, 2, 0.001, 123456.789]) {
      const [n, d] = toRational(v);
      expect(Math.abs(n / d - v) / v).toBeLessThan(1e-9);
    }
  });

  it('refuses arrays TIFF cannot hold with a ValidationError that says why', () => {
    expect(() => encodeTiff(ndarray('complex64', [2, 2]))).toThrow(/TIFF output supports/);
    expect(() => encodeTiff(ndarray('uint16', [2, 2, 2, 2]))).toThrow(
      /2D image \[y, x\] or a stack/,
    );
    expect(() => encodeTiff(ndarray('uint16', [0, 3]))).toThrow(/non-empty/);
  });
});

const tiffcmp = spawnSync('tiffcmp', [], { encoding: 'utf8' }).error === undefined;

describe.skipIf(!tiffcmp)(
  'libtiff reads what bragg writes (tiffcp/tiffcmp from libtiff-tools)',
  () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bragg-tiff-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('libtiff reads the calibration bragg writes (tiffinfo)', () => {
      const p = join(dir, 'cal.tif');
      writeFileSync(
        p,
        encodeTiff(ndarray('uint16', [2, 2]), { pixelSize: { y: 0.0123, x: 0.5, unit: 'nm' } }),
      );
      const r = spawnSync('tiffinfo', [p], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      // X resolution 1/0.5 = 2, Y resolution 1/0.0123 = 81.30 pixels per unit, unitless
      expect(r.stdout).toMatch(/Resolution: 2, 81\.3\d*/);
      expect(r.stdout).toContain('unit=nm');
    });

    it.each([
      ['uint16', 'src-u16.tif'],
      ['float32', 'src-f32.tif'],
      ['rgb8', 'src-rgb8.tif'],
    ])('bragg’s %s TIFF has the same pixels as the reference file for libtiff', (_kind, ref) => {
      const a = readAll(fixture(ref))[0]!;
      const mine = join(dir, `mine-${ref}`);
      writeFileSync(mine, encodeTiff(a));
      // tiffcp re-encodes bragg's file with LZW: it must be able to decode it
      const lzw = join(dir, `lzw-${ref}`);
      const cp = spawnSync('tiffcp', ['-c', 'lzw', mine, lzw], { encoding: 'utf8' });
      expect(cp.status, cp.stderr).toBe(0);
      const cmp = spawnSync('tiffcmp', ['-t', mine, join(here, 'testdata', ref)], {
        encoding: 'utf8',
      });
      expect(cmp.status, cmp.stdout + cmp.stderr).toBe(0);
      expect(hex(readAll(readFileSync(lzw))[0]!)).toBe(hex(a));
    });
  },
);
