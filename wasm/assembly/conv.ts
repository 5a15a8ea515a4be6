// Direct NHWC convolution (stride ≥ 1, dilation 1) as a register-tiled GEMM without im2col.
//
// The input is read from a zero-padded copy xp [n, hp, wp, ci] (convPadInput), the filter from
// panels of 8 output channels [panels][kh][kw][ci][8] (convPackFilter, or convPackFilterFlipped
// for the input gradient). For one output pixel and one filter row ky, the (kx, c) taps it reads
// are kw·ci consecutive floats of one input row, and so are the panel's weights: the inner loop
// is a dot product over t ∈ [0, kw·ci) for 4 output pixels × 8 output channels (8 accumulators).
import { madd } from './common';

/** Weights per panel group and input bytes per row chunk of conv2dForward (L2 is 512 KiB). */
const GROUP_BYTES: usize = 64 << 10;
const CHUNK_BYTES: usize = 192 << 10;

/** Zeroes `count` floats at byte offset p. */
// @ts-ignore: decorator
@inline function zeroFloats(p: usize, count: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(p + (<usize>i << 2), z);
  for (; i < count; i++) store<f32>(p + (<usize>i << 2), 0);
}

/** Copies `count` floats from src to dst (byte offsets, not overlapping). */
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
    v128.store(dst + o, v128.load(src + o, 16), 16);
    v128.store(dst + o, v128.load(src + o, 32), 32);
    v128.store(dst + o, v128.load(src + o, 48), 48);
  }
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/**
 * xp [n, hp, wp, c] ← x [n, h, w, c] placed at row `top`, column `left`, zeros elsewhere.
 * Range: padded rows [r0, r1) of [0, n·hp).
 */
export function convPadInput(
  x: usize,
  xp: usize,
  h: i32,
  w: i32,
  c: i32,
  hp: i32,
  wp: i32,
  top: i32,
  left: i32,
  r0: i32,
  r1: i32,
): void {
  const rowLen = wp * c;
  const lead = left * c;
  const len = w * c;
  for (let r = r0; r < r1; r++) {
    const b = r / hp;
    const y = r - b * hp - top;
    const dst = xp + ((<usize>r * <usize>rowLen) << 2);
    if (y < 0 || y >= h) {
      zeroFloats(dst, rowLen);
      continue;
    }
    zeroFloats(dst, lead);
    const src = x + ((<usize>(b * h + y) * <usize>len) << 2);
    copyFloats(dst + (<usize>lead << 2), src, len);
    zeroFloats(dst + (<usize>(lead + len) << 2), rowLen - lead - len);
  }
}

/**
 * Filter w [k, co] (k = kh·kw·ci, HWIO flattened) → panels out [⌈co/8⌉][k][8], output channels
 * past co zero. Range: panels [p0, p1).
 */
export function convPackFilter(w: usize, out: usize, k: i32, co: i32, p0: i32, p1: i32): void {
  for (let p = p0; p < p1; p++) {
    const c0 = p << 3;
    const n = min(8, co - c0);
    let dst = out + ((<usize>p * <usize>k) << 5);
    for (let t = 0; t < k; t++) {
      const src = w + ((<usize>t * <usize>co + <usize>c0) << 2);
      if (n == 8) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < 8; j++) {
          store<f32>(dst + (<usize>j << 2), j < n ? load<f32>(src + (<usize>j << 2)) : 0);
        }
      }
      dst += 32;
    }
  }
}

/**
 * Filter of the input gradient: w [kh, kw, ci, co] → panels over ci, out
 * [⌈ci/8⌉][kh][kw][co][8] = w[kh−1−y][kw−1−x][8p+j][c] (spatially flipped, in/out swapped),
 * channels past ci zero. Range: panels [p0, p1).
 */
export function convPackFilterFlipped(
  w: usize,
  out: usize,
  kh: i32,
  kw: i32,
  ci: i32,
  co: i32,
  p0: i32,
  p1: i32,
): void {
  const k = kh * kw * co;
  for (let p = p0; p < p1; p++) {
    const c0 = p << 3;
    const n = min(8, ci - c0);
    let dst = out + ((<usize>p * <usize>k) << 5);
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const tap = (kh - 1 - y) * kw + (kw - 1 - x);
        for (let c = 0; c < co; c++) {
          const src = w + ((<usize>(tap * ci + c0) * <usize>co + <usize>c) << 2);
          for (let j = 0; j < 8; j++) {
            store<f32>(dst + (<usize>j << 2), j < n ? load<f32>(src + (<usize>(j * co) << 2)) : 0);
          }
          dst += 32;
        }
      }
    }
  }
}

/** Stores the first n (0..4) lanes of v at p. */
// @ts-ignore: decorator
@inline export function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  if (n > 0) store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Stores 8 channels (lo, hi) of one pixel, only the first n of them when n < 8. */
// @ts-ignore: decorator
@inline function storePixel(p: usize, lo: v128, hi: v128, n: i32): void {
  if (n >= 8) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
  } else {
    storeLanes(p, lo, n);
    storeLanes(p + 16, hi, n - 4);
  }
}

/**
 * 4 output pixels × panels [pa, pb). `a` is the first input float of pixel 0's window (ky = kx = 0,
 * c = 0), `ps` the byte step between the pixels' windows, `row` the byte step between input
 * rows; `o` the first output float of pixel 0 (pixels co floats apart).
 */
// @ts-ignore: decorator
@inline export function block4(
  a: usize,
  ps: usize,
  row: usize,
  wk: usize,
  o: usize,
  kh: i32,
  kt: i32,
  co: i32,
  pa: i32,
  pb: i32,
): void {
  const ob = (<usize>co) << 2;
  const panelBytes = (<usize>(kh * kt)) << 5;
  const tBytes = (<usize>kt) << 2;
  for (let p = pa; p < pb; p++) {
    let w = wk + <usize>p * panelBytes;
    let c00 = f32x4.splat(0),
      c01 = f32x4.splat(0),
      c10 = f32x4.splat(0),
      c11 = f32x4.splat(0),
      c20 = f32x4.splat(0),
      c21 = f32x4.splat(0),
      c30 = f32x4.splat(0),
      c31 = f32x4.splat(0);
    for (let ky = 0; ky < kh; ky++) {
      let a0 = a + <usize>ky * row;
      let a1 = a0 + ps;
      let a2 = a1 + ps;
      let a3 = a2 + ps;
      const end = a0 + tBytes;
      while (a0 < end) {
        const b0 = v128.load(w);
        const b1 = v128.load(w, 16);
        let s = v128.load32_splat(a0);
        c00 = madd(s, b0, c00);
        c01 = madd(s, b1, c01);
        s = v128.load32_splat(a1);
        c10 = madd(s, b0, c10);
        c11 = madd(s, b1, c11);
        s = v128.load32_splat(a2);
        c20 = madd(s, b0, c20);
        c21 = madd(s, b1, c21);
        s = v128.load32_splat(a3);
        c30 = madd(s, b0, c30);
        c31 = madd(s, b1, c31);
        w += 32;
        a0 += 4;
        a1 += 4;
        a2 += 4;
        a3 += 4;
      }
    }
    const n = co - (p << 3);
    const q = o + (<usize>p << 5);
    storePixel(q, c00, c01, n);
    storePixel(q + ob, c10, c11, n);
    storePixel(q + 2 * ob, c20, c21, n);
    storePixel(q + 3 * ob, c30, c31, n);
  }
}

/** 1 output pixel × panels [pa, pb) (rows narrower than 4 pixels). */
// @ts-ignore: decorator
@inline export function block1(
  a: usize,
  row: usize,
  wk: usize,
  o: usize,
  kh: i32,
  kt: i32,
  co: i32,
  pa: i32,
  pb: i32,
): void {
  const panelBytes = (<usize>(kh * kt)) << 5;
  const tBytes = (<usize>kt) << 2;
  for (let p = pa; p < pb; p++) {
    let w = wk + <usize>p * panelBytes;
    let c0 = f32x4.splat(0),
      c1 = f32x4.splat(0);
    for (let ky = 0; ky < kh; ky++) {
      let a0 = a + <usize>ky * row;
      const end = a0 + tBytes;
      while (a0 < end) {
        const s = v128.load32_splat(a0);
        c0 = madd(s, v128.load(w), c0);
        c1 = madd(s, v128.load(w, 16), c1);
        w += 32;
        a0 += 4;
      }
    }
    storePixel(o + (<usize>p << 5), c0, c1, co - (p << 3));
  }
}

/**
 * y [n, oh, ow, co] = conv(xp, filter) with xp [n, hp, wp, ci] already padded (output pixel
 * (oy, ox) reads rows oy·sh .. oy·sh+kh−1 and columns ox·sw .. ox·sw+kw−1) and the filter packed
 * by convPackFilter. Range: output rows [r0, r1) of [0, n·oh). A row narrower than a multiple
 * of 4 ends with a block shifted left to overlap the previous one (same values rewritten by
 * the same call).
 */
export function conv2dForward(
  xp: usize,
  wk: usize,
  y: usize,
  hp: i32,
  wp: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  r0: i32,
  r1: i32,
): void {
  const kt = kw * ci;
  const panels = (co + 7) >> 3;
  const row = (<usize>wp * <usize>ci) << 2;
  const ps = (<usize>(sw * ci)) << 2;
  const ob = (<usize>co) << 2;
  // Cache blocking: groups of panels of about GROUP_BYTES of weights, chunks of output rows
  // whose input rows are about CHUNK_BYTES; every panel group runs over the whole chunk.
  const panelBytes = (<usize>(kh * kt)) << 5;
  // At least one group and a row of one byte: no division by zero without input channels
  // (the output is then zeros).
  const groups = max(1, <i32>((<usize>panels * panelBytes + GROUP_BYTES - 1) / GROUP_BYTES));
  const gp = (panels + groups - 1) / groups;
  const rowBytes = max<usize>(1, <usize>kh * row);
  const rc = <i32>max<usize>(1, CHUNK_BYTES / rowBytes);
  for (let c0 = r0; c0 < r1; c0 += rc) {
    const c1 = min(r1, c0 + rc);
    for (let pa = 0; pa < panels; pa += gp) {
      const pb = min(panels, pa + gp);
      for (let r = c0; r < c1; r++) {
        const b = r / oh;
        const oy = r - b * oh;
        const a = xp + <usize>(b * hp + oy * sh) * row;
        const o = y + <usize>r * <usize>ow * ob;
        if (ow >= 4) {
          for (let ox = 0; ox < ow; ox += 4) {
            const x0 = min(ox, ow - 4);
            block4(a + <usize>x0 * ps, ps, row, wk, o + <usize>x0 * ob, kh, kt, co, pa, pb);
          }
        } else {
          for (let ox = 0; ox < ow; ox++) {
            block1(a + <usize>ox * ps, row, wk, o + <usize>ox * ob, kh, kt, co, pa, pb);
          }
        }
      }
    }
  }
}
