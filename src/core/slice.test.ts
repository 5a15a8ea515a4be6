import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { ndarray } from './ndarray.js';
import { sliceArray, takeFrame } from './slice.js';

describe('takeFrame / sliceArray', () => {
  const a = ndarray(
    'int16',
    [2, 3, 4],
    Int16Array.from({ length: 24 }, (_, i) => i),
  );

  it('takeFrame drops the first axis and copies that frame', () => {
    const f = takeFrame(a, 1);
    expect(f.shape).toEqual([3, 4]);
    expect(Array.from(f.data)).toEqual(Array.from({ length: 12 }, (_, i) => 12 + i));
    expect(() => takeFrame(a, 2)).toThrow(ValidationError);
    expect(() => takeFrame(ndarray('float32', []), 0)).toThrow(/scalar has no frames/);
  });

  it('sliceArray takes hyperslabs of numeric, complex and string arrays', () => {
    const s = sliceArray(a, [
      [1, 2],
      [1, 3],
      [2, 4],
    ]);
    expect(s.shape).toEqual([1, 2, 2]);
    expect(Array.from(s.data)).toEqual([18, 19, 22, 23]);
    const c = ndarray('complex64', [3], Float32Array.from([1, 2, 3, 4, 5, 6]));
    expect(Array.from(sliceArray(c, [[1, 3]]).data)).toEqual([3, 4, 5, 6]);
    const t = ndarray('string', [2, 2], ['a', 'b', 'c', 'd']);
    expect(
      sliceArray(t, [
        [0, 2],
        [1, 2],
      ]).data,
    ).toEqual(['b', 'd']);
    expect(sliceArray(a, [[0, 0]]).shape).toEqual([0, 3, 4]);
  });

  it('refuses ranges outside the array', () => {
    expect(() => sliceArray(a, [[0, 3]])).toThrow(/outside dimension 0 of size 2/);
    expect(() =>
      sliceArray(a, [
        [0, 1],
        [0, 1],
        [0, 1],
        [0, 1],
      ]),
    ).toThrow(ValidationError);
  });
});
