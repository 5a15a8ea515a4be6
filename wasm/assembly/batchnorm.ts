import { f32at } from './common';

// Training-mode batch normalisation over the rows of x [rows, cols] (channels last, float32);
// src/ml/backend/kernels/batch-norm.ts calls these. Per-channel sums run down the columns, one
// quad of columns at a time, in float32 over blocks of BLOCK rows that are then added into
// float64 accumulators: the sums keep float64 accuracy without converting every element.

/** Rows summed in float32 before a block's sums join the float64 accumulators. */
const BLOCK = 64;

/** Lanes 0–1 (lo64) and 2–3 (hi64) of a float32 vector as float64. */
// @ts-ignore: decorator
@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Column j's statistics from its shifted sums (f64): mean, biased variance, γ/√(σ² + ε). */
// @ts-ignore: decorator
@inline function finishStats(
  j: i32,
  k: f64,
  s1: f64,
  s2: f64,
  n: f64,
  eps: f64,
  gamma: usize,
  mean: usize,
  variance: usize,
  scale: usize,
): void {
  const m1 = s1 / n;
  let v = s2 / n - m1 * m1;
  if (v < 0) v = 0;
  store<f32>(f32at(mean, j), <f32>(k + m1));
  store<f32>(f32at(variance, j), <f32>v);
  store<f32>(f32at(scale, j), <f32>(<f64>load<f32>(f32at(gamma, j)) / Math.sqrt(v + eps)));
}

/**
 * mean[j], variance[j] (biased) and scale[j] = γ[j]/√(variance[j] + ε) for columns
 * [4·q0, min(4·q1, cols)) of x [rows, cols]; ε is the float32 at `params`. The sums are shifted
 * by each column's first value (no cancellation in Σx² − (Σx)²/n when |μ| ≫ σ).
 * Range: column quads.
 */
export function bnStats(
  x: usize,
  gamma: usize,
  params: usize,
  mean: usize,
  variance: usize,
  scale: usize,
  rows: i32,
  cols: i32,
  q0: i32,
  q1: i32,
): void {
  const eps = <f64>load<f32>(params);
  const n = <f64>rows;
  const step = (<usize>cols) << 2;
  let c = q0 << 2;
  const cEnd = min(q1 << 2, cols);
  for (; c + 4 <= cEnd; c += 4) {
    const kv = v128.load(f32at(x, c));
    let s1lo = f64x2.splat(0);
    let s1hi = f64x2.splat(0);
    let s2lo = f64x2.splat(0);
    let s2hi = f64x2.splat(0);
    let p = f32at(x, c);
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = min(rows, r0 + BLOCK);
      let a = f32x4.splat(0);
      let q = f32x4.splat(0);
      for (let r = r0; r < r1; r++) {
        const d = f32x4.sub(v128.load(p), kv);
        a = f32x4.add(a, d);
        q = f32x4.add(q, f32x4.mul(d, d));
        p += step;
      }
      s1lo = f64x2.add(s1lo, lo64(a));
      s1hi = f64x2.add(s1hi, hi64(a));
      s2lo = f64x2.add(s2lo, lo64(q));
      s2hi = f64x2.add(s2hi, hi64(q));
    }
    const k0 = <f64>f32x4.extract_lane(kv, 0);
    const k1 = <f64>f32x4.extract_lane(kv, 1);
    const k2 = <f64>f32x4.extract_lane(kv, 2);
    const k3 = <f64>f32x4.extract_lane(kv, 3);
    finishStats(c, k0, f64x2.extract_lane(s1lo, 0), f64x2.extract_lane(s2lo, 0), n, eps, gamma, mean, variance, scale);
    finishStats(c + 1, k1, f64x2.extract_lane(s1lo, 1), f64x2.extract_lane(s2lo, 1), n, eps, gamma, mean, variance, scale);
    finishStats(c + 2, k2, f64x2.extract_lane(s1hi, 0), f64x2.extract_lane(s2hi, 0), n, eps, gamma, mean, variance, scale);
    finishStats(c + 3, k3, f64x2.extract_lane(s1hi, 1), f64x2.extract_lane(s2hi, 1), n, eps, gamma, mean, variance, scale);
  }
  for (; c < cEnd; c++) {
    const k = load<f32>(f32at(x, c));
    let s1: f64 = 0;
    let s2: f64 = 0;
    let p = f32at(x, c);
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = min(rows, r0 + BLOCK);
      let a: f32 = 0;
      let q: f32 = 0;
      for (let r = r0; r < r1; r++) {
        const d = load<f32>(p) - k;
        a += d;
        q += d * d;
        p += step;
      }
      s1 += <f64>a;
      s2 += <f64>q;
    }
    finishStats(c, <f64>k, s1, s2, n, eps, gamma, mean, variance, scale);
  }
}

/**
 * y = (x − mean)·scale + β per column, rows [r0, r1) of x [rows, cols]. Range: rows.
 */
export function bnApply(
  x: usize,
  mean: usize,
  scale: usize,
  beta: usize,
  y: usize,
  cols: i32,
  r0: i32,
  r1: i32,
): void {
  const c4 = cols & ~3;
  for (let r = r0; r < r1; r++) {
    const p = r * cols;
    let k = 0;
    for (; k < c4; k += 4) {
      const d = f32x4.sub(v128.load(f32at(x, p + k)), v128.load(f32at(mean, k)));
      const o = f32x4.add(f32x4.mul(d, v128.load(f32at(scale, k))), v128.load(f32at(beta, k)));
      v128.store(f32at(y, p + k), o);
    }
    for (; k < cols; k++) {
      const d = load<f32>(f32at(x, p + k)) - load<f32>(f32at(mean, k));
      store<f32>(f32at(y, p + k), d * load<f32>(f32at(scale, k)) + load<f32>(f32at(beta, k)));
    }
  }
}

/** Column j's gradient coefficients from Σdy and Σdy·(x − μ) (f64). */
// @ts-ignore: decorator
@inline function finishGrad(
  j: i32,
  sdy: f64,
  sdyx: f64,
  n: f64,
  eps: f64,
  gamma: usize,
  variance: usize,
  dgamma: usize,
  dbeta: usize,
  coef: usize,
  cols: i32,
): void {
  const inv = 1 / Math.sqrt(<f64>load<f32>(f32at(variance, j)) + eps);
  const dg = sdyx * inv;
  const a = <f64>load<f32>(f32at(gamma, j)) * inv;
  store<f32>(f32at(dbeta, j), <f32>sdy);
  store<f32>(f32at(dgamma, j), <f32>dg);
  store<f32>(f32at(coef, j), <f32>a);
  store<f32>(f32at(coef, cols + j), <f32>((-a * inv * dg) / n));
  store<f32>(f32at(coef, 2 * cols + j), <f32>((-a * sdy) / n));
}

/**
 * dβ = Σ dy and dγ = Σ dy·(x − μ)/σ per column, and the coefficients of
 * dx = a·dy + b·(x − μ) + k (coef = [a | b | k], 3·cols float32; σ = √(variance + ε)) for
 * columns [4·q0, min(4·q1, cols)); ε is the float32 at `params`. Range: column quads.
 */
export function bnGradStats(
  dy: usize,
  x: usize,
  gamma: usize,
  params: usize,
  mean: usize,
  variance: usize,
  dgamma: usize,
  dbeta: usize,
  coef: usize,
  rows: i32,
  cols: i32,
  q0: i32,
  q1: i32,
): void {
  const eps = <f64>load<f32>(params);
  const n = <f64>rows;
  const step = (<usize>cols) << 2;
  let c = q0 << 2;
  const cEnd = min(q1 << 2, cols);
  for (; c + 4 <= cEnd; c += 4) {
    const mv = v128.load(f32at(mean, c));
    let s1lo = f64x2.splat(0);
    let s1hi = f64x2.splat(0);
    let s2lo = f64x2.splat(0);
    let s2hi = f64x2.splat(0);
    let p = f32at(x, c);
    let g = f32at(dy, c);
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = min(rows, r0 + BLOCK);
      let a = f32x4.splat(0);
      let q = f32x4.splat(0);
      for (let r = r0; r < r1; r++) {
        const d = v128.load(g);
        a = f32x4.add(a, d);
        q = f32x4.add(q, f32x4.mul(d, f32x4.sub(v128.load(p), mv)));
        p += step;
        g += step;
      }
      s1lo = f64x2.add(s1lo, lo64(a));
      s1hi = f64x2.add(s1hi, hi64(a));
      s2lo = f64x2.add(s2lo, lo64(q));
      s2hi = f64x2.add(s2hi, hi64(q));
    }
    finishGrad(c, f64x2.extract_lane(s1lo, 0), f64x2.extract_lane(s2lo, 0), n, eps, gamma, variance, dgamma, dbeta, coef, cols);
    finishGrad(c + 1, f64x2.extract_lane(s1lo, 1), f64x2.extract_lane(s2lo, 1), n, eps, gamma, variance, dgamma, dbeta, coef, cols);
    finishGrad(c + 2, f64x2.extract_lane(s1hi, 0), f64x2.extract_lane(s2hi, 0), n, eps, gamma, variance, dgamma, dbeta, coef, cols);
    finishGrad(c + 3, f64x2.extract_lane(s1hi, 1), f64x2.extract_lane(s2hi, 1), n, eps, gamma, variance, dgamma, dbeta, coef, cols);
  }
  for (; c < cEnd; c++) {
    const m = load<f32>(f32at(mean, c));
    let s1: f64 = 0;
    let s2: f64 = 0;
    let p = f32at(x, c);
    let g = f32at(dy, c);
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = min(rows, r0 + BLOCK);
      let a: f32 = 0;
      let q: f32 = 0;
      for (let r = r0; r < r1; r++) {
        const d = load<f32>(g);
        a += d;
        q += d * (load<f32>(p) - m);
        p += step;
        g += step;
      }
      s1 += <f64>a;
      s2 += <f64>q;
    }
    finishGrad(c, s1, s2, n, eps, gamma, variance, dgamma, dbeta, coef, cols);
  }
}

/**
 * dx = a·dy + b·(x − μ) + k per column (coef = [a | b | k] from bnGradStats), rows [r0, r1).
 * Range: rows.
 */
export function bnGradApply(
  dy: usize,
  x: usize,
  mean: usize,
  coef: usize,
  dx: usize,
  cols: i32,
  r0: i32,
  r1: i32,
): void {
  const c4 = cols & ~3;
  const bOff = cols;
  const kOff = 2 * cols;
  for (let r = r0; r < r1; r++) {
    const p = r * cols;
    let j = 0;
    for (; j < c4; j += 4) {
      const d = f32x4.sub(v128.load(f32at(x, p + j)), v128.load(f32at(mean, j)));
      const t = f32x4.mul(v128.load(f32at(coef, j)), v128.load(f32at(dy, p + j)));
      const u = f32x4.add(t, f32x4.mul(v128.load(f32at(coef, bOff + j)), d));
      v128.store(f32at(dx, p + j), f32x4.add(u, v128.load(f32at(coef, kOff + j))));
    }
    for (; j < cols; j++) {
      const d = load<f32>(f32at(x, p + j)) - load<f32>(f32at(mean, j));
      const t = load<f32>(f32at(coef, j)) * load<f32>(f32at(dy, p + j));
      const u = t + load<f32>(f32at(coef, bOff + j)) * d;
      store<f32>(f32at(dx, p + j), u + load<f32>(f32at(coef, kOff + j)));
    }
  }
}
