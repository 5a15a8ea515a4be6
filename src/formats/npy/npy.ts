/**
 * NumPy `.npy` read and write.
 *
 * Reading: header versions 1.0/2.0/3.0; bool, int/uint 8–64, float16/32/64, complex64/128,
 * `U<n>` (UCS-4) and `S<n>` (bytes, decoded as latin-1) strings, datetime64/timedelta64 (as
 * int64 counts, unit in the info); little- and big-endian (converted to native order);
 * Fortran-order files are transposed to C order, so the result has the header's shape in C
 * order. Structured dtypes whose fields share one numeric type are read as that type with a
 * trailing channel axis (see `uniformFieldType`); other structured and object (pickled) arrays
 * are refused with a FormatError. Trailing bytes after the data are ignored, as numpy does.
 *
 * Writing: little-endian, C order, numpy's exact header layout (version 1.0 unless the header
 * needs 2.0/3.0); `rgb8`/`rgba8` become uint8 with a trailing channel axis of 3/4.
 */
import { readAll, withSource } from '../../core/source.js';
import type { SourceInput } from '../../core/source.js';
import { componentsPerElement } from '../../core/dtype.js';
import type { DType, TypedData } from '../../core/dtype.js';
import { FormatError, ValidationError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import { ndarray, shapeSize } from '../../core/ndarray.js';
import type { SimpleType } from './descr.js';
import { hostLittleEndian, typestrFor, uniformFieldType } from './descr.js';
import type { NpyHeader, NpyVersion } from './header.js';
import { formatNpyHeader, parseNpyHeader } from './header.js';

export interface NpyInfo {
  header: NpyHeader;
  /** Field names, when a structured dtype was read as a trailing channel axis. */
  fields?: string[];
  /** datetime64/timedelta64 unit, when the data are time counts. */
  timeUnit?: string;
}

export interface DecodedNpy {
  array: NDArray;
  info: NpyInfo;
}

/** Element type and shape of the array a header describes, as bragg will return it. */
export function resultLayout(
  h: NpyHeader,
  file?: string,
  path?: string,
): { type: SimpleType; shape: number[]; fields?: string[] } {
  if (h.type.kind === 'simple') return { type: h.type, shape: h.shape };
  const t = uniformFieldType(h.type, { file, path, offset: 0 });
  return {
    type: t,
    shape: [...h.shape, h.type.fields.length],
    fields: h.type.fields.map((f) => f.name),
  };
}

/** Decode an NPY file held in memory. */
export function decodeNpy(bytes: Uint8Array, file?: string, path?: string): DecodedNpy {
  const header = parseNpyHeader(bytes, file, path);
  const avail = bytes.length - header.dataOffset;
  if (avail < header.dataBytes) {
    throw new FormatError('NPY', 'truncated array data', {
      file,
      path,
      offset: header.dataOffset,
      expected: `${header.dataBytes} bytes for shape (${header.shape.join(', ')}) of ${header.type.descr}`,
      found: `${Math.max(0, avail)} bytes`,
    });
  }
  const { type, shape, fields } = resultLayout(header, file, path);
  let raw = bytes.subarray(header.dataOffset, header.dataOffset + header.dataBytes);
  if (header.fortranOrder && header.shape.length > 1) {
    raw = fortranToC(raw, header.shape, header.type.itemSize);
  }
  const data = decodeElements(raw, type, shapeSize(shape), file, path, header.dataOffset);
  const array = ndarray(type.dtype, shape, data);
  const info: NpyInfo = { header };
  if (fields) info.fields = fields;
  if (type.timeUnit !== undefined) info.timeUnit = type.timeUnit;
  return { array, info };
}

/** Read an `.npy` (path, bytes, stream or source; see src/core/source.ts) into an array in C order. */
export async function readNpy(src: Uint8Array | SourceInput): Promise<NDArray> {
  if (src instanceof Uint8Array) return decodeNpy(src).array;
  return withSource(src, (s) => decodeNpy(readAll(s, 'NPY'), s.name).array);
}

/** Bytes of a Fortran-ordered array of `shape` rearranged into C order. */
export function fortranToC(
  raw: Uint8Array,
  shape: readonly number[],
  itemSize: number,
): Uint8Array {
  return permute(raw, shape, itemSize, 'f2c');
}

/** Bytes of a C-ordered array of `shape` rearranged into Fortran order. */
export function cToFortran(
  raw: Uint8Array,
  shape: readonly number[],
  itemSize: number,
): Uint8Array {
  return permute(raw, shape, itemSize, 'c2f');
}

function permute(
  raw: Uint8Array,
  shape: readonly number[],
  k: number,
  dir: 'f2c' | 'c2f',
): Uint8Array {
  const out = new Uint8Array(raw.length);
  const nd = shape.length;
  const n = k > 0 ? raw.length / k : 0;
  if (n === 0) return out;
  // move whole words: 4-byte words when the item size allows, else 2- or 1-byte ones
  // (`new Uint8Array(raw)` copies; `.slice()` would not on a Node Buffer)
  const w = k % 4 === 0 ? 4 : k % 2 === 0 ? 2 : 1;
  const src =
    w === 4
      ? new Uint32Array(new Uint8Array(raw).buffer)
      : w === 2
        ? new Uint16Array(new Uint8Array(raw).buffer)
        : raw;
  const dst = w === 4 ? new Uint32Array(out.buffer) : w === 2 ? new Uint16Array(out.buffer) : out;
  const kw = k / w;
  const fStrides: number[] = [];
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStrides.push(s);
    s *= shape[d]!;
  }
  const idx = new Array<number>(nd).fill(0);
  let fOff = 0; // Fortran element offset of the C-order element `c`
  for (let c = 0; c < n; c++) {
    const from = dir === 'f2c' ? fOff * kw : c * kw;
    const to = dir === 'f2c' ? c * kw : fOff * kw;
    for (let b = 0; b < kw; b++) dst[to + b] = src[from + b]!;
    // advance the C-order odometer (last axis fastest)
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      fOff += fStrides[d]!;
      if (idx[d]! < shape[d]!) break;
      fOff -= fStrides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Decode `count` elements of `t` from exactly `count × itemSize` bytes. */
export function decodeElements(
  raw: Uint8Array,
  t: SimpleType,
  count: number,
  file?: string,
  path?: string,
  base = 0,
): TypedData {
  if (t.dtype === 'string') return decodeStrings(raw, t, count, file, path, base);
  const comps = componentsPerElement(t.dtype);
  const out = allocateLike(t.dtype, count * comps);
  const bytesOut = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  bytesOut.set(raw);
  const scalar = t.itemSize / comps;
  if (scalar > 1 && t.littleEndian !== hostLittleEndian) swapInPlace(bytesOut, scalar);
  if (t.dtype === 'bool') {
    const b = out as Uint8Array;
    for (let i = 0; i < b.length; i++) b[i] = b[i] === 0 ? 0 : 1;
  }
  return out;
}

type NumericData = Exclude<TypedData, string[]>;

function allocateLike(dtype: Exclude<DType, 'string'>, n: number): NumericData {
  switch (dtype) {
    case 'bool':
    case 'uint8':
    case 'rgb8':
    case 'rgba8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
    case 'float16':
      return new Uint16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint64':
      return new BigUint64Array(n);
    case 'float32':
    case 'complex64':
      return new Float32Array(n);
    case 'float64':
    case 'complex128':
      return new Float64Array(n);
  }
}

function swapInPlace(b: Uint8Array, k: number): void {
  for (let i = 0; i + k <= b.length; i += k) {
    for (let lo = i, hi = i + k - 1; lo < hi; lo++, hi--) {
      const t = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = t;
    }
  }
}

function decodeStrings(
  raw: Uint8Array,
  t: SimpleType,
  count: number,
  file?: string,
  path?: string,
  base = 0,
): string[] {
  const out = new Array<string>(count);
  const w = t.itemSize;
  if (t.text === 'S') {
    for (let i = 0; i < count; i++) {
      let end = (i + 1) * w;
      while (end > i * w && raw[end - 1] === 0) end--;
      let s = '';
      for (let j = i * w; j < end; j++) s += String.fromCharCode(raw[j]!);
      out[i] = s;
    }
    return out;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const chars = w / 4;
  const cps: number[] = [];
  for (let i = 0; i < count; i++) {
    cps.length = 0;
    for (let j = 0; j < chars; j++) {
      const at = i * w + j * 4;
      const cp = dv.getUint32(at, t.littleEndian);
      if (cp > 0x10ffff) {
        throw new FormatError('NPY', 'invalid character in a unicode string', {
          file,
          path,
          offset: base + at,
          expected: 'a code point ≤ 0x10FFFF',
          found: `0x${cp.toString(16)}`,
        });
      }
      cps.push(cp);
    }
    while (cps.length > 0 && cps[cps.length - 1] === 0) cps.pop();
    let s = '';
    for (let j = 0; j < cps.length; j += 4096) s += String.fromCodePoint(...cps.slice(j, j + 4096));
    out[i] = s;
  }
  return out;
}

export interface NpyWriteOptions {
  /** Header version; default: the oldest that can hold the header (as numpy does). */
  version?: NpyVersion;
  /** Strings as UCS-4 `U<n>` (default) or bytes `S<n>` (every character must be ≤ U+00FF). */
  strings?: 'U' | 'S';
  /** Write the data in Fortran order (`fortran_order: True`). */
  fortranOrder?: boolean;
}

/** Encode an array as `.npy` bytes (little-endian). */
export function writeNpy(a: NDArray, opts: NpyWriteOptions = {}): Uint8Array {
  let shape = [...a.shape];
  let descr: string;
  let body: Uint8Array;
  if (a.dtype === 'string') {
    const strs = a.data as string[];
    const kind = opts.strings ?? 'U';
    let width = 1;
    for (const s of strs) width = Math.max(width, kind === 'U' ? [...s].length : s.length);
    descr = kind === 'U' ? `<U${width}` : `|S${width}`;
    body = encodeStrings(strs, kind, width);
  } else {
    if (a.dtype === 'rgb8' || a.dtype === 'rgba8')
      shape = [...shape, componentsPerElement(a.dtype)];
    descr = typestrFor(a.dtype);
    const d = a.data as NumericData;
    body = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    const scalar = d.BYTES_PER_ELEMENT;
    if (!hostLittleEndian && scalar > 1) {
      body = new Uint8Array(body);
      swapInPlace(body, scalar);
    }
  }
  const fortran = opts.fortranOrder === true && shape.length > 1;
  const count = shapeSize(shape);
  if (fortran && count > 0) body = cToFortran(body, shape, body.length / count);
  const head = formatNpyHeader(descr, fortran, shape, opts.version);
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function encodeStrings(strs: readonly string[], kind: 'U' | 'S', width: number): Uint8Array {
  const itemSize = kind === 'U' ? width * 4 : width;
  const out = new Uint8Array(strs.length * itemSize);
  const dv = new DataView(out.buffer);
  strs.forEach((s, i) => {
    let j = 0;
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (kind === 'U') dv.setUint32(i * itemSize + 4 * j, cp, true);
      else {
        if (cp > 0xff) {
          throw new ValidationError(
            `string ${i} has a character above U+00FF, which bytes (S) strings cannot hold`,
            'strings',
          );
        }
        out[i * itemSize + j] = cp;
      }
      j++;
    }
  });
  return out;
}
