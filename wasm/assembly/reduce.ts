import { f32at } from './common';

/**
 * out[c] = Σ_r x[r, c] for x [rows, cols] (float32): the bias gradient of a layer whose
 * channels are the last axis. Range: column quads [q0, q1), i.e. columns [4·q0, min(4·q1, cols)),
 * so blocks write disjoint parts of out.
 */
export function sumRows(x: usize, out: usize, rows: i32, cols: i32, q0: i32, q1: i32): void {
  let c = q0 << 2;
  const cEnd = min(q1 << 2, cols);
  const step = (<usize>cols) << 2;
  // 16 columns at a time: four independent accumulators per row read.
  for (; c + 16 <= cEnd; c += 16) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let p = f32at(x, c);
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
      p += step;
    }
    const o = f32at(out, c);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; c + 4 <= cEnd; c += 4) {
    let a = f32x4.splat(0);
    let p = f32at(x, c);
    for (let r = 0; r < rows; r++) {
      a = f32x4.add(a, v128.load(p));
      p += step;
    }
    v128.store(f32at(out, c), a);
  }
  for (; c < cEnd; c++) {
    let s: f32 = 0;
    let p = f32at(x, c);
    for (let r = 0; r < rows; r++) {
      s += load<f32>(p);
      p += step;
    }
    store<f32>(f32at(out, c), s);
  }
}
