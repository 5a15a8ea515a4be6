/**
 * Runs a SIMD kernel over a range of independent work items: `exports[name](...args)` with
 * `args[at]` and `args[at + 1]` set to the begin and end of each block of `[0, total)`.
 *
 * Every kernel that can be split takes such a range over its outermost independent dimension
 * (output rows, output-filter tiles, …), and blocks write disjoint parts of the output, so the
 * blocks may run on any threads in any order.
 */
import type { SimdExports, SimdKernels } from './module.js';

type KernelName = {
  [K in keyof SimdExports]: SimdExports[K] extends (...a: number[]) => void ? K : never;
}[keyof SimdExports];

export function parallelFor(
  simd: SimdKernels,
  name: KernelName,
  args: number[],
  at: number,
  total: number,
): void {
  if (total <= 0) return;
  const fn = simd.exports[name] as (...a: number[]) => void;
  if (simd.pool !== undefined && total > 1) {
    simd.pool.run(name, fn, args, at, total);
    return;
  }
  const call = [...args];
  call[at] = 0;
  call[at + 1] = total;
  fn(...call);
}
