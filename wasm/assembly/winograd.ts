// Winograd F(2×2, 3×3) convolution, stride 1, dilation 1, NHWC (Lavin & Gray, "Fast Algorithms
// for Convolutional Neural Networks", CVPR 2016, section 4.1): each 2×2 block of outputs is
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
// over the 4×4 input tile d that covers it (tiles step 2 pixels), summed over input channels,
// with
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1].
// 16 multiply-adds per 4 outputs and input channel instead of 36 (2.25× fewer). The sum over
// channels of the element-wise products is, for each of the 16 positions ξ of the 4×4 tile, a
// GEMM M[ξ] = V[ξ] · U[ξ] ([tiles, ci] × [ci, co]), run by conv.ts's block4 register tile
// (4 tiles × 8 output channels, 8 f32x4 accumulators) as a 1 × 1 convolution.
//
// Layouts (ci4 = ci rounded up to 4, co8 = co rounded up to 8, P = co8 / 8 panels):
//   U [16][P][ci4][8]  (winogradFilter; rows past ci and channels past co zero)
//   V [16][tc][ci4]    (a chunk of tc tiles; channels past ci zero)
//   M [16][tc][co8]
// winogradConv runs the input transform, the 16 GEMMs and the output transform one chunk of
// tiles at a time, so that chunk's V and M are still in L2 when the next pass reads them.
import { madd } from './common';
import { block1, block4, storeLanes } from './conv';

/** Weights per panel group of one GEMM (as conv2dForward). */
const GROUP_BYTES: usize = 64 << 10;

/** f32x4 of the n (1..4) floats at p, `step` bytes apart, zeros in the other lanes. */
// @ts-ignore: decorator
@inline function gather(p: usize, step: usize, n: i32): v128 {
  if (n >= 4 && step == 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p + step));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * step));
  if (n > 3) v = f32x4.replace_lane(v, 3, load<f32>(p + 3 * step));
  return v;
}

/**
 * The 4×4 transform G g Gᵀ of a 3×3 filter g (taps g0..g8 row-major, 4 lanes of output
 * channels each), stored as 16 f32x4 `step` bytes apart (position ξ = 4i + j).
 */
// @ts-ignore: decorator
@inline function filterTile(
  g0: v128,
  g1: v128,
  g2: v128,
  g3: v128,
  g4: v128,
  g5: v128,
  g6: v128,
  g7: v128,
  g8: v128,
  dst: usize,
  step: usize,
): void {
  const h = f32x4.splat(0.5);
  // t = G g (4 × 3): rows g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2 of g's columns.
  const s0 = f32x4.add(g0, g6);
  const s1 = f32x4.add(g1, g7);
  const s2 = f32x4.add(g2, g8);
  const t10 = f32x4.mul(h, f32x4.add(s0, g3));
  const t11 = f32x4.mul(h, f32x4.add(s1, g4));
  const t12 = f32x4.mul(h, f32x4.add(s2, g5));
  const t20 = f32x4.mul(h, f32x4.sub(s0, g3));
  const t21 = f32x4.mul(h, f32x4.sub(s1, g4));
  const t22 = f32x4.mul(h, f32x4.sub(s2, g5));
  // u = t Gᵀ: per row [a, ½(a + b + c), ½(a − b + c), c] of t's row [a, b, c].
  filterRow(g0, g1, g2, dst, step);
  filterRow(t10, t11, t12, dst + 4 * step, step);
  filterRow(t20, t21, t22, dst + 8 * step, step);
  filterRow(g6, g7, g8, dst + 12 * step, step);
}

// @ts-ignore: decorator
@inline function filterRow(a: v128, b: v128, c: v128, dst: usize, step: usize): void {
  const h = f32x4.splat(0.5);
  const ac = f32x4.add(a, c);
  v128.store(dst, a);
  v128.store(dst + step, f32x4.mul(h, f32x4.add(ac, b)));
  v128.store(dst + 2 * step, f32x4.mul(h, f32x4.sub(ac, b)));
  v128.store(dst + 3 * step, c);
}

/**
 * U [16][P][ci4][8] ← G g Gᵀ of the 3×3 filter of each (input channel a, output channel b).
 * `flipped` 0: w [3, 3, fi, fo] as is (ci = fi, co = fo); 1: the input-gradient filter,
 * spatially flipped with in/out swapped (ci = fo, co = fi: g[y][x][a][b] = w[2−y][2−x][b][a]).
 * Range: panels [p0, p1) of P.
 */
export function winogradFilter(
  w: usize,
  u: usize,
  fi: i32,
  fo: i32,
  flipped: i32,
  p0: i32,
  p1: i32,
): void {
  const ci = flipped ? fo : fi;
  const co = flipped ? fi : fo;
  const ci4 = (ci + 3) & ~3;
  const panels = (co + 7) >> 3;
  const tapBytes = (<usize>fi * <usize>fo) << 2;
  // byte steps along a (input channel) and b (output channel) in w
  const sa: usize = flipped ? 4 : (<usize>fo) << 2;
  const sb: usize = flipped ? (<usize>fo) << 2 : 4;
  const step = (<usize>panels * <usize>ci4) << 5; // bytes between positions ξ of U
  for (let p = p0; p < p1; p++) {
    for (let a = 0; a < ci4; a++) {
      const dst = u + ((<usize>p * <usize>ci4 + <usize>a) << 5);
      for (let half = 0; half < 2; half++) {
        const b0 = (p << 3) + (half << 2);
        const n = a < ci ? min(4, co - b0) : 0;
        const d = dst + (<usize>half << 4);
        if (n <= 0) {
          const z = f32x4.splat(0);
          for (let x = 0; x < 16; x++) v128.store(d + <usize>x * step, z);
          continue;
        }
        // tap t of (a, b0) in w: forward tap t, flipped tap 8 − t
        const base = w + <usize>a * sa + <usize>b0 * sb;
        const tb: usize = tapBytes;
        if (flipped) {
          filterTile(
            gather(base + 8 * tb, sb, n),
            gather(base + 7 * tb, sb, n),
            gather(base + 6 * tb, sb, n),
            gather(base + 5 * tb, sb, n),
            gather(base + 4 * tb, sb, n),
            gather(base + 3 * tb, sb, n),
            gather(base + 2 * tb, sb, n),
            gather(base + tb, sb, n),
            gather(base, sb, n),
            d,
            step,
          );
        } else {
          filterTile(
            gather(base, sb, n),
            gather(base + tb, sb, n),
            gather(base + 2 * tb, sb, n),
            gather(base + 3 * tb, sb, n),
            gather(base + 4 * tb, sb, n),
            gather(base + 5 * tb, sb, n),
            gather(base + 6 * tb, sb, n),
            gather(base + 7 * tb, sb, n),
            gather(base + 8 * tb, sb, n),
            d,
            step,
          );
        }
      }
    }
  }
}

/** Row transform d·B of one row [a, b, c, d] → [a − c, b + c, c − b, b − d], 4 lanes. */
// @ts-ignore: decorator
@inline function inputRow(p: usize, px: usize, n: i32, dst: usize, step: usize): void {
  const a = gather(p, 4, n);
  const b = gather(p + px, 4, n);
  const c = gather(p + 2 * px, 4, n);
  const d = gather(p + 3 * px, 4, n);
  v128.store(dst, f32x4.sub(a, c));
  v128.store(dst + step, f32x4.add(b, c));
  v128.store(dst + 2 * step, f32x4.sub(c, b));
  v128.store(dst + 3 * step, f32x4.sub(b, d));
}

/**
 * V[ξ][t][c..c+3] = (Bᵀ d B)[ξ] of the tile whose first input float (row 0, column 0,
 * channel c) is at p; pixels px bytes apart, rows `row` bytes apart; n channels valid (the
 * others read as zero). `step` is the byte step between positions ξ of V.
 */
// @ts-ignore: decorator
@inline function inputTile(
  p: usize,
  px: usize,
  row: usize,
  n: i32,
  dst: usize,
  step: usize,
): void {
  // d·B for each of the 4 rows, into V's rows ξ = 4i + j (L1), then Bᵀ· over the rows in place.
  inputRow(p, px, n, dst, step);
  inputRow(p + row, px, n, dst + 4 * step, step);
  inputRow(p + 2 * row, px, n, dst + 8 * step, step);
  inputRow(p + 3 * row, px, n, dst + 12 * step, step);
  for (let j = 0; j < 4; j++) {
    const q = dst + <usize>j * step;
    const r0 = v128.load(q);
    const r1 = v128.load(q + 4 * step);
    const r2 = v128.load(q + 8 * step);
    const r3 = v128.load(q + 12 * step);
    v128.store(q, f32x4.sub(r0, r2));
    v128.store(q + 4 * step, f32x4.add(r1, r2));
    v128.store(q + 8 * step, f32x4.sub(r2, r1));
    v128.store(q + 12 * step, f32x4.sub(r1, r3));
  }
}

/**
 * y[2×2 block] = Aᵀ m A of one tile's 16 positions (at src, `step` bytes apart), 4 channels,
 * the first n of them stored; rows / columns of the block past the output (odd edges) skipped.
 * o: output float of the block's top-left pixel, px / row: byte steps of y.
 */
// @ts-ignore: decorator
@inline function outputTile(
  src: usize,
  step: usize,
  o: usize,
  px: usize,
  row: usize,
  n: i32,
  two: bool,
  down: bool,
): void {
  // Aᵀ over the rows: s0 = m0 + m1 + m2, s1 = m1 − m2 − m3 (per column j)
  let s00 = f32x4.splat(0),
    s01 = f32x4.splat(0),
    s02 = f32x4.splat(0),
    s03 = f32x4.splat(0),
    s10 = f32x4.splat(0),
    s11 = f32x4.splat(0),
    s12 = f32x4.splat(0),
    s13 = f32x4.splat(0);
  {
    const m0 = v128.load(src);
    const m1 = v128.load(src + 4 * step);
    const m2 = v128.load(src + 8 * step);
    const m3 = v128.load(src + 12 * step);
    const d = f32x4.sub(m1, m2);
    s00 = f32x4.add(f32x4.add(m0, m1), m2);
    s10 = f32x4.sub(d, m3);
  }
  {
    const q = src + step;
    const m0 = v128.load(q);
    const m1 = v128.load(q + 4 * step);
    const m2 = v128.load(q + 8 * step);
    const m3 = v128.load(q + 12 * step);
    const d = f32x4.sub(m1, m2);
    s01 = f32x4.add(f32x4.add(m0, m1), m2);
    s11 = f32x4.sub(d, m3);
  }
  {
    const q = src + 2 * step;
    const m0 = v128.load(q);
    const m1 = v128.load(q + 4 * step);
    const m2 = v128.load(q + 8 * step);
    const m3 = v128.load(q + 12 * step);
    const d = f32x4.sub(m1, m2);
    s02 = f32x4.add(f32x4.add(m0, m1), m2);
    s12 = f32x4.sub(d, m3);
  }
  {
    const q = src + 3 * step;
    const m0 = v128.load(q);
    const m1 = v128.load(q + 4 * step);
    const m2 = v128.load(q + 8 * step);
    const m3 = v128.load(q + 12 * step);
    const d = f32x4.sub(m1, m2);
    s03 = f32x4.add(f32x4.add(m0, m1), m2);
    s13 = f32x4.sub(d, m3);
  }
  // · A over the columns: y0 = s0 + s1 + s2, y1 = s1 − s2 − s3
  const e0 = f32x4.sub(s01, s02);
  storeLanes(o, f32x4.add(f32x4.add(s00, s01), s02), n);
  if (two) storeLanes(o + px, f32x4.sub(e0, s03), n);
  if (down) {
    const e1 = f32x4.sub(s11, s12);
    storeLanes(o + row, f32x4.add(f32x4.add(s10, s11), s12), n);
    if (two) storeLanes(o + row + px, f32x4.sub(e1, s13), n);
  }
}

/**
 * y [n, oh, ow, co] = the 3×3 stride-1 convolution of xp [n, hp, wp, ci] (already padded,
 * hp ≥ 2·⌈oh/2⌉ + 2, wp ≥ 2·⌈ow/2⌉ + 2 so every tile reads inside xp) with the filter
 * transformed by winogradFilter. Tiles (b, ty, tx) of 2×2 outputs, T = n·⌈oh/2⌉·⌈ow/2⌉ of
 * them, are split into `parts` contiguous parts; part k uses the scratch at
 * scratch + k · 64·tc·(ci4 + co8) bytes (V then M of a chunk of tc tiles). Range: parts
 * [k0, k1) of [0, parts).
 */
export function winogradConv(
  xp: usize,
  u: usize,
  y: usize,
  scratch: usize,
  hp: i32,
  wp: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  co: i32,
  n: i32,
  tc: i32,
  parts: i32,
  k0: i32,
  k1: i32,
): void {
  const ci4 = (ci + 3) & ~3;
  const co8 = (co + 7) & ~7;
  const panels = co8 >> 3;
  const th = (oh + 1) >> 1;
  const tw = (ow + 1) >> 1;
  const perImage = th * tw;
  const total = n * perImage;
  const vStep = (<usize>tc * <usize>ci4) << 2; // bytes between positions ξ of V
  const mStep = (<usize>tc * <usize>co8) << 2;
  const uStep = (<usize>panels * <usize>ci4) << 5;
  const xPx = (<usize>ci) << 2;
  const xRow = <usize>wp * xPx;
  const yPx = (<usize>co) << 2;
  const yRow = <usize>ow * yPx;
  const panelBytes = (<usize>ci4) << 5;
  const groups = max(1, <i32>((<usize>panels * panelBytes + GROUP_BYTES - 1) / GROUP_BYTES));
  const gp = (panels + groups - 1) / groups;
  for (let k = k0; k < k1; k++) {
    const v = scratch + <usize>k * 16 * (vStep + mStep);
    const m = v + 16 * vStep;
    const t0 = <i32>((<i64>total * k) / parts);
    const t1 = <i32>((<i64>total * (k + 1)) / parts);
    for (let c0 = t0; c0 < t1; c0 += tc) {
      const cnt = min(tc, t1 - c0);
      // input transform of the chunk's tiles
      for (let t = 0; t < cnt; t++) {
        const g = c0 + t;
        const b = g / perImage;
        const r = g - b * perImage;
        const ty = r / tw;
        const tx = r - ty * tw;
        const p = xp + <usize>(b * hp + 2 * ty) * xRow + <usize>(2 * tx) * xPx;
        const dst = v + ((<usize>t * <usize>ci4) << 2);
        for (let c = 0; c < ci4; c += 4) {
          inputTile(p + (<usize>c << 2), xPx, xRow, ci - c, dst + (<usize>c << 2), vStep);
        }
      }
      // 16 GEMMs M[ξ] = V[ξ] · U[ξ], panel groups of U[ξ] over all the chunk's tiles
      for (let x = 0; x < 16; x++) {
        const vx = v + <usize>x * vStep;
        const mx = m + <usize>x * mStep;
        const ux = u + <usize>x * uStep;
        for (let pa = 0; pa < panels; pa += gp) {
          const pb = min(panels, pa + gp);
          if (cnt >= 4) {
            for (let t = 0; t < cnt; t += 4) {
              const s = min(t, cnt - 4);
              const a = vx + ((<usize>s * <usize>ci4) << 2);
              const o = mx + ((<usize>s * <usize>co8) << 2);
              block4(a, (<usize>ci4) << 2, 0, ux, o, 1, ci4, co8, pa, pb);
            }
          } else {
            for (let t = 0; t < cnt; t++) {
              const a = vx + ((<usize>t * <usize>ci4) << 2);
              const o = mx + ((<usize>t * <usize>co8) << 2);
              block1(a, 0, ux, o, 1, ci4, co8, pa, pb);
            }
          }
        }
      }
      // output transform into y
      for (let t = 0; t < cnt; t++) {
        const g = c0 + t;
        const b = g / perImage;
        const r = g - b * perImage;
        const ty = r / tw;
        const tx = r - ty * tw;
        const oy = 2 * ty;
        const ox = 2 * tx;
        const o = y + <usize>(b * oh + oy) * yRow + <usize>ox * yPx;
        const src = m + ((<usize>t * <usize>co8) << 2);
        const two = ox + 1 < ow;
        const down = oy + 1 < oh;
        for (let c = 0; c < co; c += 4) {
          outputTile(src + (<usize>c << 2), mStep, o + (<usize>c << 2), yPx, yRow, co - c, two, down);
        }
      }
    }
  }
}
