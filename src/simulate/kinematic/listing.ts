/**
 * The reflection list as people and programs read it (`bragg simulate reflections`, the Web
 * API's `POST /api/simulate/reflections`): one row per family of Laue-equivalent reflections.
 */
import { electronWavelength } from '../../crystal/wavelength.js';
import type { ReflectionTable } from './reflections.js';

export interface ReflectionRow {
  /** Representative h, k, l of the family. */
  hkl: [number, number, number];
  /** |g| = 1/d [Å⁻¹]. */
  g: number;
  /** d-spacing [Å]. */
  d: number;
  /** Bragg angle θ at this voltage [mrad]. */
  braggAngleMrad: number;
  multiplicity: number;
  /** |F|² [Å²]. */
  F2: number;
  /** multiplicity × |F|² [Å²] (powder ring intensity). */
  intensity: number;
}

/**
 * The families of `t` at `kv` [kV]; without `all`, the families whose |F|² vanishes (below
 * 1e-10 of the strongest: systematic absences) are left out.
 */
export function reflectionRows(t: ReflectionTable, kv: number, all: boolean): ReflectionRow[] {
  const f = t.families;
  let max = 0;
  for (let i = 0; i < f.count; i++) max = Math.max(max, f.f2[i]!);
  const lambda = electronWavelength(kv);
  const rows: ReflectionRow[] = [];
  for (let i = 0; i < f.count; i++) {
    const f2 = f.f2[i]!;
    if (!all && f2 <= 1e-10 * max) continue;
    const g = f.gLength[i]!;
    rows.push({
      hkl: [f.hkl[3 * i]!, f.hkl[3 * i + 1]!, f.hkl[3 * i + 2]!],
      g,
      d: 1 / g,
      braggAngleMrad: Math.asin((lambda * g) / 2) * 1e3,
      multiplicity: f.multiplicity[i]!,
      F2: f2,
      intensity: f.multiplicity[i]! * f2,
    });
  }
  return rows;
}
