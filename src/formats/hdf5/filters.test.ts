/**
 * HDF5 plugin filters (h5wasm-plugins): detector stacks that h5py 3.7 / HDF5 1.10.8 wrote with
 * LZF, bitshuffle+LZ4, LZ4, bzip2, Blosc and Zstandard (test/fixtures/hdf5-filters, made by
 * its make.py) read back exactly, whole, by frame and by hyperslab; a filter bragg does not
 * have and a corrupt compressed chunk give typed errors.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataArray } from '../../core/data-array.js';
import { FormatError } from '../../core/errors.js';
import { toFloat64 } from '../../core/ndarray.js';
import { packageRoot } from '../../core/paths.js';
import { h5 } from './client.js';
import { PLUGIN_FILTERS, pluginDirectory } from './filters.js';
import { withFile } from '../../../test/support/formats/hdf5/with-file.js';

const FIXTURES = join(packageRoot(), 'test', 'fixtures', 'hdf5-filters');
const SHAPE = [3, 19, 48] as const;
const SIGNAL = '/entry/data/data';

interface Chunk {
  offset: number[];
  byteOffset: number;
  size: number;
}
interface Manifest {
  files: Record<string, { datasets: Record<string, { filters: number[]; chunks: Chunk[] }> }>;
}
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'fixtures.json'), 'utf8')) as Manifest;

/** make.py's `stack()`, flattened in C order. */
function expectedStack(): number[] {
  const [F, Y, X] = SHAPE;
  const out: number[] = [];
  for (let f = 0; f < F; f++) {
    for (let y = 0; y < Y; y++) {
      for (let x = 0; x < X; x++) {
        let v = (f * 3 + y * 5 + x * 7) % 11;
        if (x === 24) v = -1;
        if (y === 7 && x === 31) v = -2;
        if (f === 1 && y === 9 && x === 12) v = 123456;
        if (f === 2 && y === 18 && x === 47) v = 2 ** 31 - 1;
        if (f === 0 && y === 0 && x === 0) v = -(2 ** 31);
        out.push(v);
      }
    }
  }
  return out;
}

/** make.py's `stack_u16()`. */
function expectedStackU16(): number[] {
  const [F, Y, X] = SHAPE;
  const out: number[] = [];
  for (let f = 0; f < F; f++) {
    for (let y = 0; y < Y; y++) {
      for (let x = 0; x < X; x++) out.push(x === 24 ? 65535 : (f * 13 + y * 7 + x * 3) % 4099);
    }
  }
  return out;
}

/** The elements of `all` (shape SHAPE) inside the box `[a, b)` per dimension. */
function box(all: number[], ranges: [number, number][]): number[] {
  const [, Y, X] = SHAPE;
  const out: number[] = [];
  const [[f0, f1], [y0, y1], [x0, x1]] = ranges as [[number, number], [number, number], [number, number]]; // prettier-ignore
  for (let f = f0; f < f1; f++) {
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) out.push(all[(f * Y + y) * X + x]!);
    }
  }
  return out;
}

const STACK = expectedStack();
const FRAME = SHAPE[1] * SHAPE[2];
/** Across chunk (frame) boundaries and not aligned with anything. */
const SLAB: [number, number][] = [
  [1, 3],
  [5, 12],
  [20, 33],
];

const CASES = [
  { file: 'lzf.h5', id: 32000, label: 'lzf (32000)' },
  { file: 'bitshuffle-lz4.h5', id: 32008, label: 'bitshuffle (32008)' },
  { file: 'lz4.h5', id: 32004, label: 'lz4 (32004)' },
  { file: 'bzip2.h5', id: 307, label: 'bzip2 (307)' },
  { file: 'blosc.h5', id: 32001, label: 'blosc (32001)' },
  { file: 'zstd.h5', id: 32015, label: 'zstd (32015)' },
];

const tmp = mkdtempSync(join(tmpdir(), 'bragg-h5filters-'));
afterAll(async () => {
  await h5.shutdown();
  rmSync(tmp, { recursive: true, force: true });
});

const values = (d: DataArray): number[] => Array.from(toFloat64(d.array));

describe('HDF5 plugin filters (fixtures written by h5py 3.7 with HDF5 1.10.8)', () => {
  it('the worker has the built-in filters and every plugin of h5wasm-plugins', async () => {
    expect(pluginDirectory()).toBeDefined();
    const ids = (await h5.availableFilters()).map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining([1, 2, 3, 4, 5, 6]));
    expect(ids).toEqual(expect.arrayContaining(PLUGIN_FILTERS.map((f) => f.id)));
  });

  it.each(CASES)('$file: the stack, a frame and a hyperslab read back exactly', async (c) => {
    expect(manifest.files[c.file]!.datasets[SIGNAL]!.filters).toEqual([c.id]);
    await withFile(join(FIXTURES, c.file), async (f) => {
      expect(f.defaultDataset).toBe(SIGNAL);
      const info = f.datasets.find((d) => d.name === SIGNAL)!;
      expect(info.shape).toEqual([...SHAPE]);
      expect(info.dtype).toBe('int32');
      expect(info.metadata.filters).toEqual([c.label]);
      expect(info.metadata.missingFilters).toBeUndefined();

      const whole = await f.read(SIGNAL);
      expect(whole.array.shape).toEqual([...SHAPE]);
      expect(values(whole)).toEqual(STACK);

      const frame = await f.read(SIGNAL, { frame: 1 });
      expect(frame.array.dtype).toBe('int32');
      expect(frame.array.shape).toEqual([SHAPE[1], SHAPE[2]]);
      expect(values(frame)).toEqual(STACK.slice(FRAME, 2 * FRAME));

      const slab = await f.read(SIGNAL, { ranges: SLAB });
      expect(slab.array.shape).toEqual(SLAB.map(([a, b]) => b - a));
      expect(values(slab)).toEqual(box(STACK, SLAB));
    });
  });

  it('bitshuffle-lz4.h5: a uint16 stack (2-byte elements) reads back exactly', async () => {
    await withFile(join(FIXTURES, 'bitshuffle-lz4.h5'), async (f) => {
      const u16 = expectedStackU16();
      const d = await f.read('/entry/data/data_u16');
      expect(d.array.dtype).toBe('uint16');
      expect(values(d)).toEqual(u16);
      expect(values(await f.read('/entry/data/data_u16', { frame: 2 }))).toEqual(
        u16.slice(2 * FRAME),
      );
      expect(values(await f.read('/entry/data/data_u16', { ranges: SLAB }))).toEqual(
        box(u16, SLAB),
      );
    });
  });

  it('a filter bragg does not have (id 399) is listed and refused with a typed error', async () => {
    await withFile(join(FIXTURES, 'unknown-filter.h5'), async (f) => {
      const info = f.datasets.find((d) => d.name === SIGNAL)!;
      expect(info.metadata.missingFilters).toEqual([expect.stringMatching(/^filter 399\b/)]);
      expect((info.metadata.filters as string[])[0]).toMatch(/\(399\)$/);
      for (const sel of [undefined, { frame: 0 }]) {
        const err = await f.read(SIGNAL, sel).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(FormatError);
        const fe = err as FormatError;
        expect(fe.reason).toBe('dataset needs an HDF5 filter bragg does not have');
        expect(fe.path).toBe(SIGNAL);
        expect(fe.found).toMatch(/^filter 399\b/);
        expect(fe.expected).toContain('bitshuffle (32008)');
        expect(fe.message).toContain('filter 399');
      }
    });
  });

  it.each(CASES)('$file: a corrupt compressed chunk gives a typed error', async (c) => {
    const chunks = manifest.files[c.file]!.datasets[SIGNAL]!.chunks;
    const bad = chunks.find((k) => k.offset[0] === 1)!;
    const path = join(tmp, `corrupt-${c.file}`);
    copyFileSync(join(FIXTURES, c.file), path);
    const bytes = readFileSync(path);
    for (let i = 0; i < bad.size; i += 7) bytes[bad.byteOffset + i]! ^= 0x5a;
    writeFileSync(path, bytes);
    await withFile(path, async (f) => {
      const err = await f.read(SIGNAL, { frame: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).path).toBe(SIGNAL);
      expect((err as FormatError).reason).toBe('compressed data cannot be decoded');
      expect((err as FormatError).expected).toBe(`chunks that ${c.label} can decode`);
      // the other chunks still read (on a fresh worker if the plugin aborted the old one)
      expect(values(await f.read(SIGNAL, { frame: 0 }))).toEqual(STACK.slice(0, FRAME));
    });
  });
});
