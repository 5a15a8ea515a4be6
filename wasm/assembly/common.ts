// Shared helpers of bragg's SIMD kernels (AssemblyScript; compiled by scripts/build-wasm.mjs).
//
// Every kernel works on memory it does not own: the module imports tfjs-backend-wasm's linear
// memory and receives byte offsets of tensors inside it. Kernels allocate nothing (no heap, no
// static data, no shadow stack); scratch space is passed in by the caller.

/** a·b + c; one fused multiply-add per lane with relaxed SIMD, mul + add without. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Byte offset of element `i` of a float32 array at byte offset `p`. */
// @ts-ignore: decorator
@inline export function f32at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
