/**
 * Checking a `Selection` against a shape and cutting a C-order hyperslab out of an array.
 */
import type { Axis } from '../../core/axes.js';
import type { DataTypeMap, DType } from '../../core/dtype.js';
import { allocate, componentsPerElement } from '../../core/dtype.js';
import { ValidationError } from '../../core/errors.js';
import type { Selection } from '../types.js';

/** Per-dimension [start, stop) ranges of a selection, validated against `shape`. */
export function selectionRanges(
  shape: readonly number[],
  sel: Selection | undefined,
): [number, number][] {
  const ranges: [number, number][] = shape.map((n) => [0, n]);
  if (sel === undefined) return ranges;
  if (sel.frame !== undefined && sel.ranges !== undefined) {
    throw new ValidationError('give either frame or ranges, not both', 'selection');
  }
  if (sel.frame !== undefined) {
    const n = shape[0];
    if (n === undefined || shape.length < 2) {
      throw new ValidationError(`a ${shape.length}-D dataset has no frames to select`, 'frame');
    }
    if (!Number.isSafeInteger(sel.frame) || sel.frame < 0 || sel.frame >= n) {
      throw new ValidationError(
        `frame must be an integer in 0..${n - 1}, got ${sel.frame}`,
        'frame',
      );
    }
    ranges[0] = [sel.frame, sel.frame + 1];
    return ranges;
  }
  if (sel.ranges !== undefined) {
    if (sel.ranges.length > shape.length) {
      throw new ValidationError(
        `${sel.ranges.length} ranges for a ${shape.length}-D dataset`,
        'ranges',
      );
    }
    sel.ranges.forEach(([a, b], i) => {
      const n = shape[i]!;
      if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b < a || b > n) {
        throw new ValidationError(
          `range [${a}, ${b}) of dimension ${i} must lie in [0, ${n}]`,
          `ranges[${i}]`,
        );
      }
      ranges[i] = [a, b];
    });
  }
  return ranges;
}

/** Axes of a hyperslab: sizes shrink and offsets move to the first selected sample. */
export function sliceAxes(
  axes: readonly Axis[],
  ranges: readonly (readonly [number, number])[],
): Axis[] {
  return axes.map((ax, i) => {
    const [a, b] = ranges[i] ?? [0, ax.size];
    return { ...ax, size: b - a, offset: ax.offset + a * ax.scale };
  });
}

interface Sliceable {
  subarray(begin: number, end: number): Sliceable;
  set(src: Sliceable, offset: number): void;
}

/** First element (C order) a selection touches and one past the last: the span to read. */
export function selectionSpan(
  shape: readonly number[],
  ranges: readonly (readonly [number, number])[],
): [number, number] {
  let start = 0;
  let last = 0;
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const [a, b] = ranges[i]!;
    if (b <= a) return [0, 0];
    start += a * stride;
    last += (b - 1) * stride;
    stride *= shape[i]!;
  }
  return [start, last + 1];
}

/**
 * Copy the hyperslab `ranges` out of a C-order array of `shape`, of which `data` holds the
 * elements from flat index `base` on (see `selectionSpan`).
 */
export function hyperslab<D extends DType>(
  dtype: D,
  data: DataTypeMap[D],
  shape: readonly number[],
  ranges: readonly (readonly [number, number])[],
  base = 0,
): DataTypeMap[D] {
  const comps = componentsPerElement(dtype);
  const outShape = ranges.map(([a, b]) => b - a);
  const total = outShape.reduce((p, n) => p * n, 1);
  const out = allocate(dtype, total);
  if (total === 0) return out;
  const nd = shape.length;
  const strides = new Array<number>(nd).fill(comps);
  for (let i = nd - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  const [la, lb] = ranges[nd - 1]!;
  const run = (lb - la) * comps;
  const idx = ranges.slice(0, nd - 1).map(([a]) => a);
  const src = data as unknown as Sliceable;
  const dst = out as unknown as Sliceable;
  for (let o = 0; o < total * comps; o += run) {
    let s = (la - base) * comps;
    for (let d = 0; d < nd - 1; d++) s += idx[d]! * strides[d]!;
    dst.set(src.subarray(s, s + run), o);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < ranges[d]![1]) break;
      idx[d] = ranges[d]![0];
    }
  }
  return out;
}
