import { f32at } from './common';

/**
 * One Adam step over elements [e0, e1), coefficients β₁, β₂, a₁, a₂, c₁, c₂, ε, lr, decay as
 * nine float64 at `coef`, in float64 exactly as the JS loop of
 * src/ml/backend/kernels/fused-optimizers.ts (same operations in the same order, each rounded
 * to float64; stored values rounded to float32 once), so wasm and cpu stay bit-identical:
 *   m' = m·β₁ + g·a₁,  v' = v·β₂ + (g·g)·a₂,
 *   x' = x·decay − ((m'/c₁) / (√(v'/c₂) + ε))·lr.
 * No fused multiply-add here (it would change the rounding).
 */
export function adamUpdate(
  x: usize,
  m: usize,
  v: usize,
  g: usize,
  xo: usize,
  mo: usize,
  vo: usize,
  coef: usize,
  e0: i32,
  e1: i32,
): void {
  // Coefficients as float64 in memory (range-split calls pass their arguments as i32).
  const b1 = load<f64>(coef);
  const b2 = load<f64>(coef, 8);
  const a1 = load<f64>(coef, 16);
  const a2 = load<f64>(coef, 24);
  const c1 = load<f64>(coef, 32);
  const c2 = load<f64>(coef, 40);
  const eps = load<f64>(coef, 48);
  const lr = load<f64>(coef, 56);
  const decay = load<f64>(coef, 64);
  const vb1 = f64x2.splat(b1);
  const vb2 = f64x2.splat(b2);
  const va1 = f64x2.splat(a1);
  const va2 = f64x2.splat(a2);
  const vc1 = f64x2.splat(c1);
  const vc2 = f64x2.splat(c2);
  const veps = f64x2.splat(eps);
  const vlr = f64x2.splat(lr);
  const vdecay = f64x2.splat(decay);
  let e = e0;
  for (; e + 2 <= e1; e += 2) {
    // Two float32 lanes widened to float64.
    const gg = f64x2.promote_low_f32x4(v128.load64_zero(f32at(g, e)));
    const mm = f64x2.add(
      f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(f32at(m, e))), vb1),
      f64x2.mul(gg, va1),
    );
    const vv = f64x2.add(
      f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(f32at(v, e))), vb2),
      f64x2.mul(f64x2.mul(gg, gg), va2),
    );
    const step = f64x2.mul(
      f64x2.div(f64x2.div(mm, vc1), f64x2.add(f64x2.sqrt(f64x2.div(vv, vc2)), veps)),
      vlr,
    );
    const xx = f64x2.sub(
      f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(f32at(x, e))), vdecay),
      step,
    );
    v128.store64_lane(f32at(mo, e), f32x4.demote_f64x2_zero(mm), 0);
    v128.store64_lane(f32at(vo, e), f32x4.demote_f64x2_zero(vv), 0);
    v128.store64_lane(f32at(xo, e), f32x4.demote_f64x2_zero(xx), 0);
  }
  for (; e < e1; e++) {
    const gs = <f64>load<f32>(f32at(g, e));
    const ms = <f64>load<f32>(f32at(m, e)) * b1 + gs * a1;
    const vs = <f64>load<f32>(f32at(v, e)) * b2 + gs * gs * a2;
    store<f32>(f32at(mo, e), <f32>ms);
    store<f32>(f32at(vo, e), <f32>vs);
    store<f32>(
      f32at(xo, e),
      <f32>(<f64>load<f32>(f32at(x, e)) * decay - (ms / c1 / (Math.sqrt(vs / c2) + eps)) * lr),
    );
  }
}
