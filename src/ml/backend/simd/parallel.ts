/**
 * Runs a SIMD kernel over a range of independent work items: `exports[name](...args)` with
 * `args[at]` and `args[at + 1]` set to the begin and end of each block of `[0, total)`.
 *
 * Every kernel that can be split takes such a range over its outermost independent dimension
 * (output rows, output-filter tiles, …), and blocks write disjoint parts of the output, so the
 * blocks may run on any threads in any order.
 *
 * `work` estimates the whole call's cost in element operations (elements read and written for
 * memory-bound kernels; leave it out for compute-bound ones). Below the kernels'
 * `parallelMinWork` (from the backend's configuration; default PARALLEL_MIN_WORK) the call runs
 * on the calling thread: handing a block to a worker costs tens of microseconds, more than a
 * small kernel takes (measured: small2d's eight Adam updates took 2.6 ms split over 2 threads
 * and 0.5 ms on one). 0 splits every call, Infinity none; calls without a `work` estimate are
 * split unless it is Infinity.
 */
import type { SimdExports, SimdKernels } from './module.js';

export { PARALLEL_MIN_WORK } from '../config.js';

type KernelName = {
  [K in keyof SimdExports]: SimdExports[K] extends (...a: number[]) => void ? K : never;
}[keyof SimdExports];

export function parallelFor(
  simd: SimdKernels,
  name: KernelName,
  args: number[],
  at: number,
  total: number,
  work?: number,
): void {
  if (total <= 0) return;
  const fn = simd.exports[name] as (...a: number[]) => void;
  if (simd.pool !== undefined && total > 1 && (work ?? Number.MAX_VALUE) >= simd.parallelMinWork) {
    simd.pool.run(name, fn, args, at, total);
    return;
  }
  const call = [...args];
  call[at] = 0;
  call[at + 1] = total;
  fn(...call);
}
