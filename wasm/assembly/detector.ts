// Detector image kernels of `profileMethod: exact` (src/workflows/phase/dataset/exact-profile.ts)
// in WASM SIMD: the Gaussian splat of renderPattern (src/simulate/kinematic/detector.ts), the
// image maximum, the normalisation with the ring sums, and the grouping of the bright pixels by
// binary exponent for the Poisson step. Its own entry point, compiled by scripts/build-wasm.mjs into
// dist/wasm/detector.wasm, loaded by src/simulate/kinematic/detector-wasm.ts.
//
// The module imports its memory (one per image geometry, made by the host) and allocates
// nothing: every buffer is a byte offset the host laid out.
//
// Arithmetic: the splat is renderPattern's, bit for bit — the host computes the separable
// weights wx, wy (float64, Math.exp) and a = I·norm; here rowW = a·wy (float64), v + rowW·wx in
// float64, one rounding to float32 at the store, as JS does when it writes a Float32Array. The
// normalisation x = f32(v / M) is f32 division, which equals JS's float64 division rounded to
// float32 (double rounding is harmless for division: 53 ≥ 2·24 + 2). The maximum is exact. Only
// the ring sums (float64) are summed in another order than the JS loop (four partial sums per
// ring, by pixel index mod 4): relative differences ~1e-16.

/** Lanes 2, 3 of a float32 vector promoted to float64. */
function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Four float32 lanes from two float64 pairs (lo → lanes 0, 1; hi → 2, 3), rounded to nearest. */
function demote2(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// exp as V8's Math.exp computes it (src/base/ieee754.cc: fdlibm's e_exp.c, FreeBSD's
// rewrite of the scaling), so the Gaussian weights are the JS ones bit for bit. The host checks
// that at load (detector-wasm.ts compares expInto with Math.exp) and computes the weights in JS
// where they differ.
const LN2HI = reinterpret<f64>(0x3fe62e42fee00000);
const LN2LO = reinterpret<f64>(0x3dea39ef35793c76);
const INVLN2 = reinterpret<f64>(0x3ff71547652b82fe);
const P1 = reinterpret<f64>(0x3fc555555555553e);
const P2 = reinterpret<f64>(0xbf66c16c16bebd93);
const P3 = reinterpret<f64>(0x3f11566aaf25de2c);
const P4 = reinterpret<f64>(0xbebbbd41c5d26bf1);
const P5 = reinterpret<f64>(0x3e66376972bea4d0);
const O_THRESHOLD = reinterpret<f64>(0x40862e42fefa39ef);
const U_THRESHOLD = reinterpret<f64>(0xc0874910d52d3051);
const TWOM1000 = reinterpret<f64>(0x0170000000000000);
const TWO1023 = reinterpret<f64>(0x7fe0000000000000);
const E = reinterpret<f64>(0x4005bf0a8b145769);
/** |x| from which (high word > 0x3fd62e42) the argument is reduced, and k = ±1 ends. */
const HALF_LN2 = reinterpret<f64>(0x3fd62e4300000000);
const THREEHALF_LN2 = reinterpret<f64>(0x3ff0a2b200000000);
/** 2^−28: below it exp(x) = 1 + x. */
const TINY = reinterpret<f64>(0x3e30000000000000);

/** fdlibm's exp, scalar, every case. */
function expScalar(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  const xsb = <i32>(bits >>> 63);
  const hx = (<u32>(bits >>> 32)) & 0x7fffffff;
  let hi: f64 = 0;
  let lo: f64 = 0;
  let k: i32 = 0;
  if (hx >= 0x40862e42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | (<u32>bits)) != 0) return x + x;
      return xsb == 0 ? x : 0.0;
    }
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0.0;
  }
  if (hx > 0x3fd62e42) {
    if (hx < 0x3ff0a2b2) {
      if (x == 1.0) return E;
      hi = xsb ? x + LN2HI : x - LN2HI;
      lo = xsb ? -LN2LO : LN2LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(INVLN2 * x + (xsb ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * LN2HI;
      lo = t * LN2LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    return 1.0 + x;
  }
  const t = x * x;
  const twopk =
    k >= -1021
      ? reinterpret<f64>((<u64>(0x3ff + k)) << 52)
      : reinterpret<f64>((<u64>(0x3ff + k + 1000)) << 52);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - (lo - (x * c) / (2.0 - c) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO1023;
    return y * twopk;
  }
  return y * twopk * TWOM1000;
}

/** exp of two lanes, both in [−708, 0] (the weights' case): fdlibm's branches as selects. */
function exp2Lanes(x: v128): v128 {
  const ax = f64x2.abs(x);
  const reduce = f64x2.ge(ax, f64x2.splat(HALF_LN2));
  const big = f64x2.ge(ax, f64x2.splat(THREEHALF_LN2));
  const tiny = f64x2.lt(ax, f64x2.splat(TINY));
  // x < 0: k = −1 for 0.5·ln2 < |x| < 1.5·ln2, else (int)(x/ln2 − 0.5).
  const kb = i32x4.trunc_sat_f64x2_s_zero(
    f64x2.add(f64x2.mul(f64x2.splat(INVLN2), x), f64x2.splat(-0.5)),
  );
  const tb = f64x2.convert_low_i32x4_s(kb);
  const hi = v128.bitselect(
    f64x2.sub(x, f64x2.mul(tb, f64x2.splat(LN2HI))),
    f64x2.sub(x, f64x2.splat(-LN2HI)),
    big,
  );
  const lo = v128.bitselect(f64x2.mul(tb, f64x2.splat(LN2LO)), f64x2.splat(-LN2LO), big);
  // k (in the low two int32 lanes) from its float64 value; selects are per float64 lane.
  const k = i32x4.trunc_sat_f64x2_s_zero(v128.bitselect(tb, f64x2.splat(-1.0), big));
  const xr = v128.bitselect(f64x2.sub(hi, lo), x, reduce);
  const t = f64x2.mul(xr, xr);
  let p = f64x2.mul(t, f64x2.splat(P5));
  p = f64x2.mul(t, f64x2.add(f64x2.splat(P4), p));
  p = f64x2.mul(t, f64x2.add(f64x2.splat(P3), p));
  p = f64x2.mul(t, f64x2.add(f64x2.splat(P2), p));
  p = f64x2.mul(t, f64x2.add(f64x2.splat(P1), p));
  const c = f64x2.sub(xr, p);
  const one = f64x2.splat(1.0);
  const two = f64x2.splat(2.0);
  // k = 0
  const r0 = f64x2.sub(one, f64x2.sub(f64x2.div(f64x2.mul(xr, c), f64x2.sub(c, two)), xr));
  // k ≠ 0 (k ≥ −1021 for x ≥ −708): y·2^k
  const y = f64x2.sub(
    one,
    f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(xr, c), f64x2.sub(two, c))), hi),
  );
  const twopk = i64x2.shl(i64x2.add(i64x2.extend_low_i32x4_s(k), i64x2.splat(0x3ff)), 52);
  const r1 = f64x2.mul(y, twopk);
  return v128.bitselect(f64x2.add(one, x), v128.bitselect(r1, r0, reduce), tiny);
}

/** exp of n float64 values (src → dst): the weights' exp, exported for the host's check. */
export function expInto(src: usize, dst: usize, n: i32): void {
  let i = 0;
  const lo = f64x2.splat(-708.0);
  const hi = f64x2.splat(0.0);
  for (; i + 2 <= n; i += 2) {
    const x = v128.load(src + ((<usize>i) << 3));
    const ok = v128.and(f64x2.ge(x, lo), f64x2.le(x, hi));
    if (i64x2.all_true(ok)) v128.store(dst + ((<usize>i) << 3), exp2Lanes(x));
    else {
      store<f64>(dst + ((<usize>i) << 3), expScalar(f64x2.extract_lane(x, 0)));
      store<f64>(dst + ((<usize>i) << 3), expScalar(f64x2.extract_lane(x, 1)), 8);
    }
  }
  for (; i < n; i++)
    store<f64>(dst + ((<usize>i) << 3), expScalar(load<f64>(src + ((<usize>i) << 3))));
}

/**
 * The weights of `count` spots, as renderPattern's put computes them: per spot, from its
 * params [c0, r0, a, x, y] (five float64), wx[d + rad] = exp(−(c0 + d − x)²·inv2s2) and
 * wy likewise, d = −rad…rad, written spot after spot as splat reads them; `scratch` holds
 * 2·(2·rad + 1) float64 of arguments.
 */
export function stencils(
  params: usize,
  count: i32,
  rad: i32,
  inv2s2: f64,
  weights: usize,
  scratch: usize,
): void {
  const w = 2 * rad + 1;
  let wp = weights;
  for (let s = 0; s < count; s++) {
    const p = params + <usize>s * 40;
    const c0 = load<f64>(p);
    const r0 = load<f64>(p, 8);
    const x = load<f64>(p, 24);
    const y = load<f64>(p, 32);
    for (let d = -rad; d <= rad; d++) {
      const ex = c0 + <f64>d - x;
      const ey = r0 + <f64>d - y;
      store<f64>(scratch + ((<usize>(d + rad)) << 3), -ex * ex * inv2s2);
      store<f64>(scratch + ((<usize>(d + rad + w)) << 3), -ey * ey * inv2s2);
    }
    expInto(scratch, wp, 2 * w);
    wp += (<usize>w) << 4;
  }
}

/**
 * Add `count` Gaussian spots to the n × n float32 image at `img`. `params` holds per spot
 * five float64 [c0, r0, a, x, y] (centre pixel, amplitude I·norm, centre; splat reads the
 * first three); `weights` per spot wx[0…2·rad] then wy[0…2·rad] (float64), spot after
 * spot. Pixels outside the image are skipped. Returns the largest value stored (and 0): with
 * every a ≥ 0 a pixel only grows (v + w ≥ v, rounding is monotonic), so on an image that was
 * zero before, that is the image maximum.
 */
export function splat(
  img: usize,
  n: i32,
  params: usize,
  count: i32,
  rad: i32,
  weights: usize,
): f32 {
  const w = 2 * rad + 1;
  let wp = weights;
  // The largest value stored (pmax: NaN never wins, as in the JS `if (v > max)`).
  let mv = f32x4.splat(0);
  let ms: f32 = 0;
  for (let s = 0; s < count; s++) {
    const p = params + <usize>s * 40;
    const c0 = <i32>load<f64>(p);
    const r0 = <i32>load<f64>(p, 8);
    const a = load<f64>(p, 16);
    const wx = wp;
    const wy = wp + ((<usize>w) << 3);
    wp += (<usize>w) << 4;
    const rlo = max(0, r0 - rad);
    const rhi = min(n - 1, r0 + rad);
    const clo = max(0, c0 - rad);
    const chi = min(n - 1, c0 + rad);
    if (rlo > rhi || clo > chi) continue;
    const len = chi - clo + 1;
    const wx0 = wx + ((<usize>(clo - c0 + rad)) << 3);
    for (let r = rlo; r <= rhi; r++) {
      const rowW = a * load<f64>(wy + ((<usize>(r - r0 + rad)) << 3));
      const rw = f64x2.splat(rowW);
      const row = img + ((<usize>r * <usize>n + <usize>clo) << 2);
      let j = 0;
      for (; j + 4 <= len; j += 4) {
        const q = row + ((<usize>j) << 2);
        const ww = wx0 + ((<usize>j) << 3);
        const v = v128.load(q);
        const lo = f64x2.add(f64x2.promote_low_f32x4(v), f64x2.mul(rw, v128.load(ww)));
        const hi = f64x2.add(promoteHigh(v), f64x2.mul(rw, v128.load(ww, 16)));
        const u = demote2(lo, hi);
        v128.store(q, u);
        mv = f32x4.pmax(mv, u);
      }
      for (; j < len; j++) {
        const q = row + ((<usize>j) << 2);
        const u = <f32>(<f64>load<f32>(q) + rowW * load<f64>(wx0 + ((<usize>j) << 3)));
        store<f32>(q, u);
        if (ms < u) ms = u;
      }
    }
  }
  return maxLanes(mv, ms);
}

/** max(m, the four lanes of v), with `m < x ? x : m` (the JS comparison). */
function maxLanes(v: v128, m: f32): f32 {
  let x = f32x4.extract_lane(v, 0);
  if (m < x) m = x;
  x = f32x4.extract_lane(v, 1);
  if (m < x) m = x;
  x = f32x4.extract_lane(v, 2);
  if (m < x) m = x;
  x = f32x4.extract_lane(v, 3);
  if (m < x) m = x;
  return m;
}

/** The maximum of 0 and the npx float32 values at `img` (npx a multiple of 4 or not). */
export function maxOf(img: usize, npx: i32): f32 {
  let m0 = f32x4.splat(0);
  let m1 = m0;
  let i = 0;
  for (; i + 8 <= npx; i += 8) {
    const q = img + ((<usize>i) << 2);
    m0 = f32x4.pmax(m0, v128.load(q));
    m1 = f32x4.pmax(m1, v128.load(q, 16));
  }
  let m = maxLanes(f32x4.pmax(m0, m1), 0);
  for (; i < npx; i++) {
    const x = load<f32>(img + ((<usize>i) << 2));
    if (m < x) m = x;
  }
  return m;
}

/**
 * img[i] = f32(img[i] / m) for every pixel, and the ring sums with salt: `slotOf` holds per
 * pixel the byte offset of its partial sum, (bin·4 + i mod 4)·8 (bin = `bins` for pixels
 * outside every ring), into `slots` (float64, (bins + 1)·4, zeroed here); the ns salted
 * pixels (int32 indices at `salt`, increasing) add fs instead of their value (img keeps the
 * value); sums[b] = the four partial sums of ring b, added in lane order.
 */
export function normaliseSum(
  img: usize,
  npx: i32,
  m: f32,
  slotOf: usize,
  slots: usize,
  bins: i32,
  sums: usize,
  salt: usize,
  ns: i32,
  fs: f32,
): void {
  memory.fill(slots, 0, (<usize>(bins + 1)) << 5);
  const ms = f32x4.splat(m);
  let sp = 0;
  let next = ns > 0 ? load<i32>(salt) : npx;
  let i = 0;
  for (; i + 4 <= npx; i += 4) {
    const q = img + ((<usize>i) << 2);
    const x = f32x4.div(v128.load(q), ms);
    v128.store(q, x);
    const o = slotOf + ((<usize>i) << 2);
    if (next < i + 4) {
      for (let l = 0; l < 4; l++) {
        let v = <f64>load<f32>(q + ((<usize>l) << 2));
        if (i + l == next) {
          v = <f64>fs;
          sp++;
          next = sp < ns ? load<i32>(salt + ((<usize>sp) << 2)) : npx;
        }
        const s = slots + <usize>load<i32>(o + ((<usize>l) << 2));
        store<f64>(s, load<f64>(s) + v);
      }
      continue;
    }
    const s0 = slots + <usize>load<i32>(o);
    const s1 = slots + <usize>load<i32>(o, 4);
    const s2 = slots + <usize>load<i32>(o, 8);
    const s3 = slots + <usize>load<i32>(o, 12);
    store<f64>(s0, load<f64>(s0) + <f64>f32x4.extract_lane(x, 0));
    store<f64>(s1, load<f64>(s1) + <f64>f32x4.extract_lane(x, 1));
    store<f64>(s2, load<f64>(s2) + <f64>f32x4.extract_lane(x, 2));
    store<f64>(s3, load<f64>(s3) + <f64>f32x4.extract_lane(x, 3));
  }
  for (; i < npx; i++) {
    const q = img + ((<usize>i) << 2);
    const x = load<f32>(q) / m;
    store<f32>(q, x);
    let v = <f64>x;
    if (i == next) {
      v = <f64>fs;
      sp++;
      next = sp < ns ? load<i32>(salt + ((<usize>sp) << 2)) : npx;
    }
    const s = slots + <usize>load<i32>(slotOf + ((<usize>i) << 2));
    store<f64>(s, load<f64>(s) + v);
  }
  for (let b = 0; b < bins; b++) {
    const s = slots + ((<usize>b) << 5);
    store<f64>(
      sums + ((<usize>b) << 3),
      load<f64>(s) + load<f64>(s, 8) + load<f64>(s, 16) + load<f64>(s, 24),
    );
  }
}

/**
 * img[i] = f32(img[i] / m) for every pixel; the pixels with the new value ≥ t (the bright
 * ones, t > 0) are written to `bright` (int32) in index order. Returns their number.
 */
export function normaliseBright(img: usize, npx: i32, m: f32, t: f32, bright: usize): i32 {
  const ms = f32x4.splat(m);
  const ts = f32x4.splat(t);
  let nb = 0;
  let i = 0;
  for (; i + 4 <= npx; i += 4) {
    const q = img + ((<usize>i) << 2);
    const x = f32x4.div(v128.load(q), ms);
    v128.store(q, x);
    const ge = f32x4.ge(x, ts);
    if (v128.any_true(ge)) {
      // Branch-free appends: write at nb, advance by the lane's mask bit.
      store<i32>(bright + ((<usize>nb) << 2), i);
      nb += i32x4.extract_lane(ge, 0) & 1;
      store<i32>(bright + ((<usize>nb) << 2), i + 1);
      nb += i32x4.extract_lane(ge, 1) & 1;
      store<i32>(bright + ((<usize>nb) << 2), i + 2);
      nb += i32x4.extract_lane(ge, 2) & 1;
      store<i32>(bright + ((<usize>nb) << 2), i + 3);
      nb += i32x4.extract_lane(ge, 3) & 1;
    }
  }
  for (; i < npx; i++) {
    const q = img + ((<usize>i) << 2);
    const x = load<f32>(q) / m;
    store<f32>(q, x);
    if (x >= t) {
      store<i32>(bright + ((<usize>nb) << 2), i);
      nb++;
    }
  }
  return nb;
}

/** Level of a float32 x ∈ (0, 1] by its bit pattern: 127 − the biased exponent. */
function level(img: usize, i: i32): i32 {
  return 127 - <i32>((load<u32>(img + ((<usize>i) << 2)) >>> 23) & 0xff);
}

/**
 * Group the nb bright pixels (indices at `bright`, in index order; values in (0, 1], all of
 * a level < levels) by level k = 127 − biased exponent, keeping index order within a level:
 * `order` gets them level after level, levelStart (int32 × levels + 1) the levels' starts.
 * `fillAt` (int32 × 4·levels) is scratch: the list is cut into four quarters, each with its
 * own counts and cursors (quarter q of level k starts after quarters < q of level k), so the
 * four read-modify-write chains are independent and the result is the same as one pass.
 */
export function groupBright(
  img: usize,
  bright: usize,
  nb: i32,
  levels: i32,
  levelStart: usize,
  fillAt: usize,
  order: usize,
): void {
  const qn = (nb + 3) >> 2;
  const b0 = bright;
  const b1 = b0 + ((<usize>qn) << 2);
  const b2 = b1 + ((<usize>qn) << 2);
  const b3 = b2 + ((<usize>qn) << 2);
  // Quarter q holds [q·qn, min(nb, (q + 1)·qn)); the last is the shortest (n3 ≥ 0 elements).
  const n3 = max(0, nb - 3 * qn);
  // Counts per quarter: fillAt[q·levels + k].
  const c0 = fillAt;
  const c1 = c0 + ((<usize>levels) << 2);
  const c2 = c1 + ((<usize>levels) << 2);
  const c3 = c2 + ((<usize>levels) << 2);
  memory.fill(fillAt, 0, (<usize>levels) << 4);
  let j = 0;
  for (; j < n3; j++) {
    const o = (<usize>j) << 2;
    const f0 = c0 + ((<usize>level(img, load<i32>(b0 + o))) << 2);
    store<i32>(f0, load<i32>(f0) + 1);
    const f1 = c1 + ((<usize>level(img, load<i32>(b1 + o))) << 2);
    store<i32>(f1, load<i32>(f1) + 1);
    const f2 = c2 + ((<usize>level(img, load<i32>(b2 + o))) << 2);
    store<i32>(f2, load<i32>(f2) + 1);
    const f3 = c3 + ((<usize>level(img, load<i32>(b3 + o))) << 2);
    store<i32>(f3, load<i32>(f3) + 1);
  }
  for (let q = 0; q < 3; q++) {
    const end = min(qn, nb - q * qn);
    for (let jj = n3; jj < end; jj++) {
      const i = load<i32>(b0 + ((<usize>(q * qn + jj)) << 2));
      const f = fillAt + ((<usize>(q * levels + level(img, i))) << 2);
      store<i32>(f, load<i32>(f) + 1);
    }
  }
  // levelStart and the cursors: level k's quarter q starts at levelStart[k] + Σ_{q' < q}.
  let at = 0;
  for (let k = 0; k < levels; k++) {
    store<i32>(levelStart + ((<usize>k) << 2), at);
    for (let q = 0; q < 4; q++) {
      const f = fillAt + ((<usize>(q * levels + k)) << 2);
      const c = load<i32>(f);
      store<i32>(f, at);
      at += c;
    }
  }
  store<i32>(levelStart + ((<usize>levels) << 2), at);
  for (j = 0; j < n3; j++) {
    const o = (<usize>j) << 2;
    const i0 = load<i32>(b0 + o);
    const f0 = c0 + ((<usize>level(img, i0)) << 2);
    const t0 = load<i32>(f0);
    store<i32>(order + ((<usize>t0) << 2), i0);
    store<i32>(f0, t0 + 1);
    const i1 = load<i32>(b1 + o);
    const f1 = c1 + ((<usize>level(img, i1)) << 2);
    const t1 = load<i32>(f1);
    store<i32>(order + ((<usize>t1) << 2), i1);
    store<i32>(f1, t1 + 1);
    const i2 = load<i32>(b2 + o);
    const f2 = c2 + ((<usize>level(img, i2)) << 2);
    const t2 = load<i32>(f2);
    store<i32>(order + ((<usize>t2) << 2), i2);
    store<i32>(f2, t2 + 1);
    const i3 = load<i32>(b3 + o);
    const f3 = c3 + ((<usize>level(img, i3)) << 2);
    const t3 = load<i32>(f3);
    store<i32>(order + ((<usize>t3) << 2), i3);
    store<i32>(f3, t3 + 1);
  }
  for (let q = 0; q < 3; q++) {
    const end = min(qn, nb - q * qn);
    for (let jj = n3; jj < end; jj++) {
      const i = load<i32>(b0 + ((<usize>(q * qn + jj)) << 2));
      const f = fillAt + ((<usize>(q * levels + level(img, i))) << 2);
      const t = load<i32>(f);
      store<i32>(order + ((<usize>t) << 2), i);
      store<i32>(f, t + 1);
    }
  }
}
