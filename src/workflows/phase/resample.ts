/**
 * Resampling of profiles from a measured q-axis onto a model's q-axis.
 */
import { ValidationError } from '../../core/errors.js';

/** Fraction of the target range [t0, t1] that the source range covers. */
export function overlapFraction(source: ArrayLike<number>, target: ArrayLike<number>): number {
  const s0 = source[0]!;
  const s1 = source[source.length - 1]!;
  const t0 = target[0]!;
  const t1 = target[target.length - 1]!;
  const w = t1 - t0;
  if (!(w > 0)) return s0 <= t0 && t0 <= s1 ? 1 : 0;
  return Math.max(0, Math.min(s1, t1) - Math.max(s0, t0)) / w;
}

function checkAxis(a: ArrayLike<number>, name: string): void {
  if (a.length < 2) throw new ValidationError(`needs at least 2 points, got ${a.length}`, name);
  for (let i = 1; i < a.length; i++) {
    if (!(a[i]! > a[i - 1]!)) {
      throw new ValidationError(
        `must be strictly increasing and finite (index ${i}: ${a[i - 1]} then ${a[i]})`,
        name,
      );
    }
  }
}

export function sameAxis(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-6): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i]! - b[i]!) > rtol * Math.max(Math.abs(a[i]!), Math.abs(b[i]!), 1e-12)) {
      return false;
    }
  }
  return true;
}

/**
 * Linear interpolation of `nProfiles` profiles (rows of `y`, each `source.length` long) onto
 * `target`. Target points outside the source range take the nearest edge value. Throws when
 * the source covers less than `minOverlap` of the target range.
 */
export function resampleProfiles(
  source: ArrayLike<number>,
  y: Float32Array,
  target: ArrayLike<number>,
  minOverlap = 0.9,
): Float32Array {
  checkAxis(source, 'x (measured q-axis)');
  checkAxis(target, 'model q-axis');
  const ns = source.length;
  const nt = target.length;
  if (y.length % ns !== 0) {
    throw new ValidationError(
      `has ${y.length} values, not a multiple of the q-axis length ${ns}`,
      'y',
    );
  }
  const f = overlapFraction(source, target);
  if (f < minOverlap) {
    throw new ValidationError(
      `measured q range [${source[0]}, ${source[ns - 1]}] Å⁻¹ covers ${(100 * f).toFixed(1)} % of the model's ` +
        `[${target[0]}, ${target[nt - 1]}] Å⁻¹; at least ${(100 * minOverlap).toFixed(0)} % is needed`,
      'x',
    );
  }
  // precompute interpolation indices and weights
  const idx = new Int32Array(nt);
  const w = new Float64Array(nt);
  let j = 0;
  for (let i = 0; i < nt; i++) {
    const q = target[i]!;
    if (q <= source[0]!) {
      idx[i] = 0;
      w[i] = 0;
      continue;
    }
    if (q >= source[ns - 1]!) {
      idx[i] = ns - 2;
      w[i] = 1;
      continue;
    }
    while (j < ns - 2 && source[j + 1]! < q) j++;
    idx[i] = j;
    w[i] = (q - source[j]!) / (source[j + 1]! - source[j]!);
  }
  const n = y.length / ns;
  const out = new Float32Array(n * nt);
  for (let p = 0; p < n; p++) {
    const o = p * ns;
    for (let i = 0; i < nt; i++) {
      const a = y[o + idx[i]!]!;
      const b = y[o + idx[i]! + 1]!;
      out[p * nt + i] = a + (b - a) * w[i]!;
    }
  }
  return out;
}

/** Per-profile min-max normalisation to [0, 1] in place (NaN → 0; a flat profile → 0). */
export function minMaxNormaliseRows(y: Float32Array, rowLength: number): Float32Array {
  const n = y.length / rowLength;
  for (let p = 0; p < n; p++) {
    let lo = Infinity;
    let hi = -Infinity;
    const o = p * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const v = y[o + i]!;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const span = hi - lo;
    for (let i = 0; i < rowLength; i++) {
      const v = y[o + i]!;
      y[o + i] = Number.isFinite(v) && span > 0 ? (v - lo) / span : 0;
    }
  }
  return y;
}
