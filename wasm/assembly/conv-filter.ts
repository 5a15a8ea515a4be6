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
 * Work items: tiles of 4 taps × 8 output channels, t = tapGroup · (cols / 8) + colGroup; blocks
 * [t0, t1) write disjoint tiles of `dw`. Each tile keeps its 4 × 8 sums in 8 f32x4 registers
 * while it streams a cache block of pixels (`blockRows` dy rows × `blockCols` columns, rows =
 * b·oh + y) and then adds them to `dw`; the cache blocks are the outer loop, so their x and dy
 * stay in L1 while all tiles of the range pass over them.
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
  blockRows: i32,
  blockCols: i32,
  t0: i32,
  t1: i32,
): void {
  const groups = cols >> 3;
  const rows = n * oh;
  const step = <usize>xCol;
  const dyStep = (<usize>cols) << 2;
  const rowBytes = (<usize>cols) << 2;
  for (let rb = 0; rb < rows; rb += blockRows) {
    const re = min(rows, rb + blockRows);
    const b0 = rb / oh;
    const y0 = rb - b0 * oh;
    for (let c0 = 0; c0 < ow; c0 += blockCols) {
      const width = min(ow, c0 + blockCols) - c0;
      const first = rb == 0 && c0 == 0;
      let g = t0 / groups;
      let cg = t0 - g * groups;
      let o0 = load<i32>(offs + (<usize>g << 4));
      let o1 = load<i32>(offs + (<usize>g << 4), 4);
      let o2 = load<i32>(offs + (<usize>g << 4), 8);
      let o3 = load<i32>(offs + (<usize>g << 4), 12);
      for (let t = t0; t < t1; t++) {
        // Four consecutive channels of one (kh, kw): one pointer, immediate offsets.
        const packed = o1 == o0 + 4 && o2 == o0 + 8 && o3 == o0 + 12;
        const d1 = <usize>(o1 - o0);
        const d2 = <usize>(o2 - o0);
        const d3 = <usize>(o3 - o0);
        let a0 = f32x4.splat(0),
          a1 = f32x4.splat(0),
          a2 = f32x4.splat(0),
          a3 = f32x4.splat(0),
          a4 = f32x4.splat(0),
          a5 = f32x4.splat(0),
          a6 = f32x4.splat(0),
          a7 = f32x4.splat(0);
        let b = b0;
        let y = y0;
        for (let r = rb; r < re; r++) {
          let px =
            xp + <usize>b * <usize>xImage + <usize>y * <usize>xRow + <usize>c0 * step + <usize>o0;
          let pd = f32at(dy, (r * ow + c0) * cols + (cg << 3));
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
        const tap0 = g << 2;
        const po = f32at(dw, tap0 * cols + (cg << 3));
        storeRow(po, a0, a1, first);
        if (tap0 + 1 < taps) storeRow(po + rowBytes, a2, a3, first);
        if (tap0 + 2 < taps) storeRow(po + 2 * rowBytes, a4, a5, first);
        if (tap0 + 3 < taps) storeRow(po + 3 * rowBytes, a6, a7, first);
        if (++cg == groups && t + 1 < t1) {
          cg = 0;
          g++;
          o0 = load<i32>(offs + (<usize>g << 4));
          o1 = load<i32>(offs + (<usize>g << 4), 4);
          o2 = load<i32>(offs + (<usize>g << 4), 8);
          o3 = load<i32>(offs + (<usize>g << 4), 12);
        }
      }
    }
  }
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
