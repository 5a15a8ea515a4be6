// Inference of a chain of 1D convolution stages in one call: each stage is a valid, stride-1
// Conv1D [k, ci, co] → max-pool (window = stride = pool, 1 for none) → + bias → ReLU or
// linear. A Dense layer is a stage too: after a Flatten its kernel spans the whole input
// (k = w, one output position), without one it is a k = 1 convolution.
//
// Every stage of a chunk of profiles runs before the next chunk starts, so the activations stay
// in the cache of the thread that made them: one parallel region per call instead of one per
// layer, and no full-batch intermediate is ever written.
//
// Stages run either directly (conv2dForward as written for the training kernels) or by the
// Winograd algorithm F(m, k): tiles of m outputs read α = m + k − 1 inputs; the input tile is
// transformed by Bᵀ (α × α), multiplied point by point (ξ < α) with the filter transformed by
// G (done by the host, in float64), and transformed back by Aᵀ (m × α). The α point-wise
// products over channels are α GEMMs [tiles, ci] × [ci, co], run by conv2dForward as 1 × 1
// convolutions. The m·k multiply-adds of m outputs become α; both transforms run 2 rows × 16
// channels per pass (`transform`), so each loaded input feeds 8 multiply-adds.
//
// Pool before bias and ReLU: bias is the same for every element of a window and ReLU is
// monotonic, so max(relu(a + b), relu(c + b)) = relu(max(a, c) + b) exactly in float32 as well
// (rounding is monotonic); the pool reads the raw convolution and the rest runs on 1/pool of it.
import { madd } from './common';
import { conv2dForward } from './conv';

/** i32 words of the program header and of one stage record (see src/ml/backend/net1d). */
const HEADER: i32 = 12;
const STAGE: i32 = 16;

/**
 * 2 rows of a transform × 16 channels: acc_r [0..3] = Σ_{i < len} coef[r·rowBytes + 4i] ·
 * src[i·step + 0..15] for r = 0, 1, stored at dst and dst + dstStep. Both transforms are
 * this: the input one over the tile's positions (coefficient rows of Bᵀ), the output one over
 * ξ (rows of Aᵀ, src stepping by a plane of M).
 */
// @ts-ignore: decorator
@inline function rows2x16(
  coef: usize,
  rowBytes: usize,
  src: usize,
  step: usize,
  len: i32,
  dst: usize,
  dstStep: usize,
): void {
  let a0 = f32x4.splat(0),
    a1 = f32x4.splat(0),
    a2 = f32x4.splat(0),
    a3 = f32x4.splat(0),
    b0 = f32x4.splat(0),
    b1 = f32x4.splat(0),
    b2 = f32x4.splat(0),
    b3 = f32x4.splat(0);
  let p = src;
  let k = coef;
  for (let i = 0; i < len; i++) {
    const s = v128.load32_splat(k);
    const t = v128.load32_splat(k + rowBytes);
    const x0 = v128.load(p);
    const x1 = v128.load(p, 16);
    const x2 = v128.load(p, 32);
    const x3 = v128.load(p, 48);
    a0 = madd(s, x0, a0);
    a1 = madd(s, x1, a1);
    a2 = madd(s, x2, a2);
    a3 = madd(s, x3, a3);
    b0 = madd(t, x0, b0);
    b1 = madd(t, x1, b1);
    b2 = madd(t, x2, b2);
    b3 = madd(t, x3, b3);
    p += step;
    k += 4;
  }
  v128.store(dst, a0);
  v128.store(dst, a1, 16);
  v128.store(dst, a2, 32);
  v128.store(dst, a3, 48);
  const d = dst + dstStep;
  v128.store(d, b0);
  v128.store(d, b1, 16);
  v128.store(d, b2, 32);
  v128.store(d, b3, 48);
}

/** 1 row × 4 channels of a transform (the tails of rows2x16). */
// @ts-ignore: decorator
@inline function row1x4(coef: usize, src: usize, step: usize, len: i32, dst: usize): void {
  let acc = f32x4.splat(0);
  let p = src;
  for (let i = 0; i < len; i++) {
    acc = madd(v128.load32_splat(coef + (<usize>i << 2)), v128.load(p), acc);
    p += step;
  }
  v128.store(dst, acc);
}

/**
 * rows × ch channels (ch a multiple of 4) of a transform: dst [r][c] (rows dstStep bytes
 * apart) = Σ_{i < len} coef[r][i] · src[i·step + c], coefficient rows rowBytes apart.
 */
function transform(
  coef: usize,
  rowBytes: usize,
  rows: i32,
  src: usize,
  step: usize,
  len: i32,
  ch: i32,
  dst: usize,
  dstStep: usize,
): void {
  let r = 0;
  for (; r + 2 <= rows; r += 2) {
    const k = coef + <usize>r * rowBytes;
    const d = dst + <usize>r * dstStep;
    let c = 0;
    for (; c + 16 <= ch; c += 16) {
      const o = <usize>c << 2;
      rows2x16(k, rowBytes, src + o, step, len, d + o, dstStep);
    }
    for (; c < ch; c += 4) {
      const o = <usize>c << 2;
      row1x4(k, src + o, step, len, d + o);
      row1x4(k + rowBytes, src + o, step, len, d + dstStep + o);
    }
  }
  if (r < rows) {
    const k = coef + <usize>r * rowBytes;
    const d = dst + <usize>r * dstStep;
    for (let c = 0; c < ch; c += 4) {
      const o = <usize>c << 2;
      row1x4(k, src + o, step, len, d + o);
    }
  }
}

/**
 * V [ξ][b·T + t][c] = Σ_i Bᵀ[ξ][i] x[b][t·m + i][c] for cn profiles of w positions × ci
 * channels (ci a multiple of 4); positions at or past w are zeros.
 */
function wgInput(
  x: usize,
  v: usize,
  cn: i32,
  w: i32,
  ci: i32,
  tiles: i32,
  m: i32,
  alpha: i32,
  bt: usize,
): void {
  const plane = (<usize>(cn * tiles) * <usize>ci) << 2;
  const profileBytes = (<usize>w * <usize>ci) << 2;
  const step = (<usize>ci) << 2;
  const rowBytes = (<usize>alpha) << 2;
  for (let b = 0; b < cn; b++) {
    const xb = x + <usize>b * profileBytes;
    for (let t = 0; t < tiles; t++) {
      const p0 = t * m;
      const valid = min(alpha, w - p0);
      const vrow = v + ((<usize>(b * tiles + t) * <usize>ci) << 2);
      transform(bt, rowBytes, alpha, xb + <usize>p0 * step, step, valid, ci, vrow, plane);
    }
  }
}

/**
 * y [b][t·m + i][o] = Σ_ξ Aᵀ[i][ξ] M[ξ][b·T + t][o] for the ow valid output positions
 * (co a multiple of 4).
 */
function wgOutput(
  mm: usize,
  y: usize,
  cn: i32,
  tiles: i32,
  m: i32,
  alpha: i32,
  co: i32,
  ow: i32,
  at: usize,
): void {
  const plane = (<usize>(cn * tiles) * <usize>co) << 2;
  const rowBytes = (<usize>alpha) << 2;
  const ob = (<usize>co) << 2;
  for (let b = 0; b < cn; b++) {
    for (let t = 0; t < tiles; t++) {
      const src = mm + ((<usize>(b * tiles + t) * <usize>co) << 2);
      const n = min(m, ow - t * m);
      const dst = y + <usize>(b * ow + t * m) * ob;
      transform(at, rowBytes, n, src, plane, alpha, co, dst, ob);
    }
  }
}

/**
 * z [b][j][o] = act(max_{q < pool} y[b][j·pool + q][o] + bias[o]), j < zw. ReLU as a max with
 * a floor of 0, linear with −∞ (no branch in the loops); 16 channels per pass, then 4, then 1.
 */
function poolBiasAct(
  y: usize,
  z: usize,
  cn: i32,
  ow: i32,
  co: i32,
  pool: i32,
  zw: i32,
  bias: usize,
  relu: i32,
): void {
  const rowBytes = (<usize>co) << 2;
  const floorS: f32 = relu ? 0 : -Infinity;
  const floor = f32x4.splat(floorS);
  for (let b = 0; b < cn; b++) {
    for (let j = 0; j < zw; j++) {
      const yrow = y + <usize>(b * ow + j * pool) * rowBytes;
      const zrow = z + <usize>(b * zw + j) * rowBytes;
      let c = 0;
      for (; c + 16 <= co; c += 16) {
        const o = (<usize>c) << 2;
        let p = yrow + o;
        let m0 = v128.load(p),
          m1 = v128.load(p, 16),
          m2 = v128.load(p, 32),
          m3 = v128.load(p, 48);
        for (let q = 1; q < pool; q++) {
          p += rowBytes;
          m0 = f32x4.max(m0, v128.load(p));
          m1 = f32x4.max(m1, v128.load(p, 16));
          m2 = f32x4.max(m2, v128.load(p, 32));
          m3 = f32x4.max(m3, v128.load(p, 48));
        }
        const bo = bias + o;
        const zo = zrow + o;
        v128.store(zo, f32x4.max(f32x4.add(m0, v128.load(bo)), floor));
        v128.store(zo, f32x4.max(f32x4.add(m1, v128.load(bo, 16)), floor), 16);
        v128.store(zo, f32x4.max(f32x4.add(m2, v128.load(bo, 32)), floor), 32);
        v128.store(zo, f32x4.max(f32x4.add(m3, v128.load(bo, 48)), floor), 48);
      }
      for (; c + 4 <= co; c += 4) {
        const o = (<usize>c) << 2;
        let mx = v128.load(yrow + o);
        for (let q = 1; q < pool; q++)
          mx = f32x4.max(mx, v128.load(yrow + <usize>q * rowBytes + o));
        v128.store(zrow + o, f32x4.max(f32x4.add(mx, v128.load(bias + o)), floor));
      }
      for (; c < co; c++) {
        const o = (<usize>c) << 2;
        let mx = load<f32>(yrow + o);
        for (let q = 1; q < pool; q++) mx = max(mx, load<f32>(yrow + <usize>q * rowBytes + o));
        store<f32>(zrow + o, max(mx + load<f32>(bias + o), floorS));
      }
    }
  }
}

/**
 * Runs the program at `prog` with its constants at `consts` on n profiles x [n, inFloats] →
 * out [n, outFloats]. The profiles are split into `items` contiguous parts (part i: profiles
 * ⌊n·i/items⌋ .. ⌊n·(i+1)/items⌋); this call runs parts [i0, i1), part i with the scratch
 * space at scratch + i · scratchBytes (so parts may run on any threads in any order).
 *
 * Header (i32): stages, chunk (profiles per pass), inFloats, outFloats, scratchBytes, and the
 * offsets of the buffers A, B (activations), V, M (transforms, convolution outputs) in a part's
 * scratch. Stage (i32): kind (0 direct, 1 Winograd), w, ci, k, co, ow, m, α, tiles, pool,
 * relu, filter, bias, Bᵀ, Aᵀ (byte offsets from `consts`), zw (width after the pool).
 */
export function net1dForward(
  prog: usize,
  consts: usize,
  x: usize,
  out: usize,
  scratch: usize,
  n: i32,
  items: i32,
  i0: i32,
  i1: i32,
): void {
  const stages = load<i32>(prog);
  const chunk = load<i32>(prog, 4);
  const inFloats = load<i32>(prog, 8);
  const outFloats = load<i32>(prog, 12);
  const scratchBytes = <usize>load<i32>(prog, 16);
  const offA = <usize>load<i32>(prog, 20);
  const offB = <usize>load<i32>(prog, 24);
  const offV = <usize>load<i32>(prog, 28);
  const offM = <usize>load<i32>(prog, 32);
  for (let item = i0; item < i1; item++) {
    const s0 = scratch + <usize>item * scratchBytes;
    const first = <i32>((<i64>n * <i64>item) / <i64>items);
    const last = <i32>((<i64>n * <i64>(item + 1)) / <i64>items);
    for (let b = first; b < last; b += chunk) {
      const cn = min(chunk, last - b);
      let src = x + ((<usize>b * <usize>inFloats) << 2);
      for (let s = 0; s < stages; s++) {
        const st = prog + ((<usize>(HEADER + s * STAGE)) << 2);
        const kind = load<i32>(st);
        const w = load<i32>(st, 4);
        const ci = load<i32>(st, 8);
        const k = load<i32>(st, 12);
        const co = load<i32>(st, 16);
        const ow = load<i32>(st, 20);
        const m = load<i32>(st, 24);
        const alpha = load<i32>(st, 28);
        const tiles = load<i32>(st, 32);
        const pool = load<i32>(st, 36);
        const relu = load<i32>(st, 40);
        const filter = consts + <usize>load<u32>(st, 44);
        const bias = consts + <usize>load<u32>(st, 48);
        const bt = consts + <usize>load<u32>(st, 52);
        const at = consts + <usize>load<u32>(st, 56);
        const zw = load<i32>(st, 60);
        const dst =
          s == stages - 1
            ? out + ((<usize>b * <usize>outFloats) << 2)
            : s0 + ((s & 1) == 0 ? offA : offB);
        if (kind == 0) {
          const y = s0 + offM;
          if (ow == 1) {
            // the kernel spans the input: one GEMM [cn, w·ci] × [w·ci, co]
            conv2dForward(src, filter, y, 1, cn, w * ci, 1, cn, co, 1, 1, 1, 1, 0, 1);
          } else {
            conv2dForward(src, filter, y, 1, w, ci, 1, ow, co, 1, k, 1, 1, 0, cn);
          }
          poolBiasAct(y, dst, cn, ow, co, pool, zw, bias, relu);
        } else {
          const v = s0 + offV;
          const mm = s0 + offM;
          wgInput(src, v, cn, w, ci, tiles, m, alpha, bt);
          const rows = cn * tiles;
          const vPlane = (<usize>rows * <usize>ci) << 2;
          const mPlane = (<usize>rows * <usize>co) << 2;
          const uPlane = (<usize>((co + 7) >> 3) * <usize>ci) << 5;
          for (let xi = 0; xi < alpha; xi++) {
            conv2dForward(
              v + <usize>xi * vPlane,
              filter + <usize>xi * uPlane,
              mm + <usize>xi * mPlane,
              1,
              rows,
              ci,
              1,
              rows,
              co,
              1,
              1,
              1,
              1,
              0,
              1,
            );
          }
          // V is free again: the output transform writes there
          wgOutput(mm, v, cn, tiles, m, alpha, co, ow, at);
          poolBiasAct(v, dst, cn, ow, co, pool, zw, bias, relu);
        }
        src = dst;
      }
    }
  }
}
