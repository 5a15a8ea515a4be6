/**
 * NPY `descr` (numpy dtype description) ↔ bragg element types.
 *
 * A simple descr is a typestr: byte order (`<` little, `>` big, `|` not applicable, `=` native)
 * + kind (`b` bool, `i` int, `u` uint, `f` float, `c` complex, `U` UCS-4 text, `S` bytes,
 * `M`/`m` datetime64/timedelta64) + item size in bytes, e.g. `<f8`, `>i4`, `|b1`, `<U8`, `|S8`,
 * `<M8[ns]`. Structured descrs are lists of `(name, typestr[, shape])` tuples.
 * Source: numpy array-interface `typestr` and `descr` (numpy.org/doc/stable/reference/arrays.interface.html).
 */
import type { DType } from '../../core/dtype.js';
import { FormatError } from '../../core/errors.js';
import type { PyValue } from './pyliteral.js';

export interface SimpleType {
  kind: 'simple';
  dtype: DType;
  /** Bytes per element in the file. */
  itemSize: number;
  littleEndian: boolean;
  /** For `dtype: 'string'`: UCS-4 text (`U`) or raw bytes (`S`). */
  text?: 'U' | 'S';
  /** datetime64/timedelta64 unit (`ns`, `s`, ...), read as int64 counts of it. */
  timeUnit?: string;
  /** The typestr as it appears in the file. */
  descr: string;
}

export interface StructuredType {
  kind: 'structured';
  fields: { name: string; type: SimpleType; offset: number }[];
  itemSize: number;
  descr: string;
}

export type NpyType = SimpleType | StructuredType;

export interface DescrContext {
  file?: string;
  /** Member name inside an archive, if any. */
  path?: string;
  offset?: number;
}

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(ctx: DescrContext, what: string, expected: string, found: string): FormatError {
  return new FormatError('NPY', what, {
    file: ctx.file,
    offset: ctx.offset,
    path: ctx.path === undefined ? 'descr' : `${ctx.path}: descr`,
    expected,
    found,
  });
}

const NUMERIC: Record<string, DType> = {
  b1: 'bool',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  c8: 'complex64',
  c16: 'complex128',
};

/** Parse a typestr such as `<f8`. Object arrays (`|O`) are refused: bragg never unpickles. */
export function parseTypestr(s: string, ctx: DescrContext): SimpleType {
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)(\[[a-zA-Z0-9]+\])?$/.exec(s);
  if (!m) throw fail(ctx, 'unrecognised dtype', 'a numpy typestr such as <f8', JSON.stringify(s));
  const order = m[1]!;
  const kind = m[2]!;
  const sizeText = m[3]!;
  const unit = m[4];
  const littleEndian =
    order === '<' || ((order === '=' || order === '|' || order === '') && hostLittleEndian);
  if (kind === 'O') {
    throw fail(
      ctx,
      'object (pickled) arrays are refused: bragg never unpickles',
      'a numeric, bool or fixed-width string dtype',
      JSON.stringify(s),
    );
  }
  const size = sizeText === '' ? NaN : Number(sizeText);
  if (kind === 'U' || kind === 'S') {
    if (!Number.isSafeInteger(size) || size < 0 || size > 1 << 30) {
      throw fail(ctx, 'bad string width', 'a width in characters/bytes', JSON.stringify(s));
    }
    const itemSize = kind === 'U' ? size * 4 : size;
    return { kind: 'simple', dtype: 'string', itemSize, littleEndian, text: kind, descr: s };
  }
  if (kind === 'M' || kind === 'm') {
    if (size !== 8 || unit === undefined) {
      throw fail(ctx, 'bad datetime dtype', 'M8[unit] or m8[unit]', JSON.stringify(s));
    }
    return {
      kind: 'simple',
      dtype: 'int64',
      itemSize: 8,
      littleEndian,
      timeUnit: unit.slice(1, -1),
      descr: s,
    };
  }
  const key = kind === '?' ? 'b1' : `${kind}${sizeText}`;
  const dtype = unit === undefined ? NUMERIC[key] : undefined;
  if (dtype === undefined) {
    throw fail(
      ctx,
      'unsupported dtype',
      'bool, int/uint 8–64, float16/32/64, complex64/128, U<n>, S<n>',
      JSON.stringify(s),
    );
  }
  return { kind: 'simple', dtype, itemSize: size || 1, littleEndian, descr: s };
}

/** Parse the header's `descr` value: a typestr, or a structured list of fields. */
export function parseDescr(v: PyValue, ctx: DescrContext): NpyType {
  if (typeof v === 'string') return parseTypestr(v, ctx);
  if (v === null || typeof v !== 'object' || v.kind !== 'list') {
    throw fail(ctx, 'bad descr', 'a typestr or a list of fields', describe(v));
  }
  const fields: StructuredType['fields'] = [];
  let offset = 0;
  for (const f of v.items) {
    if (f === null || typeof f !== 'object' || f.kind !== 'tuple' || f.items.length < 2) {
      throw fail(ctx, 'bad structured field', "('name', 'typestr')", describe(f));
    }
    if (f.items.length > 2) {
      throw fail(
        ctx,
        'structured fields with sub-array shapes are not supported',
        "('name', 'typestr')",
        describe(f),
      );
    }
    const [nameV, typeV] = f.items as [PyValue, PyValue];
    const name = typeof nameV === 'string' ? nameV : undefined;
    if (name === undefined) {
      throw fail(
        ctx,
        'structured field names with titles are not supported',
        'a field name string',
        describe(nameV),
      );
    }
    if (typeof typeV !== 'string') {
      throw fail(ctx, 'nested structured dtypes are not supported', 'a typestr', describe(typeV));
    }
    const t = parseTypestr(typeV, ctx);
    fields.push({ name, type: t, offset });
    offset += t.itemSize;
  }
  if (fields.length === 0)
    throw fail(ctx, 'structured dtype without fields', 'at least one field', '[]');
  return { kind: 'structured', fields, itemSize: offset, descr: describe(v) };
}

/**
 * How bragg reads a structured dtype: when every field has the same numeric type (e.g. the
 * RGBA16 `[('R','<u2'),('G','<u2'),('B','<u2'),('A','<u2')]` of rosettasciio's test_rgba16.npz),
 * as that type with one more trailing axis of length = number of fields, in field order.
 * Anything else is refused with a FormatError that says so.
 */
export function uniformFieldType(t: StructuredType, ctx: DescrContext): SimpleType {
  const first = t.fields[0]!.type;
  for (const f of t.fields) {
    if (
      f.type.dtype !== first.dtype ||
      f.type.littleEndian !== first.littleEndian ||
      f.type.dtype === 'string' ||
      f.name === ''
    ) {
      throw fail(
        ctx,
        'structured dtype with mixed field types is not supported',
        'fields of one numeric type (read as a trailing channel axis)',
        t.descr,
      );
    }
  }
  return first;
}

/** The typestr bragg writes for an element type (always little-endian). */
export function typestrFor(dtype: DType, stringWidth = 1): string {
  switch (dtype) {
    case 'bool':
      return '|b1';
    case 'int8':
      return '|i1';
    case 'uint8':
      return '|u1';
    case 'string':
      return `<U${stringWidth}`;
    case 'rgb8':
    case 'rgba8':
      // written as a trailing channel axis of uint8, never as a structured dtype
      return '|u1';
    default: {
      const e = Object.entries(NUMERIC).find(([, d]) => d === dtype);
      return `<${e![0]}`;
    }
  }
}

function describe(v: PyValue): string {
  return JSON.stringify(v)?.slice(0, 80) ?? String(v);
}

export { hostLittleEndian };
