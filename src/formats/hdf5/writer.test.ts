import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataArray } from '../../core/data-array.js';
import type { DType } from '../../core/dtype.js';
import { ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { createRng } from '../../core/rng.js';
import { uncalibratedAxis } from '../../core/axes.js';
import { openAny, writerFor } from '../registry.js';
import { h5Client, openHdf5, writeNexus } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'bragg-h5w-'));
afterAll(async () => {
  await h5Client.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
const tmp = (ext = 'nxs'): string => join(dir, `f${counter++}.${ext}`);

function make(dtype: DType, shape: number[], seed: number): DataArray {
  const a = ndarray(dtype, shape);
  const rng = createRng(seed);
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    if (d instanceof BigInt64Array) d[i] = BigInt(rng.int(2 ** 31)) - 2n ** 30n;
    else if (d instanceof BigUint64Array) d[i] = BigInt(rng.int(2 ** 31)) * 3n;
    else if (Array.isArray(d)) d[i] = `s${rng.int(1000)}µ`;
    else if (dtype === 'bool') d[i] = rng.int(2);
    else if (d instanceof Float32Array || d instanceof Float64Array) d[i] = rng.normal(0, 100);
    else (d as Int32Array)[i] = rng.int(120);
  }
  return {
    name: `/x/${dtype}`,
    array: a,
    axes: shape.map((n, i) => uncalibratedAxis(`d${i}`, n)),
    metadata: {},
  };
}

async function roundTrip(ds: DataArray[]): Promise<DataArray[]> {
  const p = tmp();
  await writeNexus(p, ds);
  const f = await openHdf5(p);
  try {
    const out: DataArray[] = [];
    for (const d of f.datasets.filter((x) => x.role === 'signal')) out.push(await f.read(d.name));
    return out;
  } finally {
    await f.close();
  }
}

describe('HDF5/NeXus writer', () => {
  it('is the registered writer for .h5/.hdf5/.nxs', () => {
    expect(writerFor('a.nxs').id).toBe('hdf5');
    expect(writerFor('a.h5').id).toBe('hdf5');
  });

  it('round-trips every dtype with values, shapes and dtypes intact', async () => {
    const dtypes: DType[] = [
      'bool',
      'int8',
      'uint8',
      'int16',
      'uint16',
      'int32',
      'uint32',
      'int64',
      'uint64',
      'float32',
      'float64',
      'complex64',
      'complex128',
      'rgb8',
      'rgba8',
      'string',
    ];
    const input = dtypes.map((t, i) => make(t, [2, 3], i + 1));
    const out = await roundTrip(input);
    expect(out).toHaveLength(dtypes.length);
    // HDF5 lists groups by name; put the results back in input order
    out.sort(
      (a, b) =>
        dtypes.indexOf(a.name.split('/')[2] as DType) -
        dtypes.indexOf(b.name.split('/')[2] as DType),
    );
    for (const [i, d] of out.entries()) {
      expect(d.array.dtype).toBe(dtypes[i]);
      expect(d.array.shape).toEqual([2, 3]);
      expect(Array.from(d.array.data as ArrayLike<unknown>)).toEqual(
        Array.from(input[i]!.array.data as ArrayLike<unknown>),
      );
    }
  });

  it('writes NXentry/NXdata with @signal/@axes/@default and calibrated axes as fields', async () => {
    const a = make('float32', [4, 5, 6], 9);
    a.axes = [
      { name: 'frame', size: 4, scale: 1, offset: 0, units: '' },
      { name: 'y', size: 5, scale: 0.5, offset: -1, units: 'nm' },
      { name: 'x', size: 6, scale: 0.25, offset: 2, units: 'Å⁻¹' },
    ];
    a.metadata = { beamEnergyKeV: 200, note: 'hello' };
    a.intensity = { scale: 1, offset: 0, units: 'counts' };
    const p = tmp('h5');
    await writeNexus(p, [a]);
    const f = await openAny(p);
    try {
      expect(f.defaultDataset).toBe('/entry/float32/data');
      expect(f.metadata.default).toBe('entry');
      const d = await f.read(f.defaultDataset!, { frame: 2 });
      expect(d.array.shape).toEqual([5, 6]);
      expect(d.axes[0]).toMatchObject({ name: 'y', scale: 0.5, offset: -1, units: 'nm' });
      expect(d.axes[1]).toMatchObject({ name: 'x', scale: 0.25, offset: 2, units: 'Å⁻¹' });
      expect(d.metadata.beamEnergyKeV).toBe(200);
      expect(d.metadata.note).toBe('hello');
      expect(d.intensity?.units).toBe('counts');
      const want = (a.array.data as Float32Array).slice(2 * 30, 3 * 30);
      expect(Array.from(d.array.data as Float32Array)).toEqual(Array.from(want));
    } finally {
      await f.close();
    }
  });

  it('property: random shapes and numeric dtypes round-trip exactly', async () => {
    const types: DType[] = ['int8', 'uint16', 'int32', 'float32', 'float64', 'uint8'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...types),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (shape, dtype, seed) => {
          const input = make(dtype, shape, seed);
          const [out] = await roundTrip([input]);
          expect(out!.array.shape).toEqual(shape);
          expect(Array.from(out!.array.data as ArrayLike<number>)).toEqual(
            Array.from(input.array.data as ArrayLike<number>),
          );
        },
      ),
      { numRuns: 15, seed: 20240611 },
    );
  });

  it('throws ValidationError when given nothing to write', async () => {
    await expect(writeNexus(tmp(), [])).rejects.toBeInstanceOf(ValidationError);
  });
});
