/**
 * Two-sample tests of "same distribution" for profile datasets: per-bin Kolmogorov–Smirnov
 * tests and KS tests of the joint structure (random projections of the profiles; products
 * and differences of neighbouring bins), Holm-corrected together. Used by the proof that
 * `profileMethod: exact` is distributed as `image` (exact-profile.test.ts, and the heavier
 * bench/scale/equivalence.ts).
 *
 * Kolmogorov–Smirnov p-value: the asymptotic Kolmogorov distribution with Stephens' small-
 * sample correction, λ = (√nₑ + 0.12 + 0.11/√nₑ)·D, nₑ = n₁n₂/(n₁+n₂) (Press et al.,
 * Numerical Recipes 3rd ed. §14.3.3); Holm, Scand. J. Statist. 6 (1979) 65–70.
 */
import { createRng } from '../../../core/rng.js';

/** Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}

/** Two-sample KS statistic D and its p-value. */
export function ks2(a: ArrayLike<number>, b: ArrayLike<number>): { d: number; p: number } {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  const n1 = x.length;
  const n2 = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  const ne = Math.sqrt((n1 * n2) / (n1 + n2));
  return { d, p: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d) };
}

function sum(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

export interface EquivalenceTest {
  name: string;
  p: number;
}

export interface EquivalenceResult {
  tests: EquivalenceTest[];
  /** Holm-adjusted smallest p-value (family-wise). */
  minAdjustedP: number;
  /** Tests rejected at the family-wise level `alpha` (Holm). */
  rejected: EquivalenceTest[];
  alpha: number;
}

/** Holm's step-down procedure: the tests rejected at family-wise level alpha. */
export function holm(
  tests: EquivalenceTest[],
  alpha: number,
): {
  rejected: EquivalenceTest[];
  minAdjustedP: number;
} {
  const sorted = [...tests].sort((a, b) => a.p - b.p);
  const m = sorted.length;
  const rejected: EquivalenceTest[] = [];
  for (let k = 0; k < m; k++) {
    if (sorted[k]!.p > alpha / (m - k)) break;
    rejected.push(sorted[k]!);
  }
  const minAdjustedP = m > 0 ? Math.min(1, sorted[0]!.p * m) : 1;
  return { rejected, minAdjustedP };
}

/**
 * Compare two samples of profiles (rows of `bins` values): KS per bin (bins constant in both
 * samples are skipped), KS on `projections` random Gaussian projections of the centred
 * profiles, and KS on the centred products and on the differences of each pair of bins
 * `lag` apart; Holm at `alpha` over all of them.
 */
export function compareProfiles(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  bins: number,
  o: { alpha?: number; projections?: number; lag?: number; seed?: number } = {},
): EquivalenceResult {
  const alpha = o.alpha ?? 0.01;
  const na = a.length / bins;
  const nb = b.length / bins;
  const col = (x: Float32Array | Float64Array, n: number, j: number): Float64Array => {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = x[i * bins + j]!;
    return c;
  };
  const tests: EquivalenceTest[] = [];
  const colsA: Float64Array[] = [];
  const colsB: Float64Array[] = [];
  for (let j = 0; j < bins; j++) {
    const ca = col(a, na, j);
    const cb = col(b, nb, j);
    colsA.push(ca);
    colsB.push(cb);
    const first = ca[0]!;
    if (ca.every((v) => v === first) && cb.every((v) => v === first)) continue;
    tests.push({ name: `bin ${j}`, p: ks2(ca, cb).p });
  }
  const rng = createRng(o.seed ?? 12345);
  for (let k = 0; k < (o.projections ?? 8); k++) {
    const w = Float64Array.from({ length: bins }, () => rng.normal());
    const proj = (x: Float32Array | Float64Array, n: number): Float64Array => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < bins; j++) s += w[j]! * x[i * bins + j]!;
        out[i] = s;
      }
      return out;
    };
    tests.push({ name: `projection ${k}`, p: ks2(proj(a, na), proj(b, nb)).p });
  }
  // Joint structure of neighbouring bins: KS on the products of the bins centred on the
  // pooled means (their law carries the covariance) and on the differences. (A Fisher-z test
  // of the correlations is not valid here: it assumes bivariate normal bins and rejects two
  // samples of the same mixture.)
  const lag = o.lag ?? 1;
  for (let j = 0; j + lag < bins; j++) {
    const a0 = colsA[j]!;
    const a1 = colsA[j + lag]!;
    const b0 = colsB[j]!;
    const b1 = colsB[j + lag]!;
    const m0 = (sum(a0) + sum(b0)) / (na + nb);
    const m1 = (sum(a1) + sum(b1)) / (na + nb);
    const prodA = a0.map((v, i) => (v - m0) * (a1[i]! - m1));
    const prodB = b0.map((v, i) => (v - m0) * (b1[i]! - m1));
    if (prodA.every((v) => v === 0) && prodB.every((v) => v === 0)) continue;
    tests.push({ name: `product ${j},${j + lag}`, p: ks2(prodA, prodB).p });
    tests.push({
      name: `difference ${j},${j + lag}`,
      p: ks2(
        a0.map((v, i) => a1[i]! - v),
        b0.map((v, i) => b1[i]! - v),
      ).p,
    });
  }
  const h = holm(tests, alpha);
  return { tests, alpha, ...h };
}
