/**
 * The calibration of a sweep is checked once, when it is loaded, against the physics: the
 * detector must reach the first reflection of every phase and stay within the reflection
 * tables (before: `calibration.value: 100` failed every shard about `gMax`, `1e-9` wrote an
 * all-zero dataset with exit 0).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import { packageRoot } from '../../../core/paths.js';
import { crystalFromCif } from '../../../crystal/structure.js';
import { parseSweep, resolveSweep } from './sweep.js';
import { firstReflection, reflectionGMax } from './sweep-range.js';

const STRUCTURES = join(packageRoot(), 'data', 'structures');

function sweepText(cal: number, size = 515): string {
  return `seeds: [1]
phases:
  - { name: au, cif: au.cif }
  - { name: cspbbr3, cif: cspbbr3-cubic.cif, latticeScale: [0.8, 1.1] }
calibration: { value: ${cal} }
detector: { size: ${size} }
orientations: { count: 3 }
`;
}

async function errorOf(cal: number, size?: number): Promise<ValidationError | undefined> {
  try {
    await resolveSweep(parseSweep(sweepText(cal, size)), STRUCTURES);
    return undefined;
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
}

describe('calibration range', () => {
  it('finds the first reflection with intensity: (111) of fcc Au at √3/a, (100) of cubic CsPbBr3', async () => {
    const s = parseSweep(sweepText(0.00588));
    const au = crystalFromCif(await readFile(join(STRUCTURES, 'au.cif'), 'utf8'));
    const f = firstReflection(au, s)!;
    expect([...f.hkl].map(Math.abs)).toEqual([1, 1, 1]); // (100), (110) are extinct in fcc
    expect(f.g).toBeCloseTo(Math.sqrt(3) / 4.0782, 3);
    const cs = crystalFromCif(await readFile(join(STRUCTURES, 'cspbbr3-cubic.cif'), 'utf8'));
    expect(firstReflection(cs, s)!.g).toBeCloseTo(1 / 5.874, 2);
  });

  it('accepts the seed calibration', async () => {
    expect(await errorOf(0.00588)).toBeUndefined();
  });

  it('refuses 1e-9 Å⁻¹/px at load: naming the key, its value, the range and the phase left blank', async () => {
    const e = (await errorOf(1e-9))!;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.field).toBe('calibration.value');
    expect(e.message).toContain('1e-9 Å⁻¹/px is out of range for a 515 px detector');
    // low end: Au (111) at 0.4247 Å⁻¹ reached by the corner, 515/√2 px · 1.05 (jitter) · 1.01
    const low = 0.4247 / ((515 / 2) * Math.SQRT2 * 1.05 * 1.01);
    // high end: 20 Å⁻¹ at the corner with CsPbBr3's lattice scale up to 1.1
    const high = 20 / ((515 / 2) * Math.SQRT2 * 1.1 * 1.05 * 1.01);
    const [, lo, hi] = /expected ([\d.e-]+) … ([\d.e-]+) Å⁻¹\/px/.exec(e.message)!;
    expect(Number(lo)).toBeCloseTo(low, 5);
    expect(Number(lo)).toBeGreaterThanOrEqual(low);
    expect(Number(hi)).toBeCloseTo(high, 3);
    expect(Number(hi)).toBeLessThanOrEqual(high);
    expect(e.message).toMatch(/au's first reflection, \(-?1 -?1 -?1\) at 0\.425 Å⁻¹/);
    expect(e.message).toMatch(/would be blank/);
  });

  it('refuses 100 Å⁻¹/px at load with the range, not a per-shard gMax error', async () => {
    const e = (await errorOf(100))!;
    expect(e.field).toBe('calibration.value');
    expect(e.message).toMatch(/100 Å⁻¹\/px is out of range/);
    expect(e.message).toMatch(/beyond the 20 Å⁻¹ the reflection tables support/);
    expect(e.message).not.toMatch(/gMax/);
  });

  it('the two ends are the ones the shards use: just inside passes, just outside fails', async () => {
    const s = parseSweep(sweepText(1));
    const au = crystalFromCif(await readFile(join(STRUCTURES, 'au.cif'), 'utf8'));
    const low = firstReflection(au, s)!.g / reflectionGMax(s, undefined);
    const high = 20 / reflectionGMax(s, [0.8, 1.1]);
    expect(await errorOf(low * 1.001)).toBeUndefined();
    expect(await errorOf(low * 0.999)).toBeInstanceOf(ValidationError);
    expect(await errorOf(high * 0.999)).toBeUndefined();
    expect(await errorOf(high * 1.001)).toBeInstanceOf(ValidationError);
  });

  it('a detector too small for a phase at the seed calibration is refused, naming the phase', async () => {
    // 96 px at 0.00588 Å⁻¹/px: the corner reaches 0.423 Å⁻¹ with jitter, short of Au (111)
    const e = (await errorOf(0.00588, 96))!;
    expect(e.field).toBe('calibration.value');
    expect(e.message).toMatch(/96 px detector/);
    expect(e.message).toMatch(/short of au's first reflection/);
  });
});
