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

/**
 * dx for output rows g ∈ [g0, g1) of the flattened (batch · outHeight) grid, accumulated into dx
 * (which must be zero where these windows reach). Window geometry: effective sizes fh, fw
 * (dilation included), strides sh, sw, dilations dh, dw, top/left padding pt, pl.
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
): void {
  const minusInf = f32x4.splat(-Infinity);
  const c4 = c & ~3;
  for (let g = g0; g < g1; g++) {
    const b = g / oh;
    const r = g - b * oh;
    const base = b * h * w * c;
    const ih0 = r * sh - pt;
    for (let q = 0; q < ow; q++) {
      const iw0 = q * sw - pl;
      const o = (g * ow + q) * c;
      for (let k = 0; k < c4; k += 4) {
        const yv = v128.load(f32at(y, o + k));
        const gv = v128.load(f32at(dy, o + k));
        // Lanes already routed; lanes whose y is −∞ or NaN never match (they take the scan).
        let found = v128.not(f32x4.gt(yv, minusInf));
        const skip = found;
        for (let i = 0; i < fh; i += dh) {
          const ih = ih0 + i;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < fw; j += dw) {
            const iw = iw0 + j;
            if (iw < 0 || iw >= w) continue;
            const a = f32at(dx, base + (ih * w + iw) * c + k);
            const xv = v128.load(f32at(x, base + (ih * w + iw) * c + k));
            const hit = v128.andnot(f32x4.eq(xv, yv), found);
            found = v128.or(found, hit);
            v128.store(a, f32x4.add(v128.load(a), v128.and(gv, hit)));
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
 * first row of an image from 0, the last to h); the kernel zeroes the rows its block owns and
 * routes into them, so blocks write disjoint parts of dx. x, dx: [n, h, w, c]; y, dy:
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
  const from = ownedStart(g0, h, w, c, oh, sh, pt);
  const to = ownedStart(g1, h, w, c, oh, sh, pt);
  if (to > from) memory.fill(f32at(dx, from), 0, (<usize>(to - from)) << 2);
  routeRows(x, y, dy, dx, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, g0, g1);
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
  routeRows(x, y, dy, dx, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, b0 * oh, b1 * oh);
}
