import { f32at } from './common';

// Max-pooling gradient (NHWC, float32). For every output position and channel the first window
// element (row-major) equal to the forward output y receives dy; a window whose y is −∞ or NaN,
// or that holds no element equal to y, falls back to the strict-greater scan of tfjs's cpu
// backend (first maximum, NaNs skipped; a window of −∞ only gets nothing). Same rule as
// src/ml/backend/kernels/max-pool-grad.ts (the JS fallback).

/**
 * One channel, scalar: routes dy of output element `o` into dx (accumulating). `c` is the
 * channel count, `k` the channel.
 */
// @ts-ignore: decorator
@inline function routeScalar(
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  o: i32,
  k: i32,
  base: i32,
  w: i32,
  c: i32,
  h: i32,
  ih0: i32,
  iw0: i32,
  fh: i32,
  fw: i32,
  dh: i32,
  dw: i32,
): void {
  const m = load<f32>(f32at(y, o + k));
  const g = load<f32>(f32at(dy, o + k));
  let target = -1;
  if (m > -Infinity) {
    for (let i = 0; i < fh && target < 0; i += dh) {
      const ih = ih0 + i;
      if (ih < 0 || ih >= h) continue;
      for (let j = 0; j < fw; j += dw) {
        const iw = iw0 + j;
        if (iw < 0 || iw >= w) continue;
        const p = base + (ih * w + iw) * c + k;
        if (load<f32>(f32at(x, p)) == m) {
          target = p;
          break;
        }
      }
    }
  }
  if (target < 0) {
    let bv: f32 = -Infinity;
    for (let i = 0; i < fh; i += dh) {
      const ih = ih0 + i;
      if (ih < 0 || ih >= h) continue;
      for (let j = 0; j < fw; j += dw) {
        const iw = iw0 + j;
        if (iw < 0 || iw >= w) continue;
        const p = base + (ih * w + iw) * c + k;
        const v = load<f32>(f32at(x, p));
        if (v > bv) {
          bv = v;
          target = p;
        }
      }
    }
  }
  if (target >= 0) {
    const a = f32at(dx, target);
    store<f32>(a, load<f32>(a) + g);
  }
}

/** First i in [0, f) (step d) with 0 ≤ i0 + i. */
// @ts-ignore: decorator
@inline function firstInside(i0: i32, d: i32): i32 {
  return i0 >= 0 ? 0 : ((-i0 + d - 1) / d) * d;
}

/** End (exclusive) of the i in [0, f) with i0 + i < n. */
// @ts-ignore: decorator
@inline function endInside(i0: i32, f: i32, n: i32): i32 {
  return i0 + f <= n ? f : n - i0;
}

/**
 * dx for output rows g ∈ [g0, g1) of the flattened (batch · outHeight) grid. Window geometry:
 * effective sizes fh, fw (dilation included), strides sh, sw, dilations dh, dw, top/left padding
 * pt, pl. With `direct` (windows never overlap) every window element is stored (dy or 0), else
 * added to dx, which must then be zero where these windows reach.
 */
// @ts-ignore: decorator
@inline function routeRows(
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  pt: i32,
  pl: i32,
  g0: i32,
  g1: i32,
  direct: bool,
): void {
  const minusInf = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
  const c4 = c & ~3;
  for (let g = g0; g < g1; g++) {
    const b = g / oh;
    const r = g - b * oh;
    const base = b * h * w * c;
    const ih0 = r * sh - pt;
    const i0 = firstInside(ih0, dh);
    const i1 = endInside(ih0, fh, h);
    for (let q = 0; q < ow; q++) {
      const iw0 = q * sw - pl;
      const j0 = firstInside(iw0, dw);
      const j1 = endInside(iw0, fw, w);
      const o = (g * ow + q) * c;
      for (let k = 0; k < c4; k += 4) {
        const yv = v128.load(f32at(y, o + k));
        const gv = v128.load(f32at(dy, o + k));
        // Lanes already routed; lanes whose y is −∞ or NaN never match (they take the scan).
        const skip = v128.not(f32x4.gt(yv, minusInf));
        let found = skip;
        for (let i = i0; i < i1; i += dh) {
          const row = base + (ih0 + i) * w * c + k;
          for (let j = j0; j < j1; j += dw) {
            const p = row + (iw0 + j) * c;
            const a = f32at(dx, p);
            const hit = v128.andnot(f32x4.eq(v128.load(f32at(x, p)), yv), found);
            found = v128.or(found, hit);
            // dy or 0 added to +0 (or to dx): −0 becomes +0 as in cpu's sums.
            const add = v128.and(gv, hit);
            v128.store(a, f32x4.add(direct ? zero : v128.load(a), add));
          }
        }
        // Lanes to scan: y was −∞/NaN, or no element equalled y.
        const scan = i32x4.bitmask(v128.or(v128.not(found), skip));
        if (scan != 0) {
          for (let l = 0; l < 4; l++) {
            if ((scan >> l) & 1)
              routeScalar(x, y, dy, dx, o, k + l, base, w, c, h, ih0, iw0, fh, fw, dh, dw);
          }
        }
      }
      for (let k = c4; k < c; k++)
        routeScalar(x, y, dy, dx, o, k, base, w, c, h, ih0, iw0, fh, fw, dh, dw);
    }
  }
}

/**
 * Max-pooling gradient over output rows [g0, g1) of the (batch · oh) grid when windows do not
 * overlap vertically (sh ≥ fh): output row r owns input rows [r·sh − pt, (r+1)·sh − pt) (the
 * first row of an image from 0, the last to h); the kernel writes all of the rows its block owns
 * (zeroing them first unless the windows tile them), so blocks write disjoint parts of dx. x, dx: [n, h, w, c]; y, dy:
 * [n, oh, ow, c].
 */
export function maxPoolGradRows(
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  pt: i32,
  pl: i32,
  g0: i32,
  g1: i32,
): void {
  // Windows that tile the image exactly (2×2 stride 2 on even sizes, …) write every element of
  // their rows; otherwise zero the owned rows first. Tail channels are only added to.
  const direct = sw >= fw;
  const tiled =
    direct && sh == fh && sw == fw && dh == 1 && dw == 1 && (c & 3) == 0 &&
    oh * sh - pt >= h && ow * sw - pl >= w;
  if (!tiled) {
    const from = ownedStart(g0, h, w, c, oh, sh, pt);
    const to = ownedStart(g1, h, w, c, oh, sh, pt);
    if (to > from) memory.fill(f32at(dx, from), 0, (<usize>(to - from)) << 2);
  }
  if (direct) routeRows(x, y, dy, dx, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, g0, g1, true);
  else routeRows(x, y, dy, dx, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, g0, g1, false);
}

/** Element offset in dx of the first input row owned by output row g (g = n·oh: the end). */
// @ts-ignore: decorator
@inline function ownedStart(g: i32, h: i32, w: i32, c: i32, oh: i32, sh: i32, pt: i32): i32 {
  const b = g / oh;
  const r = g - b * oh;
  let row = r == 0 ? 0 : r * sh - pt;
  if (row < 0) row = 0;
  if (row > h) row = h;
  return (b * h + row) * w * c;
}

/**
 * Max-pooling gradient for images [b0, b1) with any geometry (overlapping windows included):
 * zeroes those images' dx and routes every window of them. Same layouts as maxPoolGradRows.
 */
export function maxPoolGradImages(
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  pt: i32,
  pl: i32,
  b0: i32,
  b1: i32,
): void {
  const img = h * w * c;
  if (b1 > b0) memory.fill(f32at(dx, b0 * img), 0, (<usize>((b1 - b0) * img)) << 2);
  const g0 = b0 * oh;
  const g1 = b1 * oh;
  routeRows(x, y, dy, dx, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, g0, g1, false);
}

/**
 * Max pooling (NHWC, float32) for output rows g ∈ [g0, g1) of the (batch · oh) grid, with tfjs
 * cpu's rule: the maximum of the window elements inside the image under strict greater-than
 * from −∞, so NaNs are skipped and a window of NaN or −∞ only gives −∞. x [n, h, w, c] →
 * y [n, oh, ow, c]; geometry as in maxPoolGradRows.
 */
export function maxPoolRows(
  x: usize,
  y: usize,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  pt: i32,
  pl: i32,
  g0: i32,
  g1: i32,
): void {
  const minusInf = f32x4.splat(-Infinity);
  const c4 = c & ~3;
  for (let g = g0; g < g1; g++) {
    const b = g / oh;
    const r = g - b * oh;
    const base = b * h * w * c;
    const ih0 = r * sh - pt;
    const i0 = firstInside(ih0, dh);
    const i1 = endInside(ih0, fh, h);
    for (let q = 0; q < ow; q++) {
      const iw0 = q * sw - pl;
      const j0 = firstInside(iw0, dw);
      const j1 = endInside(iw0, fw, w);
      const o = (g * ow + q) * c;
      let k = 0;
      for (; k + 8 <= c4; k += 8) {
        let m0 = minusInf;
        let m1 = minusInf;
        for (let i = i0; i < i1; i += dh) {
          const row = base + (ih0 + i) * w * c + k;
          for (let j = j0; j < j1; j += dw) {
            const a = f32at(x, row + (iw0 + j) * c);
            const v0 = v128.load(a);
            const v1 = v128.load(a, 16);
            m0 = v128.bitselect(v0, m0, f32x4.gt(v0, m0));
            m1 = v128.bitselect(v1, m1, f32x4.gt(v1, m1));
          }
        }
        v128.store(f32at(y, o + k), m0);
        v128.store(f32at(y, o + k), m1, 16);
      }
      for (; k < c4; k += 4) {
        let m = minusInf;
        for (let i = i0; i < i1; i += dh) {
          const row = base + (ih0 + i) * w * c + k;
          for (let j = j0; j < j1; j += dw) {
            const v = v128.load(f32at(x, row + (iw0 + j) * c));
            m = v128.bitselect(v, m, f32x4.gt(v, m));
          }
        }
        v128.store(f32at(y, o + k), m);
      }
      for (; k < c; k++) {
        let m: f32 = -Infinity;
        for (let i = i0; i < i1; i += dh) {
          const row = base + (ih0 + i) * w * c + k;
          for (let j = j0; j < j1; j += dw) {
            const v = load<f32>(f32at(x, row + (iw0 + j) * c));
            if (v > m) m = v;
          }
        }
        store<f32>(f32at(y, o + k), m);
      }
    }
  }
}
