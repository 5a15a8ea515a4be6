/**
 * NPY header: magic, version, header length and the Python-dict header text.
 *
 * Layout (numpy.lib.format, versions 1.0 / 2.0 / 3.0):
 *   bytes 0–5  `\x93NUMPY`; byte 6 major; byte 7 minor (0);
 *   v1.0: uint16 LE header length at 8, header text (latin-1) from 10;
 *   v2.0: uint32 LE header length at 8, header text (latin-1) from 12;
 *   v3.0: as 2.0 but the header text is UTF-8.
 * The header is `{'descr': ..., 'fortran_order': ..., 'shape': (...), }` padded with spaces
 * and a final `\n` so that the data starts at a multiple of 64 bytes.
 */
import { ByteReader } from '../../core/bytes.js';
import { FormatError } from '../../core/errors.js';
import { shapeSize } from '../../core/ndarray.js';
import type { NpyType } from './descr.js';
import { parseDescr } from './descr.js';
import type { PyValue } from './pyliteral.js';
import { formatPyLiteral, parsePyLiteral } from './pyliteral.js';

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;
/** Headers longer than this are refused (numpy itself refuses > 10 000 bytes by default). */
export const MAX_HEADER_BYTES = 1 << 20;
const ARRAY_ALIGN = 64;
/** numpy leaves room to grow the first axis in place (numpy/lib/_format_impl.py). */
const GROWTH_AXIS_MAX_DIGITS = 21;

export type NpyVersion = '1.0' | '2.0' | '3.0';

export interface NpyHeader {
  version: NpyVersion;
  type: NpyType;
  fortranOrder: boolean;
  shape: number[];
  /** Number of elements (product of `shape`). */
  count: number;
  /** Byte offset of the array data. */
  dataOffset: number;
  /** Bytes of array data the header promises (count × item size). */
  dataBytes: number;
}

export function hasNpyMagic(head: Uint8Array): boolean {
  return NPY_MAGIC.every((b, i) => head[i] === b);
}

/** Parse the header at the start of `bytes` (which need only hold the header). */
export function parseNpyHeader(bytes: Uint8Array, file?: string, path?: string): NpyHeader {
  const r = new ByteReader(bytes, 'NPY', file);
  r.need(8, 'magic and version');
  if (!hasNpyMagic(bytes)) {
    throw new FormatError('NPY', 'not an NPY file', {
      file,
      path,
      offset: 0,
      expected: 'magic \\x93NUMPY',
      found: JSON.stringify(r.ascii(6)),
    });
  }
  r.seek(6);
  const major = r.u8('major version');
  const minor = r.u8('minor version');
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new FormatError('NPY', 'unsupported format version', {
      file,
      path,
      offset: 6,
      expected: '1.0, 2.0 or 3.0',
      found: `${major}.${minor}`,
    });
  }
  const headerLen = major === 1 ? r.u16(true, 'header length') : r.u32(true, 'header length');
  if (headerLen > MAX_HEADER_BYTES) {
    throw r.error('header too long', {
      offset: 8,
      expected: `at most ${MAX_HEADER_BYTES} bytes`,
      found: `${headerLen}`,
    });
  }
  const textStart = r.pos;
  const raw = r.take(headerLen, 'header');
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch (err) {
      throw new FormatError('NPY', 'header is not valid UTF-8', {
        file,
        path,
        offset: textStart,
        cause: err,
      });
    }
  } else {
    text = new TextDecoder('latin1').decode(raw);
  }
  const ctx = { format: 'NPY', file, base: textStart };
  const v = parsePyLiteral(text, ctx);
  const fail = (what: string, expected: string, found: string): FormatError =>
    new FormatError('NPY', what, { file, path, offset: textStart, expected, found });
  if (v === null || typeof v !== 'object' || v.kind !== 'dict') {
    throw fail(
      'header is not a dict',
      "{'descr': ..., 'fortran_order': ..., 'shape': ...}",
      text.slice(0, 40),
    );
  }
  const entries = new Map<string, PyValue>();
  for (const [k, x] of v.entries) {
    if (typeof k !== 'string')
      throw fail('header key is not a string', 'a string key', JSON.stringify(k));
    entries.set(k, x);
  }
  const keys = [...entries.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw fail('header has the wrong keys', 'descr, fortran_order, shape', keys);
  }
  const type = parseDescr(entries.get('descr')!, { file, path, offset: textStart });
  const fo = entries.get('fortran_order');
  if (typeof fo !== 'boolean')
    throw fail("'fortran_order' is not True or False", 'True or False', JSON.stringify(fo));
  const sh = entries.get('shape')!;
  if (
    sh === null ||
    typeof sh !== 'object' ||
    sh.kind !== 'tuple' ||
    sh.items.some((d) => typeof d !== 'number' || d < 0)
  ) {
    throw fail(
      "'shape' is not a tuple of non-negative integers",
      '(n0, n1, ...)',
      JSON.stringify(sh),
    );
  }
  const shape = sh.items as number[];
  let count: number;
  try {
    count = shapeSize(shape);
  } catch (err) {
    throw new FormatError('NPY', 'shape too large', {
      file,
      path,
      offset: textStart,
      expected: 'fewer than 2^53 elements',
      found: `(${shape.join(', ')})`,
      cause: err,
    });
  }
  if (type.itemSize === 0 && count > 0) {
    throw fail('zero-width dtype', 'an item size of at least 1 byte', type.descr);
  }
  const dataBytes = count * type.itemSize;
  if (!Number.isSafeInteger(dataBytes)) {
    throw fail(
      'array too large',
      'fewer than 2^53 bytes',
      `(${shape.join(', ')}) × ${type.itemSize} bytes`,
    );
  }
  return {
    version: `${major}.0` as NpyVersion,
    type,
    fortranOrder: fo,
    shape,
    count,
    dataOffset: textStart + headerLen,
    dataBytes,
  };
}

/** Header bytes exactly as numpy 1.x/2.x `np.save` writes them (data aligned to 64 bytes). */
export function formatNpyHeader(
  descr: PyValue,
  fortranOrder: boolean,
  shape: readonly number[],
  version?: NpyVersion,
): Uint8Array {
  const shapeLit: PyValue = { kind: 'tuple', items: [...shape] };
  let text = `{'descr': ${formatPyLiteral(descr)}, 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${formatPyLiteral(shapeLit)}, }`;
  if (shape.length > 0) {
    const growth = shape[fortranOrder ? shape.length - 1 : 0]!;
    text += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(growth).length));
  }
  // eslint-disable-next-line no-control-regex
  const latin1 = /^[\u0000-\u00ff]*$/.test(text);
  const v: NpyVersion =
    version ?? (latin1 ? (text.length + 1 + 10 + ARRAY_ALIGN <= 0xffff ? '1.0' : '2.0') : '3.0');
  if (v !== '3.0' && !latin1) {
    throw new FormatError('NPY', `header cannot be written as version ${v}`, {
      expected: 'latin-1 text (use version 3.0)',
      found: 'non-latin-1 characters',
    });
  }
  const enc =
    v === '3.0' ? new TextEncoder().encode(text) : Uint8Array.from(text, (c) => c.charCodeAt(0));
  const prefix = v === '1.0' ? 10 : 12;
  const hlen = enc.length + 1;
  const padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
  const total = hlen + padlen;
  if (v === '1.0' && total > 0xffff) {
    throw new FormatError('NPY', 'header too long for version 1.0', {
      expected: '< 65536 bytes',
      found: `${total}`,
    });
  }
  const out = new Uint8Array(prefix + total);
  out.set(NPY_MAGIC, 0);
  out[6] = Number(v[0]);
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (v === '1.0') dv.setUint16(8, total, true);
  else dv.setUint32(8, total, true);
  out.set(enc, prefix);
  out.fill(0x20, prefix + enc.length, out.length - 1);
  out[out.length - 1] = 0x0a;
  return out;
}
