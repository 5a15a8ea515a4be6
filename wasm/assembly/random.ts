import { f32at } from './common';

/**
 * tfjs's dropout multiplier floor(u + keep) / keep for n elements, u drawn from the alea
 * generator (Baagøe) that tfjs's seeded randomUniform uses, continuing from the state
 * (c, s0, s1, s2) that seedrandom's `alea(seed, { state: true }).state()` reports: the same
 * float64 recurrence, u rounded to float32 as tfjs stores it, then float32 add, floor and
 * divide as tfjs's Add, Floor and RealDiv kernels do. Values equal tfjs's bit for bit.
 *
 * The generator is sequential, so this kernel takes no range (it is cheap: one pass of writes).
 */
export function dropoutMultiplier(
  out: usize,
  n: i32,
  c: f64,
  s0: f64,
  s1: f64,
  s2: f64,
  keep: f32,
): void {
  for (let i = 0; i < n; i++) {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10; // 2^-32
    s0 = s1;
    s1 = s2;
    c = <f64>(<i32>t); // t ∈ [0, 2091640): truncation is JS's `t | 0`
    s2 = t - c;
    const u = <f32>s2;
    store<f32>(f32at(out, i), Mathf.floor(u + keep) / keep);
  }
}
