import { f32at } from './common';

/**
 * out[c] = Σ_r x[r, c] for x [rows, cols] (float32): the bias gradient of a layer whose
 * channels are the last axis. Rows [r0, r1) only, added to out when `accumulate` is set
 * (so threads can each reduce a block of rows into their own partial row).
 */
export function sumRows(
  x: usize,
  out: usize,
  rows: i32,
  cols: i32,
  r0: i32,
  r1: i32,
  accumulate: i32,
): void {
  let c = 0;
  // 16 columns at a time: four independent accumulators per row read.
  for (; c + 16 <= cols; c += 16) {
    let a0 = f32x4.splat(0),
      a1 = f32x4.splat(0),
      a2 = f32x4.splat(0),
      a3 = f32x4.splat(0);
    let p = f32at(x, r0 * cols + c);
    const step = (<usize>cols) << 2;
    for (let r = r0; r < r1; r++) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
      p += step;
    }
    const o = f32at(out, c);
    if (accumulate) {
      a0 = f32x4.add(a0, v128.load(o));
      a1 = f32x4.add(a1, v128.load(o, 16));
      a2 = f32x4.add(a2, v128.load(o, 32));
      a3 = f32x4.add(a3, v128.load(o, 48));
    }
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; c + 4 <= cols; c += 4) {
    let a = f32x4.splat(0);
    let p = f32at(x, r0 * cols + c);
    const step = (<usize>cols) << 2;
    for (let r = r0; r < r1; r++) {
      a = f32x4.add(a, v128.load(p));
      p += step;
    }
    const o = f32at(out, c);
    if (accumulate) a = f32x4.add(a, v128.load(o));
    v128.store(o, a);
  }
  for (; c < cols; c++) {
    let s: f32 = 0;
    for (let r = r0; r < r1; r++) s += load<f32>(f32at(x, r * cols + c));
    const o = f32at(out, c);
    store<f32>(o, accumulate ? s + load<f32>(o) : s);
  }
}
