import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, deriveSeed } from './rng.js';
import { floatToHalf, halfToFloat } from './dtype.js';
import { ndarray, reshape, stridesOf, toFloat64 } from './ndarray.js';
import { ValidationError, FormatError } from './errors.js';
import { ByteReader } from './bytes.js';
import { packageRoot } from './paths.js';
import { VERSION } from './version.js';

describe('rng', () => {
  it('gives the same sequence for the same seed and different ones for different seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 10 }, () => a.next());
    const xb = Array.from({ length: 10 }, () => b.next());
    const xc = Array.from({ length: 10 }, () => c.next());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    for (const x of xa) expect(x >= 0 && x < 1).toBe(true);
  });

  it('has the moments of the distributions it claims', () => {
    const r = createRng(7);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    for (const lam of [3, 100]) {
      let m = 0;
      for (let i = 0; i < n; i++) m += r.poisson(lam);
      expect(Math.abs(m / n - lam) / lam).toBeLessThan(0.03);
    }
  });

  it('derives distinct, reproducible seeds from keys', () => {
    expect(deriveSeed(1, 'a', 2)).toBe(deriveSeed(1, 'a', 2));
    expect(deriveSeed(1, 'a', 2)).not.toBe(deriveSeed(1, 'a', 3));
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(2, 'a'));
  });
});

describe('dtype', () => {
  it('round-trips half floats for every finite half value', () => {
    for (let h = 0; h < 0x10000; h++) {
      const e = (h >> 10) & 0x1f;
      if (e === 31) continue; // inf / nan
      const v = halfToFloat(h);
      const back = floatToHalf(v);
      if (v === 0) expect(back & 0x7fff).toBe(0);
      else expect(back).toBe(h);
    }
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
  });
});

describe('ndarray', () => {
  it('rejects data of the wrong length and bad shapes', () => {
    expect(() => ndarray('float32', [2, 3], new Float32Array(5))).toThrow(ValidationError);
    expect(() => ndarray('float32', [2, -1])).toThrow(ValidationError);
    expect(() => ndarray('complex64', [2], new Float32Array(2))).toThrow(/needs 4/);
    expect(() => ndarray('float32', [2 ** 20, 2 ** 20])).toThrow(ValidationError);
  });

  it('reshapes only to the same size and computes C strides', () => {
    const a = ndarray('int16', [2, 3]);
    expect(reshape(a, [3, 2]).shape).toEqual([3, 2]);
    expect(() => reshape(a, [4, 2])).toThrow(ValidationError);
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
  });

  it('converts any real dtype to float64', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 50 }), (xs) => {
        const a = ndarray('int16', [xs.length], Int16Array.from(xs));
        expect(Array.from(toFloat64(a))).toEqual(xs);
      }),
    );
  });
});

describe('ByteReader', () => {
  it('throws FormatError with the offset when reading past the end', () => {
    const r = new ByteReader(new Uint8Array([1, 2, 3]), 'TEST', 'x.bin', 100);
    expect(r.u16(true)).toBe(0x0201);
    try {
      r.u32(true, 'tag length');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
      expect((e as FormatError).offset).toBe(102);
      expect((e as Error).message).toMatch(/truncated tag length.*x\.bin.*102/);
    }
  });
});

describe('package', () => {
  it('VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
