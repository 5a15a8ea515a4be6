/**
 * The physical range of a sweep's detector calibration, checked once when the sweep is loaded
 * (not per shard). A shard simulates every reflection out to the detector corner,
 * `reflectionGMax` (the corner at the largest lattice scale and calibration jitter), so:
 *
 * - **low end**: that reach must include the first reflection of every phase (the smallest
 *   |g| with non-zero intensity); below it every pattern of the phase is blank: an all-zero
 *   class that trains nothing (`calibration.value: 1e-9` wrote such a dataset with exit 0);
 * - **high end**: it must stay within what the reflection tables support, |g| ≤ 20 Å⁻¹ (the
 *   scattering-factor range of `prepareReflections`) and at most 5·10⁷ hkl candidates for the
 *   phase's cell (`calibration.value: 100` failed every shard with a message about `gMax`).
 *
 * The reach is linear in the calibration, so both ends are calibrations [Å⁻¹/px] for the
 * sweep's detector size, lattice scales and jitter, and the message states them.
 */
import { ValidationError } from '../../../core/errors.js';
import type { Crystal } from '../../../crystal/structure.js';
import { prepareReflections } from '../../../simulate/kinematic/reflections.js';
import type { Sweep } from './sweep-schema.js';

/** Largest |g| [Å⁻¹] `prepareReflections` accepts (the range of its scattering tables). */
export const REFLECTION_G_LIMIT = 20;
/** Most hkl candidates `prepareReflections` enumerates for one cell. */
export const REFLECTION_CANDIDATE_LIMIT = 5e7;
/** A reflection counts when its |F|² exceeds this fraction of the strongest one's. */
const VISIBLE_F2 = 1e-6;

/**
 * Largest |g| [Å⁻¹] of a shard's reflection table: reflections out to the detector corner;
 * a lattice scaled by s > 1 brings g0 up to s·q_corner onto the detector, and a calibration
 * jittered by +p % widens it by (1 + p/100); 1 % margin.
 */
export function reflectionGMax(
  sweep: Sweep,
  latticeScale: readonly [number, number] | null | undefined,
): number {
  const qCorner = (sweep.detector.size / 2) * Math.SQRT2 * sweep.calibration.value;
  return (
    qCorner *
    Math.max(1, latticeScale?.[1] ?? 1) *
    (1 + sweep.calibration.jitterPercent / 100) *
    1.01
  );
}

/** hkl candidates `prepareReflections` enumerates for a cell (rows a, b, c [Å]) up to gMax. */
function candidates(direct: readonly (readonly number[])[], gMax: number): number {
  let n = 1;
  for (const row of direct) {
    n *= 2 * Math.floor(gMax * Math.hypot(row[0]!, row[1]!, row[2]!) + 1e-9) + 1;
  }
  return n;
}

/** Largest gMax [Å⁻¹] within the candidate limit for a cell (bisection; n is monotone in g). */
function candidateGLimit(direct: readonly (readonly number[])[]): number {
  if (candidates(direct, REFLECTION_G_LIMIT) <= REFLECTION_CANDIDATE_LIMIT) return Infinity;
  let lo = 0;
  let hi = REFLECTION_G_LIMIT;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (candidates(direct, mid) <= REFLECTION_CANDIDATE_LIMIT) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The first reflection of a crystal with non-zero intensity: hkl and |g| [Å⁻¹]. */
export function firstReflection(
  crystal: Crystal,
  sweep: Sweep,
): { hkl: [number, number, number]; g: number } | undefined {
  // Allowed reflections appear by (444)-type indices whatever the centring or glides.
  const bMax = Math.max(...crystal.lattice.reciprocal.map((r) => Math.hypot(r[0]!, r[1]!, r[2]!)));
  const probe = Math.min(
    REFLECTION_G_LIMIT,
    4 * Math.sqrt(3) * bMax * 1.001,
    candidateGLimit(crystal.lattice.direct),
  );
  const t = prepareReflections(crystal, {
    gMax: probe,
    params: sweep.scattering,
    debyeWaller: sweep.debyeWaller,
  }).families;
  let max = 0;
  for (let f = 0; f < t.count; f++) max = Math.max(max, t.f2[f]!);
  for (let f = 0; f < t.count; f++) {
    // families are in the order of their first member, i.e. by |g|
    if (t.f2[f]! > VISIBLE_F2 * max) {
      return { hkl: [t.hkl[3 * f]!, t.hkl[3 * f + 1]!, t.hkl[3 * f + 2]!], g: t.gLength[f]! };
    }
  }
  return undefined;
}

export interface RangePhase {
  name: string;
  crystal: Crystal;
  latticeScale: readonly [number, number] | undefined;
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/** `x` to 3 significant digits, rounded up (`dir` 1) or down (−1): a bound that is safe to use. */
function bound(x: number, dir: 1 | -1): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  const e = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 2);
  const r = (dir > 0 ? Math.ceil(x / e) : Math.floor(x / e)) * e;
  return Number(r.toPrecision(3)).toString();
}

/**
 * Throw a ValidationError for `calibration.value` when the detector cannot reach the first
 * reflection of every phase, or reaches beyond what the reflection tables support.
 */
export function checkCalibrationRange(sweep: Sweep, phases: readonly RangePhase[]): void {
  const cal = sweep.calibration.value;
  // reach per unit calibration: gMax = cal · k
  const unit = { ...sweep, calibration: { ...sweep.calibration, value: 1 } };
  let low = { cal: 0, why: '', k: 1 };
  let high = { cal: Infinity, why: '', k: 1 };
  for (const p of phases) {
    const k = reflectionGMax(unit, p.latticeScale);
    const gCand = candidateGLimit(p.crystal.lattice.direct);
    const gHigh = Math.min(REFLECTION_G_LIMIT, gCand);
    if (gHigh / k < high.cal) {
      const why =
        gCand < REFLECTION_G_LIMIT
          ? `the ${fmt(gCand)} Å⁻¹ up to which ${p.name}'s cell stays within ${REFLECTION_CANDIDATE_LIMIT.toExponential()} hkl candidates`
          : `the ${REFLECTION_G_LIMIT} Å⁻¹ the reflection tables support`;
      high = { cal: gHigh / k, why, k };
    }
    const first = firstReflection(p.crystal, sweep);
    if (first && first.g / k > low.cal) {
      const why = `${p.name}'s first reflection, (${first.hkl.join(' ')}) at ${fmt(first.g)} Å⁻¹`;
      low = { cal: first.g / k, why, k };
    }
  }
  if (cal >= low.cal && cal <= high.cal) return;
  const detail =
    cal < low.cal
      ? `the detector corner then reaches ${fmt(cal * low.k)} Å⁻¹, short of ${low.why}: those patterns would be blank`
      : `the detector corner then reaches ${fmt(cal * high.k)} Å⁻¹, beyond ${high.why}`;
  throw new ValidationError(
    `${cal} Å⁻¹/px is out of range for a ${sweep.detector.size} px detector: expected ` +
      `${bound(low.cal, 1)} … ${bound(high.cal, -1)} Å⁻¹/px (from reaching ${low.why} to ` +
      `${high.why}, with the lattice scales and calibration jitter); ${detail}`,
    'calibration.value',
  );
}
