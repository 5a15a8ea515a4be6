/**
 * Round trips of every dtype, order and header version through writeNpy/decodeNpy and
 * writeNpz/decodeNpz (fast-check, seeded).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../core/dtype.js';
import { allocate, componentsPerElement } from '../../core/dtype.js';
import type { NDArray } from '../../core/ndarray.js';
import { ndarray, shapeSize } from '../../core/ndarray.js';
import { decodeNpy, writeNpy } from './npy.js';
import type { NpyVersion } from './header.js';
import { decodeNpz, writeNpz } from './npz.js';

const NUMERIC: DType[] = [
  'bool',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float16',
  'float32',
  'float64',
  'complex64',
  'complex128',
];

/** An array of `dtype` and `shape` filled from random bytes (any bit pattern, NaNs included). */
function fromBytes(dtype: DType, shape: number[], bytes: Uint8Array): NDArray {
  const n = shapeSize(shape);
  const data = allocate(dtype, n) as Exclude<NDArray['data'], string[]>;
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < view.length; i++) view[i] = bytes[i % Math.max(1, bytes.length)] ?? 0;
  if (dtype === 'bool') for (let i = 0; i < view.length; i++) view[i] = view[i]! & 1;
  return ndarray(dtype, shape, data);
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 });
const versionArb = fc.constantFrom<NpyVersion | undefined>(undefined, '1.0', '2.0', '3.0');

function bytesOf(a: NDArray): string {
  if (a.dtype === 'string') return JSON.stringify(a.data);
  const d = a.data as Exclude<NDArray['data'], string[]>;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
}

describe('NPY round trips', () => {
  it('every numeric dtype × shape × version × C/Fortran order round-trips bit-exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NUMERIC),
        shapeArb,
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        versionArb,
        fc.boolean(),
        (dtype, shape, bytes, version, fortranOrder) => {
          const a = fromBytes(dtype, shape, bytes);
          const file = writeNpy(a, { version, fortranOrder });
          expect(file.length).toBe(
            decodeNpy(file).info.header.dataOffset +
              shapeSize(shape) *
                componentsPerElement(dtype) *
                (a.data as Uint8Array).BYTES_PER_ELEMENT,
          );
          const { array, info } = decodeNpy(file);
          expect(array.dtype).toBe(dtype);
          expect(array.shape).toEqual(shape);
          expect(bytesOf(array)).toBe(bytesOf(a));
          if (version !== undefined) expect(info.header.version).toBe(version);
          expect(info.header.fortranOrder).toBe(fortranOrder && shape.length > 1);
          // numpy aligns the data to 64 bytes
          expect(info.header.dataOffset % 64).toBe(0);
        },
      ),
      { seed: 20240601, numRuns: 400 },
    );
  });

  it('unicode (U) and latin-1 bytes (S) strings round-trip', () => {
    const noTrailingNul = (s: string): boolean => !s.endsWith('\0');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 6 }).filter(noTrailingNul), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(
          fc
            .string({
              unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)),
              maxLength: 5,
            })
            .filter(noTrailingNul),
          { minLength: 1, maxLength: 6 },
        ),
        versionArb,
        (u, s, version) => {
          const a = ndarray('string', [u.length], u);
          expect(decodeNpy(writeNpy(a, { version })).array.data).toEqual(u);
          const b = ndarray('string', [s.length], s);
          expect(decodeNpy(writeNpy(b, { version, strings: 'S' })).array.data).toEqual(s);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it('npz archives round-trip, stored and deflated', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.stringMatching(/^[a-z][a-z0-9_/]{0,8}$/),
          fc.tuple(
            fc.constantFrom(...NUMERIC),
            shapeArb,
            fc.uint8Array({ minLength: 1, maxLength: 32 }),
          ),
          { minKeys: 1, maxKeys: 4 },
        ),
        fc.boolean(),
        (spec, compress) => {
          const arrays: Record<string, NDArray> = {};
          for (const [k, [d, s, b]] of Object.entries(spec)) arrays[k] = fromBytes(d, s, b);
          const back = decodeNpz(writeNpz(arrays, { compress }));
          expect(Object.keys(back).sort()).toEqual(Object.keys(arrays).sort());
          for (const k of Object.keys(arrays)) {
            expect(back[k]!.shape).toEqual(arrays[k]!.shape);
            expect(bytesOf(back[k]!)).toBe(bytesOf(arrays[k]!));
          }
        },
      ),
      { seed: 99, numRuns: 150 },
    );
  });

  it('the same arrays give the same npz bytes (deterministic writer)', () => {
    const a = { x: ndarray('float32', [2], Float32Array.from([1, 2])) };
    expect(
      Buffer.from(writeNpz(a, { compress: true })).equals(
        Buffer.from(writeNpz(a, { compress: true })),
      ),
    ).toBe(true);
  });

  it('rgb8 arrays are written as uint8 with a trailing channel axis', () => {
    const a = ndarray('rgb8', [1, 2], Uint8Array.from([1, 2, 3, 4, 5, 6]));
    const back = decodeNpy(writeNpy(a)).array;
    expect(back.dtype).toBe('uint8');
    expect(back.shape).toEqual([1, 2, 3]);
    expect(Array.from(back.data as Uint8Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
