import { f32at } from './common';

/**
 * ReLU gradient over elements [e0, e1): dx = dy · s with s = 1 where x > 0, 0 where x ≤ 0 and
 * NaN where x is NaN — tfjs's dy · cast(step(x)) in one pass, bit for bit (0 · ∞ stays NaN).
 */
export function reluGrad(dy: usize, x: usize, dx: usize, e0: i32, e1: i32): void {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let e = e0;
  for (; e + 8 <= e1; e += 8) {
    const x0 = v128.load(f32at(x, e));
    const x1 = v128.load(f32at(x, e), 16);
    // select(a, b, m): a where m, else b. x itself where x is NaN.
    const s0 = v128.bitselect(x0, v128.bitselect(one, zero, f32x4.gt(x0, zero)), f32x4.ne(x0, x0));
    const s1 = v128.bitselect(x1, v128.bitselect(one, zero, f32x4.gt(x1, zero)), f32x4.ne(x1, x1));
    v128.store(f32at(dx, e), f32x4.mul(v128.load(f32at(dy, e)), s0));
    v128.store(f32at(dx, e), f32x4.mul(v128.load(f32at(dy, e), 16), s1), 16);
  }
  for (; e < e1; e++) {
    const v = load<f32>(f32at(x, e));
    const s: f32 = v != v ? v : v > 0 ? 1 : 0;
    store<f32>(f32at(dx, e), load<f32>(f32at(dy, e)) * s);
  }
}

/**
 * out[r, k] = x[r, k] + b[k] for rows [r0, r1) of x [rows, c] (float32): a bias added along the
 * last axis in one pass.
 */
export function biasAdd(x: usize, b: usize, out: usize, c: i32, r0: i32, r1: i32): void {
  const c4 = c & ~3;
  for (let r = r0; r < r1; r++) {
    const p = r * c;
    let k = 0;
    for (; k + 16 <= c4; k += 16) {
      const xa = f32at(x, p + k);
      const oa = f32at(out, p + k);
      const ba = f32at(b, k);
      v128.store(oa, f32x4.add(v128.load(xa), v128.load(ba)));
      v128.store(oa, f32x4.add(v128.load(xa, 16), v128.load(ba, 16)), 16);
      v128.store(oa, f32x4.add(v128.load(xa, 32), v128.load(ba, 32)), 32);
      v128.store(oa, f32x4.add(v128.load(xa, 48), v128.load(ba, 48)), 48);
    }
    for (; k < c4; k += 4) {
      v128.store(f32at(out, p + k), f32x4.add(v128.load(f32at(x, p + k)), v128.load(f32at(b, k))));
    }
    for (; k < c; k++) {
      store<f32>(f32at(out, p + k), load<f32>(f32at(x, p + k)) + load<f32>(f32at(b, k)));
    }
  }
}

/**
 * out[o, i] = (Σ_m x[o, m, i]) / n for x [outer, mid, inner] (float32), outer rows [o0, o1):
 * the mean over a block of middle axes (global average pooling: x [batch, h·w, c]) without
 * moving the reduced axes to the end first. Sums in float32, four columns per lane group.
 */
export function meanMiddle(
  x: usize,
  out: usize,
  mid: i32,
  inner: i32,
  n: f32,
  o0: i32,
  o1: i32,
): void {
  const nv = f32x4.splat(n);
  const step = (<usize>inner) << 2;
  for (let o = o0; o < o1; o++) {
    const src = f32at(x, o * mid * inner);
    const dst = f32at(out, o * inner);
    let c = 0;
    for (; c + 16 <= inner; c += 16) {
      let a0 = f32x4.splat(0),
        a1 = f32x4.splat(0),
        a2 = f32x4.splat(0),
        a3 = f32x4.splat(0);
      let p = f32at(src, c);
      for (let m = 0; m < mid; m++) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
        p += step;
      }
      const d = f32at(dst, c);
      v128.store(d, f32x4.div(a0, nv));
      v128.store(d, f32x4.div(a1, nv), 16);
      v128.store(d, f32x4.div(a2, nv), 32);
      v128.store(d, f32x4.div(a3, nv), 48);
    }
    for (; c + 4 <= inner; c += 4) {
      let a = f32x4.splat(0);
      let p = f32at(src, c);
      for (let m = 0; m < mid; m++) {
        a = f32x4.add(a, v128.load(p));
        p += step;
      }
      v128.store(f32at(dst, c), f32x4.div(a, nv));
    }
    for (; c < inner; c++) {
      let s: f32 = 0;
      let p = f32at(src, c);
      for (let m = 0; m < mid; m++) {
        s += load<f32>(p);
        p += step;
      }
      store<f32>(f32at(dst, c), s / n);
    }
  }
}

/**
 * In place over rows [r0, r1) of y [rows, c] (float32): y += b (when `mode & 1`), then the
 * activation `mode >> 1`: 0 none, 1 ReLU max(y, 0) (NaN stays NaN, as Math.max), 2 leaky ReLU
 * y < 0 ? α·y : y with α the float32 at `alpha`. A fused convolution's bias and activation.
 */
export function biasActivation(
  y: usize,
  b: usize,
  alpha: usize,
  c: i32,
  mode: i32,
  r0: i32,
  r1: i32,
): void {
  const bias = (mode & 1) != 0;
  const act = mode >> 1;
  const a: f32 = act == 2 ? load<f32>(alpha) : 0;
  const av = f32x4.splat(a);
  const zero = f32x4.splat(0);
  const c4 = c & ~3;
  for (let r = r0; r < r1; r++) {
    const p = r * c;
    let k = 0;
    for (; k < c4; k += 4) {
      const q = f32at(y, p + k);
      let v = v128.load(q);
      if (bias) v = f32x4.add(v, v128.load(f32at(b, k)));
      if (act == 1) v = f32x4.max(v, zero);
      else if (act == 2) v = v128.bitselect(f32x4.mul(v, av), v, f32x4.lt(v, zero));
      v128.store(q, v);
    }
    for (; k < c; k++) {
      const q = f32at(y, p + k);
      let v = load<f32>(q);
      if (bias) v += load<f32>(f32at(b, k));
      if (act == 1) v = v != v ? v : max(v, 0);
      else if (act == 2) v = v < 0 ? a * v : v;
      store<f32>(q, v);
    }
  }
}
