/**
 * NPY/NPZ through the format registry: datasets, frames read from disk, selections, writers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { openAny, writerFor } from '../registry.js';
import { writeNpy } from './npy.js';
import { formatNpyHeader } from './header.js';
import { zipSync } from 'fflate';
import { decodeNpz } from './npz.js';

let dir = '';
const a = ndarray(
  'int32',
  [4, 3, 2],
  Int32Array.from({ length: 24 }, (_, i) => i),
);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bragg-npyreader-'));
  writeFileSync(join(dir, 'c.npy'), writeNpy(a));
  writeFileSync(join(dir, 'f.npy'), writeNpy(a, { fortranOrder: true }));
  writeFileSync(join(dir, 'cut.npy'), writeNpy(a).subarray(0, 128 + 40));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npy reader', () => {
  it('lists one dataset `data` with shape, dtype, axes and header metadata', async () => {
    const f = await openAny(join(dir, 'c.npy'));
    expect(f.format).toBe('npy');
    expect(f.datasets[0]).toMatchObject({ name: 'data', shape: [4, 3, 2], dtype: 'int32' });
    expect(f.datasets[0]!.axes.map((x) => x.name)).toEqual(['frame', 'y', 'x']);
    expect(f.datasets[0]!.metadata).toMatchObject({
      npyVersion: '1.0',
      npyDescr: '<i4',
      fortranOrder: false,
    });
  });

  it('reads one frame (from disk for C order, by transposing for Fortran order) and hyperslabs', async () => {
    for (const name of ['c.npy', 'f.npy']) {
      const f = await openAny(join(dir, name));
      const fr = await f.read('data', { frame: 2 });
      expect(fr.array.shape).toEqual([3, 2]);
      expect(Array.from(fr.array.data as Int32Array)).toEqual([12, 13, 14, 15, 16, 17]);
      expect(fr.axes.map((x) => x.name)).toEqual(['y', 'x']);
      const part = await f.read('data', {
        ranges: [
          [1, 3],
          [0, 1],
        ],
      });
      expect(part.array.shape).toEqual([2, 1, 2]);
      expect(Array.from(part.array.data as Int32Array)).toEqual([6, 7, 12, 13]);
    }
  });

  it('bad frames and names are ValidationError / NotFoundError; a truncated file is a FormatError', async () => {
    const f = await openAny(join(dir, 'c.npy'));
    await expect(f.read('data', { frame: 4 })).rejects.toBeInstanceOf(ValidationError);
    await expect(f.read('other')).rejects.toBeInstanceOf(NotFoundError);
    // a file shorter than its header says is refused on opening (issue 15: `info` listed it)
    await expect(openAny(join(dir, 'cut.npy'))).rejects.toBeInstanceOf(FormatError);
    await expect(openAny(join(dir, 'cut.npy'))).rejects.toThrow(/truncated array data/);
  });

  it('an npz member bragg refuses is listed as refused; the other members stay readable', async () => {
    const p = join(dir, 'mixed.npz');
    const good = writeNpy(ndarray('uint8', [2], Uint8Array.from([7, 9])));
    const obj = formatNpyHeader('|O', false, [1]);
    writeFileSync(p, zipSync({ 'ok.npy': good, 'obj.npy': obj }));
    const f = await openAny(p);
    expect(f.datasets.map((d) => d.name)).toEqual(['ok']);
    expect(JSON.stringify(f.metadata.refused)).toContain('object (pickled) arrays are refused');
    expect(Array.from((await f.read('ok')).array.data as Uint8Array)).toEqual([7, 9]);
    const only = join(dir, 'only-obj.npz');
    writeFileSync(only, zipSync({ 'obj.npy': obj }));
    await expect(openAny(only)).rejects.toBeInstanceOf(FormatError);
  });

  it('the npz writer keeps dataset names as keys, dropping a leading slash', async () => {
    const p = join(dir, 'out.npz');
    await writerFor(p).write(p, [
      { name: '/1d/x_all', array: a, axes: [], metadata: {} },
      { name: 'y', array: ndarray('float32', [1]), axes: [], metadata: {} },
    ]);
    expect(Object.keys(decodeNpz(readFileSync(p))).sort()).toEqual(['1d/x_all', 'y']);
    await expect(
      writerFor(p).write(p, [
        { name: '/x', array: a, axes: [], metadata: {} },
        { name: 'x', array: a, axes: [], metadata: {} },
      ]),
    ).rejects.toThrow(/two datasets map to the npz key 'x'/);
  });
});
