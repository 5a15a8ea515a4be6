import { f32at, madd } from './common';

/**
 * Filter gradient of a convolution over a zero-padded NHWC input (float32):
 *
 *   dw[t, c] = Σ_{b,y,x} xp[b, y·sh + kh·dh, x·sw + kw·dw, ci] · dy[b, y, x, c],
 *   t = (kh·fw + kw)·ci + ci  (the row of the [fh, fw, ci, co] filter as [taps, co]).
 *
 * `xp` is padded so that every tap of every output pixel lies inside it (the caller copies x
 * into a zero-bordered scratch buffer unless no padding is needed); `offs` holds, per tap, the
 * byte offset of its x value from the pixel's origin (i32, a multiple of 4 taps long, the
 * missing taps repeating the last one). `dy` has `cols` floats per pixel and `dw` `cols` floats
 * per tap, with `cols` a multiple of 8 (the caller pads co).
 *
 * Register tile: 4 taps × 8 output channels, 8 f32x4 sums. Work items: panels of `panelTaps`
 * tap groups × `panelCols` column groups, numbered panel row-major; blocks [p0, p1) write
 * disjoint panels of `dw`. A panel streams the pixels in cache blocks (`blockRows` dy rows ×
 * `blockCols` columns; rows = b·oh + y) and runs all its tiles over each block, whose x and dy
 * stay in L1, before it moves on.
 *
 * Geometry (bytes): `xImage` per padded image, `xRow` per dy row (sh padded rows), `xCol` per
 * dy pixel (sw pixels).
 */
export function convFilterGrad(
  xp: usize,
  dy: usize,
  dw: usize,
  offs: usize,
  taps: i32,
  cols: i32,
  n: i32,
  oh: i32,
  ow: i32,
  xImage: i32,
  xRow: i32,
  xCol: i32,
  dyPixel: i32,
  dyPanel: i32,
  blockRows: i32,
  blockCols: i32,
  panelTaps: i32,
  panelCols: i32,
  p0: i32,
  p1: i32,
): void {
  const tapGroups = (taps + 3) >> 2;
  const groups = cols >> 3;
  const panelsAcross = (groups + panelCols - 1) / panelCols;
  const rows = n * oh;
  for (let p = p0; p < p1; p++) {
    const pr = p / panelsAcross;
    const gA = pr * panelTaps;
    const gB = min(tapGroups, gA + panelTaps);
    const pc = p - pr * panelsAcross;
    const cA = pc * panelCols;
    const dyp = dy + <usize>pc * <usize>dyPanel;
    const cB = min(groups, cA + panelCols);
    for (let rb = 0; rb < rows; rb += blockRows) {
      const re = min(rows, rb + blockRows);
      for (let c0 = 0; c0 < ow; c0 += blockCols) {
        const width = min(ow, c0 + blockCols) - c0;
        const first = rb == 0 && c0 == 0;
        for (let g = gA; g < gB; g++) {
          const tap0 = g << 2;
          const nt = min(4, taps - tap0);
          const o = offs + (<usize>tap0 << 2);
          for (let cg = cA; cg < cB; cg++) {
            const po = f32at(dw, tap0 * cols + (cg << 3));
            const pd = dyp + ((<usize>(cg - cA)) << 5);
            tile(xp, pd, po, o, nt, (<usize>cols) << 2, dyPixel, oh, ow, xImage, xRow, xCol, rb, re, c0, width, first);
          }
        }
      }
    }
  }
}

/** One 4-tap × 8-channel tile over dy rows [rb, re), columns [c0, c0 + width). */
// @ts-ignore: decorator
@inline function tile(
  xp: usize,
  dy: usize,
  po: usize,
  o: usize,
  nt: i32,
  rowBytes: usize,
  dyPixel: i32,
  oh: i32,
  ow: i32,
  xImage: i32,
  xRow: i32,
  xCol: i32,
  rb: i32,
  re: i32,
  c0: i32,
  width: i32,
  first: bool,
): void {
  const o0 = load<i32>(o);
  const o1 = load<i32>(o, 4);
  const o2 = load<i32>(o, 8);
  const o3 = load<i32>(o, 12);
  // Four consecutive channels of one (kh, kw): one pointer, immediate offsets.
  const packed = o1 == o0 + 4 && o2 == o0 + 8 && o3 == o0 + 12;
  const d1 = <usize>(o1 - o0);
  const d2 = <usize>(o2 - o0);
  const d3 = <usize>(o3 - o0);
  const step = <usize>xCol;
  const dyStep = <usize>dyPixel;
  let a0 = f32x4.splat(0),
    a1 = f32x4.splat(0),
    a2 = f32x4.splat(0),
    a3 = f32x4.splat(0),
    a4 = f32x4.splat(0),
    a5 = f32x4.splat(0),
    a6 = f32x4.splat(0),
    a7 = f32x4.splat(0);
  let b = rb / oh;
  let y = rb - b * oh;
  for (let r = rb; r < re; r++) {
    let px = xp + <usize>b * <usize>xImage + <usize>y * <usize>xRow + <usize>c0 * step + <usize>o0;
    let pd = dy + <usize>(r * ow + c0) * dyStep;
    const end = pd + <usize>width * dyStep;
    if (packed) {
      while (pd < end) {
        const g0 = v128.load(pd);
        const g1 = v128.load(pd, 16);
        const s0 = v128.load32_splat(px);
        const s1 = v128.load32_splat(px, 4);
        const s2 = v128.load32_splat(px, 8);
        const s3 = v128.load32_splat(px, 12);
        a0 = madd(s0, g0, a0);
        a1 = madd(s0, g1, a1);
        a2 = madd(s1, g0, a2);
        a3 = madd(s1, g1, a3);
        a4 = madd(s2, g0, a4);
        a5 = madd(s2, g1, a5);
        a6 = madd(s3, g0, a6);
        a7 = madd(s3, g1, a7);
        px += step;
        pd += dyStep;
      }
    } else {
      while (pd < end) {
        const g0 = v128.load(pd);
        const g1 = v128.load(pd, 16);
        const s0 = v128.load32_splat(px);
        const s1 = v128.load32_splat(px + d1);
        const s2 = v128.load32_splat(px + d2);
        const s3 = v128.load32_splat(px + d3);
        a0 = madd(s0, g0, a0);
        a1 = madd(s0, g1, a1);
        a2 = madd(s1, g0, a2);
        a3 = madd(s1, g1, a3);
        a4 = madd(s2, g0, a4);
        a5 = madd(s2, g1, a5);
        a6 = madd(s3, g0, a6);
        a7 = madd(s3, g1, a7);
        px += step;
        pd += dyStep;
      }
    }
    if (++y == oh) {
      y = 0;
      b++;
    }
  }
  storeRow(po, a0, a1, first);
  if (nt > 1) storeRow(po + rowBytes, a2, a3, first);
  if (nt > 2) storeRow(po + 2 * rowBytes, a4, a5, first);
  if (nt > 3) storeRow(po + 3 * rowBytes, a6, a7, first);
}

// @ts-ignore: decorator
@inline function storeRow(p: usize, lo: v128, hi: v128, first: bool): void {
  if (!first) {
    lo = f32x4.add(lo, v128.load(p));
    hi = f32x4.add(hi, v128.load(p, 16));
  }
  v128.store(p, lo);
  v128.store(p, hi, 16);
}

/**
 * Lays out rows of `cols` floats as panels of `width` floats (a multiple of 4): dst[p][r][j] =
 * src[r][p·width + j], zero past `cols`. Rows [r0, r1). The filter gradient streams a panel's
 * dy (or a 1×1 convolution's x) contiguously instead of a slice of every long row, whose
 * power-of-two strides would map to a few cache sets.
 */
export function packPanels(
  src: usize,
  dst: usize,
  rows: i32,
  cols: i32,
  width: i32,
  r0: i32,
  r1: i32,
): void {
  const panels = (cols + width - 1) / width;
  const panelBytes = <usize>rows * <usize>width * 4;
  // Row by row (each source row read once, in order), its panels written to `panels` streams.
  for (let r = r0; r < r1; r++) {
    const s = f32at(src, r * cols);
    const d = dst + <usize>r * <usize>width * 4;
    for (let p = 0; p < panels; p++) {
      const c0 = p * width;
      const rest = min(width, cols - c0);
      const full = rest & ~3;
      const sp = s + (<usize>c0 << 2);
      const dp = d + <usize>p * panelBytes;
      let j = 0;
      for (; j < full; j += 4) v128.store(dp + (<usize>j << 2), v128.load(sp + (<usize>j << 2)));
      for (; j < rest; j++) store<f32>(dp + (<usize>j << 2), load<f32>(sp + (<usize>j << 2)));
      for (; j < width; j++) store<f32>(dp + (<usize>j << 2), 0);
    }
  }
}
