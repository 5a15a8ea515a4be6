import { describe, expect, it } from 'vitest';
import { minMaxNormaliseRows, overlapFraction, resampleProfiles, sameAxis } from './resample.js';
import { ValidationError } from '../../core/errors.js';

const lin = (n: number, a: number, b: number) =>
  Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

describe('resampleProfiles', () => {
  it('is exact for linear profiles and identity on the same axis', () => {
    const src = lin(200, 0.05, 1.5);
    const dst = lin(147, 0.1077, 1.3182);
    const y = new Float32Array(2 * 200);
    for (let i = 0; i < 200; i++) {
      y[i] = 3 * src[i]! + 1;
      y[200 + i] = -src[i]!;
    }
    const out = resampleProfiles(src, y, dst);
    expect(out.length).toBe(2 * 147);
    for (let i = 0; i < 147; i++) {
      expect(out[i]).toBeCloseTo(3 * dst[i]! + 1, 5);
      expect(out[147 + i]).toBeCloseTo(-dst[i]!, 5);
    }
    const same = resampleProfiles(dst, Float32Array.from(dst), dst);
    for (let i = 0; i < 147; i++) expect(same[i]).toBeCloseTo(dst[i]!, 6);
  });

  it('refuses ranges that do not overlap enough, naming both ranges', () => {
    expect(() => resampleProfiles(lin(50, 2, 3), new Float32Array(50), lin(147, 0.1, 1.3))).toThrow(
      ValidationError,
    );
    expect(() =>
      resampleProfiles(lin(50, 0.1, 0.5), new Float32Array(50), lin(147, 0.1, 1.3)),
    ).toThrow(/covers 33\.\d % of the model/);
    expect(overlapFraction(lin(10, 0, 1), lin(10, 0.5, 1.5))).toBeCloseTo(0.5);
  });

  it('rejects non-increasing axes and ragged data', () => {
    const bad = Float64Array.from([0, 1, 1, 2]);
    expect(() => resampleProfiles(bad, new Float32Array(4), lin(4, 0, 2))).toThrow(
      /strictly increasing/,
    );
    expect(() => resampleProfiles(lin(4, 0, 1), new Float32Array(5), lin(4, 0, 1))).toThrow(
      /multiple/,
    );
  });

  it('sameAxis and minMaxNormaliseRows', () => {
    expect(sameAxis(lin(5, 0, 1), lin(5, 0, 1))).toBe(true);
    expect(sameAxis(lin(5, 0, 1), lin(5, 0, 1.1))).toBe(false);
    const y = Float32Array.from([1, 3, 2, 5, 5, 5, NaN, 0, 4]);
    minMaxNormaliseRows(y, 3);
    expect(Array.from(y)).toEqual([0, 1, 0.5, 0, 0, 0, 0, 0, 1]);
  });
});
