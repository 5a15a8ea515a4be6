/**
 * Element types of bragg arrays and their in-memory representation.
 *
 * - complex types are interleaved (re, im) in a float array of twice the length;
 * - `float16` keeps the raw IEEE half bits in a Uint16Array (convert with `toFloat32`);
 * - `rgb8` / `rgba8` are 3 / 4 interleaved bytes per element;
 * - `bool` is one byte per element (0 or 1);
 * - `string` is a JS string array (fixed-width unicode in NPY, variable in HDF5).
 */
export type DType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'complex64'
  | 'complex128'
  | 'rgb8'
  | 'rgba8'
  | 'string';

export interface DataTypeMap {
  bool: Uint8Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  float16: Uint16Array;
  float32: Float32Array;
  float64: Float64Array;
  complex64: Float32Array;
  complex128: Float64Array;
  rgb8: Uint8Array;
  rgba8: Uint8Array;
  string: string[];
}

export type TypedData = DataTypeMap[DType];

export const DTYPES: readonly DType[] = [
  'bool',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float16',
  'float32',
  'float64',
  'complex64',
  'complex128',
  'rgb8',
  'rgba8',
  'string',
];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** Bytes per element (0 for `string`, whose width depends on the file). */
export function itemSize(dtype: DType): number {
  switch (dtype) {
    case 'bool':
    case 'int8':
    case 'uint8':
      return 1;
    case 'int16':
    case 'uint16':
    case 'float16':
      return 2;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 4;
    case 'int64':
    case 'uint64':
    case 'float64':
    case 'complex64':
      return 8;
    case 'complex128':
      return 16;
    case 'rgb8':
      return 3;
    case 'rgba8':
      return 4;
    case 'string':
      return 0;
  }
}

/** Number of scalar slots per element in the typed array (2 for complex, 3/4 for colour). */
export function componentsPerElement(dtype: DType): number {
  switch (dtype) {
    case 'complex64':
    case 'complex128':
      return 2;
    case 'rgb8':
      return 3;
    case 'rgba8':
      return 4;
    default:
      return 1;
  }
}

export function isComplex(dtype: DType): dtype is 'complex64' | 'complex128' {
  return dtype === 'complex64' || dtype === 'complex128';
}

/** Allocate zeroed storage for `n` elements of `dtype`. */
export function allocate<D extends DType>(dtype: D, n: number): DataTypeMap[D] {
  const c = componentsPerElement(dtype) * n;
  const out: TypedData = (() => {
    switch (dtype) {
      case 'bool':
      case 'uint8':
      case 'rgb8':
      case 'rgba8':
        return new Uint8Array(c);
      case 'int8':
        return new Int8Array(c);
      case 'int16':
        return new Int16Array(c);
      case 'uint16':
      case 'float16':
        return new Uint16Array(c);
      case 'int32':
        return new Int32Array(c);
      case 'uint32':
        return new Uint32Array(c);
      case 'int64':
        return new BigInt64Array(c);
      case 'uint64':
        return new BigUint64Array(c);
      case 'float32':
      case 'complex64':
        return new Float32Array(c);
      case 'float64':
      case 'complex128':
        return new Float64Array(c);
      case 'string':
        return new Array<string>(n).fill('');
    }
  })();
  return out as DataTypeMap[D];
}

/** IEEE 754 half-precision bits → number. */
export function halfToFloat(h: number): number {
  const s = (h & 0x8000) !== 0 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** number → IEEE 754 half-precision bits (round to nearest even). */
export function floatToHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -24 * 0.5) return sign;
  if (a < 2 ** -14) {
    // subnormal
    const m = Math.round(a / 2 ** -24);
    return sign | m;
  }
  let e = Math.floor(Math.log2(a));
  let m = a / 2 ** e - 1;
  let mi = Math.round(m * 1024);
  // round half to even
  const exact = m * 1024;
  if (Math.abs(exact - Math.trunc(exact) - 0.5) < 1e-12 && Math.trunc(exact) % 2 === 0) {
    mi = Math.trunc(exact);
  }
  if (mi === 1024) {
    mi = 0;
    e += 1;
  }
  m = mi;
  if (e + 15 >= 31) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}
