/**
 * Bounds-checked binary reading. Every read past the end throws a FormatError that names
 * the file, the offset and how many bytes were wanted — readers never index out of range.
 */
import { FormatError } from './errors.js';

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Current position (bytes from the start of `bytes`). */
  pos: number;

  constructor(
    bytes: Uint8Array,
    /** Format name used in error messages (`DM4`, `NPY`, `TIFF`). */
    readonly format: string,
    /** File name used in error messages. */
    readonly file?: string,
    /** Offset of `bytes[0]` in the file, so that errors report file offsets. */
    readonly base = 0,
  ) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  get length(): number {
    return this.bytes.length;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throw unless `n` bytes can be read at `at` (default: the current position). */
  need(n: number, what: string, at = this.pos): void {
    if (!Number.isFinite(n) || n < 0 || at < 0 || at + n > this.bytes.length) {
      throw this.error(`truncated ${what}`, {
        offset: this.base + at,
        expected: `${n} bytes`,
        found: `${Math.max(0, this.bytes.length - at)} bytes left`,
      });
    }
  }

  error(
    what: string,
    d: { offset?: number; path?: string; expected?: string; found?: string } = {},
  ): FormatError {
    return new FormatError(this.format, what, {
      file: this.file,
      offset: d.offset ?? this.base + this.pos,
      path: d.path,
      expected: d.expected,
      found: d.found,
    });
  }

  seek(pos: number): void {
    if (pos < 0 || pos > this.bytes.length) {
      throw this.error('seek outside the file', {
        offset: this.base + pos,
        expected: `0..${this.bytes.length}`,
        found: String(pos),
      });
    }
    this.pos = pos;
  }

  skip(n: number, what = 'data'): void {
    this.need(n, what);
    this.pos += n;
  }

  take(n: number, what = 'data'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u8(what = 'uint8'): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }
  i8(what = 'int8'): number {
    this.need(1, what);
    return this.view.getInt8(this.pos++);
  }
  u16(le: boolean, what = 'uint16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, le);
    this.pos += 2;
    return v;
  }
  i16(le: boolean, what = 'int16'): number {
    this.need(2, what);
    const v = this.view.getInt16(this.pos, le);
    this.pos += 2;
    return v;
  }
  u32(le: boolean, what = 'uint32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, le);
    this.pos += 4;
    return v;
  }
  i32(le: boolean, what = 'int32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, le);
    this.pos += 4;
    return v;
  }
  /** 64-bit unsigned as a number; throws if it exceeds 2^53 (no file offset or size can). */
  u64(le: boolean, what = 'uint64'): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw this.error(`${what} too large`, { expected: '< 2^53', found: v.toString() });
    }
    this.pos += 8;
    return Number(v);
  }
  i64(le: boolean, what = 'int64'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, le);
    this.pos += 8;
    return v;
  }
  f32(le: boolean, what = 'float32'): number {
    this.need(4, what);
    const v = this.view.getFloat32(this.pos, le);
    this.pos += 4;
    return v;
  }
  f64(le: boolean, what = 'float64'): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, le);
    this.pos += 8;
    return v;
  }
  /** Latin-1 / ASCII string of `n` bytes. */
  ascii(n: number, what = 'string'): string {
    const b = this.take(n, what);
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
}
