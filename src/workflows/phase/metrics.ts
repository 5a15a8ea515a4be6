/**
 * Evaluation of a phase map against physics: for each phase, the mean measured profile over
 * the pixels assigned to it, its peaks, and their distance to the phase's reference
 * reflections (kinematic electron simulation from the CIF).
 */
import { ValidationError } from '../../core/errors.js';
import { findPeaks, type Peak, type PeakFinderOptions } from '../../core/signal/peaks1d.js';

/** A reference reflection: position q = 1/d [Å⁻¹] and kinematic intensity (any scale). */
export interface ReferencePeak {
  q: number;
  intensity: number;
  hkl?: readonly number[];
}

export interface PhaseEvaluationOptions {
  peakFinder?: PeakFinderOptions;
  /** Reference reflections weaker than this fraction of the strongest in range are ignored. Default 0.05. */
  minRelativeIntensity?: number;
  /** A strong reference peak counts as found if a measured peak lies within this distance [Å⁻¹]. Default 2 q-bins. */
  matchTolerance?: number;
}

export type PhaseResult =
  | {
      phase: string;
      status: 'present';
      pixels: number;
      fraction: number;
      /** Peaks found on the mean profile. */
      foundPeaks: { q: number; height: number }[];
      /** Reference peaks used (strong, inside the profile's q range). */
      referencePeaks: { q: number; relativeIntensity: number }[];
      /** Mean over found peaks of |q_found − q_nearest reference| [Å⁻¹]; null if no peak was found. */
      meanDistance: number | null;
      /** The same, weighted by each found peak's height. */
      weightedMeanDistance: number | null;
      /** Fraction of strong reference peaks with a found peak within the tolerance. */
      fractionStrongFound: number;
      /** Mean profile (for plots). */
      meanProfile: number[];
    }
  | { phase: string; status: 'absent'; pixels: 0; fraction: 0 };

/**
 * Argmax class of each pixel of `pred` (nPix × nPhases, row-major).
 */
export function assignPhases(pred: Float32Array, nPhases: number): Int32Array {
  if (nPhases < 1 || pred.length % nPhases !== 0) {
    throw new ValidationError(
      `length ${pred.length} is not a multiple of ${nPhases} phases`,
      'pred',
    );
  }
  const n = pred.length / nPhases;
  const out = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    let best = 0;
    let bv = -Infinity;
    for (let c = 0; c < nPhases; c++) {
      const v = pred[p * nPhases + c]!;
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    out[p] = best;
  }
  return out;
}

/** Strong reference peaks inside [qmin, qmax], intensities relative to the strongest in range. */
export function strongReferencePeaks(
  refs: readonly ReferencePeak[],
  qmin: number,
  qmax: number,
  minRelativeIntensity: number,
): { q: number; relativeIntensity: number }[] {
  const inRange = refs.filter((r) => r.q >= qmin && r.q <= qmax && r.intensity > 0);
  const top = Math.max(0, ...inRange.map((r) => r.intensity));
  if (top <= 0) return [];
  return inRange
    .map((r) => ({ q: r.q, relativeIntensity: r.intensity / top }))
    .filter((r) => r.relativeIntensity >= minRelativeIntensity)
    .sort((a, b) => a.q - b.q);
}

function nearestDistance(q: number, refs: readonly { q: number }[]): number {
  let best = Infinity;
  for (const r of refs) best = Math.min(best, Math.abs(r.q - q));
  return best;
}

/**
 * Evaluate one phase map. `profiles` is (nPix × nq) row-major, `q` the axis (nq), `pred`
 * (nPix × nPhases), `references[i]` the reflections of phase i.
 */
export function evaluatePhaseMap(
  q: ArrayLike<number>,
  profiles: Float32Array,
  pred: Float32Array,
  phases: readonly string[],
  references: readonly (readonly ReferencePeak[])[],
  options: PhaseEvaluationOptions = {},
): PhaseResult[] {
  const nq = q.length;
  const nPhases = phases.length;
  if (references.length !== nPhases) {
    throw new ValidationError(
      `${references.length} reference lists for ${nPhases} phases`,
      'references',
    );
  }
  if (nq < 2 || profiles.length % nq !== 0) {
    throw new ValidationError(
      `profiles length ${profiles.length} is not a multiple of nq=${nq}`,
      'y',
    );
  }
  const nPix = profiles.length / nq;
  if (pred.length !== nPix * nPhases) {
    throw new ValidationError(
      `pred has ${pred.length} values; expected ${nPix} pixels × ${nPhases} phases`,
      'pred',
    );
  }
  const step = (q[nq - 1]! - q[0]!) / (nq - 1);
  const tol = options.matchTolerance ?? 2 * step;
  const minRel = options.minRelativeIntensity ?? 0.05;
  const labels = assignPhases(pred, nPhases);
  const out: PhaseResult[] = [];
  for (let c = 0; c < nPhases; c++) {
    const mean = new Float64Array(nq);
    let count = 0;
    for (let p = 0; p < nPix; p++) {
      if (labels[p] !== c) continue;
      count++;
      for (let i = 0; i < nq; i++) mean[i]! += profiles[p * nq + i]!;
    }
    const phase = phases[c]!;
    if (count === 0) {
      out.push({ phase, status: 'absent', pixels: 0, fraction: 0 });
      continue;
    }
    for (let i = 0; i < nq; i++) mean[i]! /= count;
    const found: Peak[] = findPeaks(q, mean, options.peakFinder);
    const refs = strongReferencePeaks(references[c]!, q[0]!, q[nq - 1]!, minRel);
    let meanDistance: number | null = null;
    let weighted: number | null = null;
    if (found.length > 0 && refs.length > 0) {
      let s = 0;
      let sw = 0;
      let w = 0;
      for (const f of found) {
        const d = nearestDistance(f.x, refs);
        s += d;
        sw += d * Math.max(0, f.height);
        w += Math.max(0, f.height);
      }
      meanDistance = s / found.length;
      weighted = w > 0 ? sw / w : meanDistance;
    }
    const matched = refs.filter((r) => found.some((f) => Math.abs(f.x - r.q) <= tol)).length;
    out.push({
      phase,
      status: 'present',
      pixels: count,
      fraction: count / nPix,
      foundPeaks: found.map((f) => ({ q: f.x, height: f.height })),
      referencePeaks: refs,
      meanDistance,
      weightedMeanDistance: weighted,
      fractionStrongFound: refs.length > 0 ? matched / refs.length : 0,
      meanProfile: Array.from(mean),
    });
  }
  return out;
}
