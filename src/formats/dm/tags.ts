/**
 * The DM3/DM4 tag tree parser.
 *
 * Layout (facts from C. Boothroyd's format notes, https://www.er-c.org/cbb/info/dmformat/):
 * - header: version (u32 BE, 3 or 4), root length (u32 BE in DM3, u64 BE in DM4), byte order
 *   of the data (u32 BE: 1 little-endian, 0 big-endian);
 * - a tag group: sorted (u8), open (u8), tag count (u32 / u64 BE);
 * - a tag: kind (u8: 20 group, 21 data), label length (u16 BE), label; DM4 then has the
 *   byte length of the tag's contents (u64 BE);
 * - a data tag: '%%%%', info length n (u32 / u64 BE), n info words (u32 / u64 BE) describing
 *   the type, then the value in the file's data byte order.
 *
 * Every count and length is checked against the bytes left before anything is allocated;
 * nesting is limited to `MAX_DEPTH`.
 */
import { BraggError } from '../../core/errors.js';
import type { Cursor } from './source.js';
import { simpleTagSize, TagType, tagTypeName } from './tagtypes.js';

/** Deepest group nesting accepted (real files nest < 15 deep). */
export const MAX_DEPTH = 64;
/** Arrays longer than this (elements) are kept as references into the file, not loaded. */
export const MAX_INLINE_ELEMENTS = 4096;
/** Longest info array accepted (a struct of 10 000 fields is far beyond any real file). */
const MAX_INFO = 20_003;

/** An array in the file that was not loaded (image data, long spectra in tags). */
export interface ArrayRef {
  kind: 'arrayRef';
  /** Tag type of the elements (`TagType`); for arrays of structs, `TagType.struct`. */
  elemType: number;
  /** Number of elements. */
  length: number;
  /** Bytes per element. */
  elemBytes: number;
  /** Byte offset of the first element in the file. */
  offset: number;
}

export type TagValue = number | bigint | boolean | string | ArrayRef | TagValue[];

export interface TagData {
  kind: 'data';
  /** Byte offset of the tag in the file. */
  offset: number;
  value: TagValue;
}

export interface TagGroup {
  kind: 'group';
  offset: number;
  entries: TagEntry[];
}

export type TagNode = TagData | TagGroup;

export interface TagEntry {
  /** The label as stored (may be empty: DM lists are groups of unnamed entries). */
  label: string;
  node: TagNode;
}

export interface DmTree {
  /** 3 or 4. */
  version: number;
  /** Byte order of the tag values and image data (tag headers are always big-endian). */
  littleEndian: boolean;
  root: TagGroup;
  /** Number of tags (groups and data) in the tree. */
  tagCount: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeLabel(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    // DM writes labels in the system code page; Latin-1 is the common case.
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
}

/** Parses a whole DM file's tag tree from the cursor (positioned at 0). */
export function parseTree(c: Cursor): DmTree {
  c.pos = 0;
  const version = c.u32be('DM version');
  if (version !== 3 && version !== 4) {
    throw c.error('not a DM3/DM4 file', {
      offset: 0,
      expected: 'version 3 or 4',
      found: String(version),
    });
  }
  const p = new TagParser(c, version === 4);
  p.word('root length');
  const order = c.u32be('byte order flag');
  if (order !== 0 && order !== 1) {
    throw c.error('bad byte order flag', {
      offset: c.pos - 4,
      expected: '0 or 1',
      found: String(order),
    });
  }
  p.le = order === 1;
  const root = p.group(0, '');
  return { version, littleEndian: p.le, root, tagCount: p.count };
}

class TagParser {
  le = true;
  count = 0;
  /** Bytes per length/info word: 4 in DM3, 8 in DM4. */
  readonly w: number;
  constructor(
    readonly c: Cursor,
    readonly dm4: boolean,
  ) {
    this.w = dm4 ? 8 : 4;
  }

  word(what: string): number {
    return this.dm4 ? this.c.u64be(what) : this.c.u32be(what);
  }

  group(depth: number, path: string): TagGroup {
    const c = this.c;
    if (depth > MAX_DEPTH) {
      throw c.error('tag groups nested too deeply', {
        path,
        expected: `≤ ${MAX_DEPTH} levels`,
        found: String(depth),
      });
    }
    const offset = c.pos;
    c.u8('group sorted flag');
    c.u8('group open flag');
    const countAt = c.pos;
    const n = this.word('tag count');
    // Each tag needs at least 1 (kind) + 2 (label length) + 4 bytes.
    if (n * 7 > c.remaining) {
      throw c.error('tag count larger than the file can hold', {
        offset: countAt,
        path,
        expected: `≤ ${Math.floor(c.remaining / 7)} tags`,
        found: String(n),
      });
    }
    const entries: TagEntry[] = [];
    for (let i = 0; i < n; i++) {
      const tagAt = c.pos;
      const kind = c.u8('tag kind');
      const labelLen = c.u16be('tag label length');
      const label = decodeLabel(c.bytes(labelLen, 'tag label'));
      const sub = `${path}${path ? '.' : ''}${label || `[${i}]`}`;
      if (this.dm4) {
        const sizeAt = c.pos;
        const size = c.u64be('tag size');
        if (size > c.remaining) {
          throw c.error('tag size beyond the end of the file', {
            offset: sizeAt,
            path: sub,
            expected: `≤ ${c.remaining} bytes`,
            found: String(size),
          });
        }
      }
      this.count++;
      if (kind === 20) {
        entries.push({ label, node: this.group(depth + 1, sub) });
      } else if (kind === 21) {
        const bulk = label === 'Data' && path.endsWith('ImageData');
        entries.push({ label, node: { kind: 'data', offset: tagAt, value: this.data(sub, bulk) } });
      } else {
        throw c.error('unknown tag kind', {
          offset: tagAt,
          path: sub,
          expected: '20 (group) or 21 (data)',
          found: String(kind),
        });
      }
    }
    return { kind: 'group', offset, entries };
  }

  data(path: string, bulk: boolean): TagValue {
    const c = this.c;
    const delim = c.bytes(4, 'data tag delimiter');
    if (delim[0] !== 0x25 || delim[1] !== 0x25 || delim[2] !== 0x25 || delim[3] !== 0x25) {
      throw c.error('bad data tag delimiter', {
        offset: c.pos - 4,
        path,
        expected: "'%%%%'",
        found: Array.from(delim, (b) => b.toString(16).padStart(2, '0')).join(' '),
      });
    }
    const ninfoAt = c.pos;
    const ninfo = this.word('info length');
    if (ninfo < 1 || ninfo > MAX_INFO || ninfo * this.w > c.remaining) {
      throw c.error('bad info array length', {
        offset: ninfoAt,
        path,
        expected: `1..${MAX_INFO} words that fit in the file`,
        found: String(ninfo),
      });
    }
    const info: number[] = [];
    for (let i = 0; i < ninfo; i++) info.push(this.word('info word'));
    return this.value(info, path, bulk, ninfoAt);
  }

  private bad(path: string, at: number, info: readonly number[], expected: string): never {
    throw this.c.error('bad tag type description', {
      offset: at,
      path,
      expected,
      found: `[${info.slice(0, 8).join(', ')}${info.length > 8 ? ', …' : ''}]`,
    });
  }

  value(info: readonly number[], path: string, bulk: boolean, at: number): TagValue {
    const t = info[0]!;
    const simple = simpleTagSize(t);
    if (simple !== undefined) {
      if (info.length !== 1) this.bad(path, at, info, `1 info word for ${tagTypeName(t)}`);
      return this.scalar(t);
    }
    if (t === TagType.string) {
      if (info.length !== 2) this.bad(path, at, info, '2 info words for a string');
      return decodeLabel(this.c.bytes(this.fits(info[1]!, 1, path), 'string'));
    }
    if (t === TagType.struct) {
      const fields = this.structFields(info, 1, path, at);
      if (info.length !== 3 + 2 * fields.length)
        this.bad(path, at, info, `${3 + 2 * fields.length} info words for a struct`);
      return fields.map((f) => this.scalar(f));
    }
    if (t !== TagType.array) this.bad(path, at, info, 'a known tag type (2–12, 15, 18, 20)');
    if (info.length < 3) this.bad(path, at, info, '≥ 3 info words for an array');
    const et = info[1]!;
    const length = info[info.length - 1]!;
    const es = simpleTagSize(et);
    if (es !== undefined) {
      if (info.length !== 3) this.bad(path, at, info, '3 info words for an array of numbers');
      return this.array(et, es, length, path, bulk);
    }
    if (et === TagType.struct) {
      const fields = this.structFields(info, 2, path, at);
      if (info.length !== 5 + 2 * fields.length)
        this.bad(path, at, info, `${5 + 2 * fields.length} info words for an array of structs`);
      const bytes = fields.reduce((s, f) => s + simpleTagSize(f)!, 0);
      if (bytes === 0) this.bad(path, at, info, 'a struct with at least one field');
      this.fits(length, bytes, path);
      if (bulk || length > MAX_INLINE_ELEMENTS) return this.ref(TagType.struct, bytes, length);
      const out: TagValue[] = [];
      for (let i = 0; i < length; i++) out.push(fields.map((f) => this.scalar(f)));
      return out;
    }
    if (et === TagType.string) {
      if (info.length !== 4) this.bad(path, at, info, '4 info words for an array of strings');
      const sl = info[2]!;
      if (sl === 0) this.bad(path, at, info, 'strings of non-zero length');
      this.fits(length, sl, path);
      if (bulk || length > MAX_INLINE_ELEMENTS) return this.ref(TagType.string, sl, length);
      const out: TagValue[] = [];
      for (let i = 0; i < length; i++) out.push(decodeLabel(this.c.bytes(sl, 'string')));
      return out;
    }
    if (et === TagType.array) {
      if (info.length !== 5) this.bad(path, at, info, '5 info words for an array of arrays');
      const inner = simpleTagSize(info[2]!);
      const il = info[3]!;
      if (inner === undefined || il === 0)
        this.bad(path, at, info, 'non-empty inner arrays of numbers');
      this.fits(length, inner * il, path);
      if (bulk || length > MAX_INLINE_ELEMENTS || il > MAX_INLINE_ELEMENTS)
        return this.ref(TagType.array, inner * il, length);
      const out: TagValue[] = [];
      for (let i = 0; i < length; i++) out.push(this.array(info[2]!, inner, il, path, false));
      return out;
    }
    return this.bad(path, at, info, 'an array of numbers, structs, strings or arrays');
  }

  /** Field types of a struct whose description starts at `info[from]` (name length, count, pairs). */
  private structFields(info: readonly number[], from: number, path: string, at: number): number[] {
    const n = info[from + 1];
    if (n === undefined || info.length < from + 2 + 2 * n)
      this.bad(path, at, info, 'a complete struct description');
    const fields: number[] = [];
    for (let i = 0; i < n; i++) {
      const ft = info[from + 3 + 2 * i]!;
      if (simpleTagSize(ft) === undefined)
        this.bad(path, at, info, 'struct fields of number types');
      fields.push(ft);
    }
    return fields;
  }

  /** Checks that `length` elements of `bytes` each fit in the rest of the file; returns the total. */
  private fits(length: number, bytes: number, path: string): number {
    const total = length * bytes;
    if (total > this.c.remaining) {
      throw this.c.error('array longer than the file', {
        path,
        expected: `≤ ${this.c.remaining} bytes`,
        found: `${length} × ${bytes} bytes`,
      });
    }
    return total;
  }

  private ref(elemType: number, elemBytes: number, length: number): ArrayRef {
    const r: ArrayRef = { kind: 'arrayRef', elemType, elemBytes, length, offset: this.c.pos };
    this.c.skip(length * elemBytes, 'array');
    return r;
  }

  private array(t: number, size: number, length: number, path: string, bulk: boolean): TagValue {
    const total = this.fits(length, size, path);
    if (bulk || length > MAX_INLINE_ELEMENTS) return this.ref(t, size, length);
    const b = this.c.bytes(total, 'array');
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (t === TagType.uint16) {
      // DM stores text (units, names, dates) as arrays of UTF-16 code units.
      let s = '';
      for (let i = 0; i < length; i++) s += String.fromCharCode(v.getUint16(2 * i, this.le));
      return s;
    }
    const out: TagValue[] = new Array<TagValue>(length);
    for (let i = 0; i < length; i++) out[i] = readScalar(v, i * size, t, this.le);
    return out;
  }

  private scalar(t: number): TagValue {
    const size = simpleTagSize(t)!;
    const b = this.c.bytes(size, tagTypeName(t));
    return readScalar(new DataView(b.buffer, b.byteOffset, size), 0, t, this.le);
  }
}

/** One scalar of simple tag type `t` at `at`. 64-bit integers become numbers when safe. */
export function readScalar(
  v: DataView,
  at: number,
  t: number,
  le: boolean,
): number | bigint | boolean {
  switch (t) {
    case TagType.int16:
      return v.getInt16(at, le);
    case TagType.int32:
      return v.getInt32(at, le);
    case TagType.uint16:
      return v.getUint16(at, le);
    case TagType.uint32:
      return v.getUint32(at, le);
    case TagType.float32:
      return v.getFloat32(at, le);
    case TagType.float64:
      return v.getFloat64(at, le);
    case TagType.bool:
      return v.getUint8(at) !== 0;
    case TagType.int8:
      return v.getInt8(at);
    case TagType.uint8:
      return v.getUint8(at);
    case TagType.int64: {
      const x = v.getBigInt64(at, le);
      return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(x)
        : x;
    }
    case TagType.uint64: {
      const x = v.getBigUint64(at, le);
      return x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
    }
    default:
      // Callers pass only types for which simpleTagSize() is defined.
      throw new BraggError('INTERNAL', `readScalar called with non-scalar tag type ${t}`);
  }
}
