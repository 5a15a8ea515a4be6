/**
 * HDF5 datatypes → bragg dtypes, and raw little-endian element bytes → NDArray.
 *
 * Mapping (documented for users in `describeType`):
 * - integer 1/2/4/8 bytes → int8…int64 / uint8…uint64; bitfield → unsigned of the same size;
 * - float 2/4/8 bytes → float16 / float32 / float64;
 * - string (fixed or variable length) → `string`;
 * - enum → its integer base type (enum members in metadata); h5py's boolean enum
 *   {FALSE: 0, TRUE: 1} → `bool`;
 * - compound {r, i} or {real, imag} of float32/float64 → complex64 / complex128 (h5py's layout);
 * - compound {R, G, B[, A]} of uint8 → rgb8 / rgba8;
 * - any other compound whose fields all share one numeric type (e.g. RGBA uint16) → that
 *   type with one extra trailing axis `field`, the field names in metadata `fields`;
 * - array type of a numeric base → the base type with the array dimensions appended;
 * - everything else (vlen sequences, references, opaque, mixed compounds) → UnsupportedError.
 */
import type { DType, TypedData } from '../../core/dtype.js';
import { UnsupportedError } from '../../core/errors.js';
import { ndarray, type NDArray } from '../../core/ndarray.js';
import type { H5Type } from './protocol.js';

export interface Decoding {
  dtype: DType;
  /** Extra trailing dimensions the element type adds (array types, field axis). */
  extraShape: number[];
  /** Compound field names when a field axis was added. */
  fields?: string[];
  /** How to turn bytes into the typed array. */
  mode: 'plain' | 'complex' | 'colour' | 'fields' | 'string';
  /** Element size of one scalar component in bytes. */
  componentSize: number;
}

function scalarDType(t: H5Type): DType | undefined {
  if (t.type === 0 || t.type === 4) {
    const signed = t.type === 0 && t.signed;
    switch (t.size) {
      case 1:
        return signed ? 'int8' : 'uint8';
      case 2:
        return signed ? 'int16' : 'uint16';
      case 4:
        return signed ? 'int32' : 'uint32';
      case 8:
        return signed ? 'int64' : 'uint64';
    }
    return undefined;
  }
  if (t.type === 1) {
    if (t.size === 2) return 'float16';
    if (t.size === 4) return 'float32';
    if (t.size === 8) return 'float64';
  }
  return undefined;
}

const CLASS_NAMES = [
  'integer',
  'float',
  'time',
  'string',
  'bitfield',
  'opaque',
  'compound',
  'reference',
  'enum',
  'vlen',
  'array',
];

/** Human description of an HDF5 type, e.g. `compound {R: uint16, G: uint16}`. */
export function describeType(t: H5Type): string {
  const base = scalarDType(t);
  if (base) return base;
  if (t.type === 3) return t.vlen ? 'variable-length string' : `string (${t.size} bytes)`;
  if (t.type === 6 && t.compound) {
    return `compound {${t.compound.map((m) => `${m.name}: ${describeType(m.type)}`).join(', ')}}`;
  }
  if (t.type === 8 && t.enumBase) return `enum of ${describeType(t.enumBase)}`;
  if (t.type === 10 && t.arrayBase) {
    return `array [${(t.arrayShape ?? []).join(', ')}] of ${describeType(t.arrayBase)}`;
  }
  return `${CLASS_NAMES[t.type] ?? `class ${t.type}`} (${t.size} bytes)`;
}

function isBoolEnum(t: H5Type): boolean {
  const m = t.enumMembers;
  return !!m && Object.keys(m).length === 2 && m.FALSE === 0 && m.TRUE === 1;
}

/** How bragg reads this HDF5 type; throws UnsupportedError naming the type if it cannot. */
export function decodingOf(t: H5Type, where: string): Decoding {
  const plain = scalarDType(t);
  if (plain) return { dtype: plain, extraShape: [], mode: 'plain', componentSize: t.size };
  if (t.type === 3) return { dtype: 'string', extraShape: [], mode: 'string', componentSize: 0 };
  if (t.type === 8 && t.enumBase) {
    const b = scalarDType(t.enumBase);
    if (b) {
      return {
        dtype: isBoolEnum(t) && t.size === 1 ? 'bool' : b,
        extraShape: [],
        mode: 'plain',
        componentSize: t.size,
      };
    }
  }
  if (t.type === 10 && t.arrayBase) {
    const inner = decodingOf(t.arrayBase, where);
    if (inner.mode === 'plain') {
      return { ...inner, extraShape: [...(t.arrayShape ?? []), ...inner.extraShape] };
    }
  }
  if (t.type === 6 && t.compound && t.compound.length > 0) {
    const members = t.compound;
    const names = members.map((m) => m.name);
    const first = members[0]!.type;
    const same = members.every(
      (m) => scalarDType(m.type) !== undefined && scalarDType(m.type) === scalarDType(first),
    );
    const packed = members.every((m, i) => m.offset === i * first.size);
    if (same && packed && members.length * first.size === t.size) {
      const d = scalarDType(first)!;
      const lower = names.map((n) => n.toLowerCase());
      if (
        (d === 'float32' || d === 'float64') &&
        members.length === 2 &&
        ((lower[0] === 'r' && lower[1] === 'i') || (lower[0] === 'real' && lower[1] === 'imag'))
      ) {
        const dtype = d === 'float32' ? 'complex64' : 'complex128';
        return { dtype, extraShape: [], mode: 'complex', componentSize: first.size };
      }
      const rgb = names.join('').toUpperCase();
      if (d === 'uint8' && (rgb === 'RGB' || rgb === 'RGBA')) {
        const dtype = rgb === 'RGB' ? 'rgb8' : 'rgba8';
        return { dtype, extraShape: [], mode: 'colour', componentSize: 1 };
      }
      return {
        dtype: d,
        extraShape: [members.length],
        fields: names,
        mode: 'fields',
        componentSize: first.size,
      };
    }
  }
  throw new UnsupportedError(
    `HDF5: ${where}: cannot read HDF5 type ${describeType(t)}; bragg reads numbers, strings, ` +
      `enums, complex and RGB(A) compounds, and compounds whose fields share one numeric type`,
  );
}

/** Typed-array view of little-endian bytes for a plain numeric dtype (copies when unaligned). */
function typedOf(dtype: DType, buf: ArrayBuffer): TypedData {
  switch (dtype) {
    case 'bool':
    case 'uint8':
    case 'rgb8':
    case 'rgba8':
      return new Uint8Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'uint16':
    case 'float16':
      return new Uint16Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'uint32':
      return new Uint32Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'uint64':
      return new BigUint64Array(buf);
    case 'float32':
    case 'complex64':
      return new Float32Array(buf);
    case 'float64':
    case 'complex128':
      return new Float64Array(buf);
    case 'string':
      throw new UnsupportedError('string data has no typed-array view');
  }
}

/** Build the NDArray for `bytes` read with dataspace `shape` (host must be little-endian). */
export function decodeBytes(dec: Decoding, shape: readonly number[], bytes: ArrayBuffer): NDArray {
  const full = [...shape, ...dec.extraShape];
  if (dec.mode === 'plain' && dec.dtype === 'bool') {
    const u = new Uint8Array(bytes);
    for (let i = 0; i < u.length; i++) u[i] = u[i] !== 0 ? 1 : 0;
    return ndarray('bool', full, u);
  }
  // plain, complex, colour and packed same-type fields are all the raw bytes re-typed
  return ndarray(dec.dtype, full, typedOf(dec.dtype, bytes));
}

/** NDArray of strings. */
export function decodeStrings(shape: readonly number[], strings: string[]): NDArray {
  return ndarray('string', shape, strings);
}

/** True when this host stores numbers little-endian (h5wasm hands back little-endian bytes). */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
