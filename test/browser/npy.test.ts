/**
 * The browser's NPY reader (web/src/npy.ts, used for in-browser inference) reads what bragg's
 * NPY writer writes (src/formats/npy/npy.ts), for the dtypes the data route sends, and refuses
 * bytes that are not NPY with a message naming the array.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ndarray } from '../../src/core/ndarray.js';
import { writeNpy } from '../../src/formats/npy/npy.js';
import { parseNpy } from '../../web/src/npy.js';

const buffer = (u8: Uint8Array): ArrayBuffer =>
  u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) as ArrayBuffer;

describe('parseNpy', () => {
  it('reads float32, float64, uint16 and int32 arrays bragg writes, shape and values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('float32', 'float64', 'uint16', 'int32' as const),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        (dtype, shape, seed) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const values = Array.from(
            { length: n },
            (_, i) => ((i * 7919 + seed) % 1000) - (dtype === 'uint16' ? 0 : 500),
          );
          const a = ndarray(dtype, shape);
          for (let i = 0; i < n; i++)
            (a.data as { [i: number]: number })[i] =
              dtype === 'uint16' ? Math.abs(values[i]!) : values[i]!;
          const r = parseNpy(buffer(writeNpy(a)), 'a');
          expect(r.shape).toEqual(shape);
          expect(Array.from(r.data)).toEqual(Array.from(a.data as ArrayLike<number>, Number));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses bytes that are not NPY, naming the array', () => {
    expect(() => parseNpy(new TextEncoder().encode('{"error": 1}').buffer, 'y')).toThrow(
      /^y: not a readable NPY/,
    );
    const ok = writeNpy(ndarray('float32', [4]));
    expect(() => parseNpy(buffer(ok.subarray(0, ok.length - 4)), 'x')).toThrow(/do not fit/);
  });
});
