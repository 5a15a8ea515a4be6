/**
 * Selecting part of an in-memory array: one frame of the first axis, or a hyperslab of
 * per-dimension [start, stop) ranges. Readers that cannot read a part of a file directly
 * read the whole array and select with these.
 */
import { allocate, componentsPerElement } from './dtype.js';
import type { DType, TypedData } from './dtype.js';
import { ValidationError } from './errors.js';
import type { NDArray } from './ndarray.js';
import { shapeSize, stridesOf } from './ndarray.js';

/** Frame `index` of the first axis; the result drops that axis. */
export function takeFrame<D extends DType>(
  a: NDArray<D>,
  index: number,
  field = 'frame',
): NDArray<D> {
  if (a.shape.length === 0) throw new ValidationError('a scalar has no frames', field);
  const n = a.shape[0]!;
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) {
    throw new ValidationError(
      `frame ${index} is out of range: the first axis has ${n} frames (0..${n - 1})`,
      field,
    );
  }
  const rest = a.shape.slice(1);
  const per = shapeSize(rest) * componentsPerElement(a.dtype);
  const data = a.data.slice(index * per, (index + 1) * per) as TypedData;
  return { dtype: a.dtype, shape: rest, data: data as NDArray<D>['data'] };
}

/** Hyperslab of per-dimension [start, stop) ranges (missing trailing ranges mean whole dims). */
export function sliceArray<D extends DType>(
  a: NDArray<D>,
  ranges: readonly (readonly [number, number])[],
  field = 'selection',
): NDArray<D> {
  if (ranges.length > a.shape.length) {
    throw new ValidationError(
      `${ranges.length} ranges for an array of ${a.shape.length} dimensions`,
      field,
    );
  }
  const lo: number[] = [];
  const outShape: number[] = [];
  for (const [i, n] of a.shape.entries()) {
    const r = ranges[i] ?? [0, n];
    const [s, e] = r;
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(e) || s < 0 || e > n || s > e) {
      throw new ValidationError(`range [${s}, ${e}) is outside dimension ${i} of size ${n}`, field);
    }
    lo.push(s);
    outShape.push(e - s);
  }
  const c = componentsPerElement(a.dtype);
  const total = shapeSize(outShape);
  const out = allocate(a.dtype, total);
  if (total === 0) return { dtype: a.dtype, shape: outShape, data: out };
  const inStrides = stridesOf(a.shape);
  const nd = outShape.length;
  // copy runs along the last dimension
  const run = nd === 0 ? 1 : outShape[nd - 1]!;
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  const src = a.data as unknown as {
    [i: number]: unknown;
    slice(s: number, e: number): ArrayLike<unknown>;
  };
  const dst = out as unknown as { [i: number]: unknown };
  let o = 0;
  for (;;) {
    let base = nd === 0 ? 0 : lo[nd - 1]!;
    for (let d = 0; d < nd - 1; d++) base += (lo[d]! + idx[d]!) * inStrides[d]!;
    for (let k = 0; k < run * c; k++) dst[o++] = src[base * c + k];
    let d = nd - 2;
    while (d >= 0) {
      idx[d]!++;
      if (idx[d]! < outShape[d]!) break;
      idx[d] = 0;
      d--;
    }
    if (d < 0) break;
  }
  return { dtype: a.dtype, shape: outShape, data: out };
}
