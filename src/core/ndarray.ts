/**
 * The array type every reader returns and every engine consumes: a flat typed array in
 * C (row-major) order with a shape and a dtype. Images are [y, x]; maps [y, x, channel].
 */
import type { DataTypeMap, DType } from './dtype.js';
import { allocate, componentsPerElement, halfToFloat } from './dtype.js';
import { ValidationError } from './errors.js';

export interface NDArray<D extends DType = DType> {
  readonly dtype: D;
  /** Dimensions, slowest-varying first (C order). `[]` is a scalar. */
  readonly shape: readonly number[];
  /** Element storage in C order; see `dtype.ts` for complex / colour / half layouts. */
  readonly data: DataTypeMap[D];
}

/** Largest element count bragg will allocate for one array (2^31 − 1 scalar slots). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Product of the dimensions; validates that each is a non-negative safe integer. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const [i, d] of shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ValidationError(`dimension ${i} must be a non-negative integer, got ${d}`, 'shape');
    }
    n *= d;
    if (!Number.isSafeInteger(n)) {
      throw new ValidationError(`shape [${shape.join(', ')}] has too many elements`, 'shape');
    }
  }
  return n;
}

/** C-order strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** Build an array, checking that `data` holds exactly the elements `shape` needs. */
export function ndarray<D extends DType>(
  dtype: D,
  shape: readonly number[],
  data?: DataTypeMap[D],
): NDArray<D> {
  const n = shapeSize(shape);
  if (data === undefined) {
    if (n * componentsPerElement(dtype) > MAX_ELEMENTS) {
      throw new ValidationError(`refusing to allocate ${n} elements of ${dtype}`, 'shape');
    }
    return { dtype, shape: [...shape], data: allocate(dtype, n) };
  }
  const want = n * componentsPerElement(dtype);
  if (data.length !== want) {
    throw new ValidationError(
      `data has ${data.length} slots but shape [${shape.join(', ')}] of ${dtype} needs ${want}`,
      'data',
    );
  }
  return { dtype, shape: [...shape], data };
}

export function size(a: NDArray): number {
  return shapeSize(a.shape);
}

/** Same data viewed with another shape of the same size. */
export function reshape<D extends DType>(a: NDArray<D>, shape: readonly number[]): NDArray<D> {
  const n = shapeSize(shape);
  if (n !== size(a)) {
    throw new ValidationError(
      `cannot reshape [${a.shape.join(', ')}] (${size(a)} elements) to [${shape.join(', ')}] (${n})`,
      'shape',
    );
  }
  return { dtype: a.dtype, shape: [...shape], data: a.data };
}

/** Real-valued copy as Float64Array (magnitude for complex, luminance-free error for colour). */
export function toFloat64(a: NDArray): Float64Array {
  return toFloat(a, Float64Array) as Float64Array;
}

/** Real-valued copy as Float32Array. */
export function toFloat32(a: NDArray): Float32Array {
  return toFloat(a, Float32Array) as Float32Array;
}

function toFloat(
  a: NDArray,
  Ctor: Float64ArrayConstructor | Float32ArrayConstructor,
): Float64Array | Float32Array {
  const n = size(a);
  const out = new Ctor(n);
  const d = a.data;
  switch (a.dtype) {
    case 'string':
    case 'rgb8':
    case 'rgba8':
      throw new ValidationError(`cannot convert ${a.dtype} to real numbers`, 'dtype');
    case 'float16': {
      const h = d as Uint16Array;
      for (let i = 0; i < n; i++) out[i] = halfToFloat(h[i]!);
      return out;
    }
    case 'complex64':
    case 'complex128': {
      const c = d as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) out[i] = Math.hypot(c[2 * i]!, c[2 * i + 1]!);
      return out;
    }
    case 'int64':
    case 'uint64': {
      const b = d as BigInt64Array | BigUint64Array;
      for (let i = 0; i < n; i++) out[i] = Number(b[i]!);
      return out;
    }
    default: {
      const t = d as Exclude<typeof d, string[] | BigInt64Array | BigUint64Array>;
      if (Ctor === Float64Array && t instanceof Float64Array) {
        out.set(t);
        return out;
      }
      for (let i = 0; i < n; i++) out[i] = t[i]!;
      return out;
    }
  }
}

/** Minimum and maximum of the finite values (NaN, ±Inf ignored); [NaN, NaN] if none. */
export function finiteRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}
