/**
 * Peak finding on 1D profiles, O'Haver style (T. O'Haver, "A Pragmatic Introduction to Signal
 * Processing", findpeaks): median-filter the signal, take its smoothed first derivative, and
 * accept each downward zero crossing whose derivative drop exceeds a slope threshold and whose
 * amplitude exceeds an amplitude threshold; the position is refined by a least-squares
 * parabola over the points around the crossing (sub-sample precision).
 */
import { ValidationError } from '../errors.js';

export interface PeakFinderOptions {
  /** Minimum drop of the smoothed derivative across the zero crossing (signal units / sample). Default 0. */
  slopeThreshold?: number;
  /** Minimum signal value at the peak; default 10 % of the signal's maximum. */
  ampThreshold?: number;
  /** Median filter radius r (window 2r + 1 samples); 0 disables. Default 3 (the seed used 3). */
  medfiltRadius?: number;
  /** Half width of the boxcar that smooths the derivative (samples). Default 1. */
  smoothRadius?: number;
  /** Points used for the parabola fit around each peak. Default 5. */
  peakGroup?: number;
  /** Keep at most this many peaks (the highest). Default 25 (the seed's maxpeakn). */
  maxPeaks?: number;
}

export interface Peak {
  /** Fractional sample index of the maximum. */
  index: number;
  /** Position on the x axis (interpolated linearly between samples). */
  x: number;
  /** Height of the fitted parabola at its vertex (signal units). */
  height: number;
}

export function medianFilter(y: ArrayLike<number>, radius: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  if (radius <= 0) {
    for (let i = 0; i < n; i++) out[i] = y[i]!;
    return out;
  }
  const win: number[] = [];
  for (let i = 0; i < n; i++) {
    win.length = 0;
    // Edge values are repeated beyond the ends (scipy.signal.medfilt pads with zeros, which
    // fakes a peak just inside the last sample of a rising profile).
    for (let k = -radius; k <= radius; k++) {
      const j = Math.min(n - 1, Math.max(0, i + k));
      win.push(y[j]!);
    }
    win.sort((a, b) => a - b);
    out[i] = win[radius]!;
  }
  return out;
}

function checkOptions(o: PeakFinderOptions): Required<Omit<PeakFinderOptions, 'ampThreshold'>> & {
  ampThreshold: number | undefined;
} {
  const r = {
    slopeThreshold: o.slopeThreshold ?? 0,
    ampThreshold: o.ampThreshold,
    medfiltRadius: o.medfiltRadius ?? 3,
    smoothRadius: o.smoothRadius ?? 1,
    peakGroup: o.peakGroup ?? 5,
    maxPeaks: o.maxPeaks ?? 25,
  };
  for (const k of ['medfiltRadius', 'smoothRadius', 'maxPeaks'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 0) {
      throw new ValidationError(`must be a non-negative integer, got ${r[k]}`, k);
    }
  }
  if (!Number.isInteger(r.peakGroup) || r.peakGroup < 3) {
    throw new ValidationError(`must be an integer ≥ 3, got ${r.peakGroup}`, 'peakGroup');
  }
  if (!Number.isFinite(r.slopeThreshold)) {
    throw new ValidationError(`must be finite, got ${r.slopeThreshold}`, 'slopeThreshold');
  }
  return r;
}

/**
 * Find peaks of `y` sampled at `x` (same length, increasing). Returns peaks sorted by x.
 */
export function findPeaks(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: PeakFinderOptions = {},
): Peak[] {
  if (x.length !== y.length) {
    throw new ValidationError(`x has ${x.length} points but y has ${y.length}`, 'x');
  }
  const o = checkOptions(options);
  const n = y.length;
  if (n < 3) return [];
  const ys = medianFilter(y, o.medfiltRadius);
  let ymax = -Infinity;
  for (let i = 0; i < n; i++) if (Number.isFinite(ys[i]!) && ys[i]! > ymax) ymax = ys[i]!;
  const amp = o.ampThreshold ?? 0.1 * ymax;
  // central-difference derivative, then boxcar smoothing
  const d0 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = ys[Math.max(0, i - 1)]!;
    const b = ys[Math.min(n - 1, i + 1)]!;
    d0[i] = (b - a) / (Math.min(n - 1, i + 1) - Math.max(0, i - 1));
  }
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let c = 0;
    for (let k = -o.smoothRadius; k <= o.smoothRadius; k++) {
      const j = i + k;
      if (j >= 0 && j < n) {
        s += d0[j]!;
        c++;
      }
    }
    d[i] = s / c;
  }
  const half = Math.floor(o.peakGroup / 2);
  const peaks: Peak[] = [];
  for (let j = 0; j < n - 1; j++) {
    if (!(d[j]! > 0 && d[j + 1]! <= 0)) continue;
    if (d[j]! - d[j + 1]! <= o.slopeThreshold) continue;
    const top = ys[j]! >= ys[j + 1]! ? j : j + 1;
    if (!(ys[top]! > amp)) continue;
    const lo = Math.max(0, top - half);
    const hi = Math.min(n - 1, top + half);
    const fit = parabolaVertex(ys, lo, hi);
    let idx = top;
    let height = ys[top]!;
    if (fit && fit.index >= lo && fit.index <= hi) {
      idx = fit.index;
      height = fit.height;
    }
    peaks.push({ index: idx, x: interpX(x, idx), height });
  }
  peaks.sort((a, b) => b.height - a.height);
  const kept = peaks.slice(0, o.maxPeaks);
  kept.sort((a, b) => a.x - b.x);
  return kept;
}

/** Least-squares parabola through samples lo..hi; its vertex, or undefined if not concave. */
function parabolaVertex(
  y: Float64Array,
  lo: number,
  hi: number,
): { index: number; height: number } | undefined {
  if (hi - lo < 2) return undefined;
  const c = (lo + hi) / 2;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    t0 = 0,
    t1 = 0,
    t2 = 0;
  for (let i = lo; i <= hi; i++) {
    const u = i - c;
    const v = y[i]!;
    const u2 = u * u;
    s0 += 1;
    s1 += u;
    s2 += u2;
    s3 += u2 * u;
    s4 += u2 * u2;
    t0 += v;
    t1 += u * v;
    t2 += u2 * v;
  }
  // Solve [[s4 s3 s2][s3 s2 s1][s2 s1 s0]] [a b c0] = [t2 t1 t0]
  const m = [
    [s4, s3, s2, t2],
    [s3, s2, s1, t1],
    [s2, s1, s0, t0],
  ];
  for (let col = 0; col < 3; col++) {
    let piv = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[piv]![col]!)) piv = r;
    [m[col], m[piv]] = [m[piv]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) < 1e-300) return undefined;
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / p;
      for (let k = col; k < 4; k++) m[r]![k]! -= f * m[col]![k]!;
    }
  }
  const a = m[0]![3]! / m[0]![0]!;
  const b = m[1]![3]! / m[1]![1]!;
  const c0 = m[2]![3]! / m[2]![2]!;
  if (!(a < 0)) return undefined;
  const u = -b / (2 * a);
  return { index: c + u, height: a * u * u + b * u + c0 };
}

function interpX(x: ArrayLike<number>, idx: number): number {
  const i = Math.max(0, Math.min(x.length - 1, Math.floor(idx)));
  const j = Math.min(x.length - 1, i + 1);
  const t = idx - i;
  return x[i]! + (x[j]! - x[i]!) * t;
}
