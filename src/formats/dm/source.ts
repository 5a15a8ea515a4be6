/**
 * A sequential cursor over a `ByteSource` (src/core/source.ts) for the DM tag-tree parser: the
 * bytes are held in memory or read from the file in windows (so that files of several GB are
 * parsed without loading them). Every read is bounds-checked by `ByteReader`; reads past the
 * end become FormatErrors.
 */
import { ByteReader } from '../../core/bytes.js';
import { FormatError } from '../../core/errors.js';
import type { ByteSource } from '../../core/source.js';

/** Format name used in every error of this reader. */
export const DM_FORMAT = 'DM';

/** Bytes read per window when parsing the tag tree from a file descriptor. */
const WINDOW_BYTES = 1 << 20;

/**
 * A sequential cursor over a `ByteSource` for the tag-tree parser. Holds one window of the
 * file; `skip` moves past bulk data (image arrays) without reading it.
 */
export class Cursor {
  pos = 0;
  private window: ByteReader;
  private windowStart = 0;

  constructor(readonly source: ByteSource) {
    this.window = new ByteReader(source.bytes ?? new Uint8Array(0), DM_FORMAT, source.name, 0);
  }

  get size(): number {
    return this.source.size;
  }

  get remaining(): number {
    return this.source.size - this.pos;
  }

  /** A FormatError at the current (or given) offset. */
  error(
    what: string,
    d: { offset?: number; path?: string; expected?: string; found?: string } = {},
  ): FormatError {
    return new FormatError(DM_FORMAT, what, {
      file: this.source.name,
      offset: d.offset ?? this.pos,
      path: d.path,
      expected: d.expected,
      found: d.found,
    });
  }

  /** Position the window so that `n` bytes at `pos` are readable; returns the ByteReader. */
  private at(n: number, what: string): ByteReader {
    const w = this.window;
    const rel = this.pos - this.windowStart;
    if (rel >= 0 && rel + n <= w.length) {
      w.pos = rel;
      return w;
    }
    if (this.source.bytes !== undefined || this.pos + n > this.source.size) {
      // Let ByteReader produce the truncation error with the right offset.
      w.pos = Math.max(0, Math.min(rel, w.length));
      w.need(n, what, rel);
      return w;
    }
    const len = Math.min(Math.max(n, WINDOW_BYTES), this.source.size - this.pos);
    this.window = new ByteReader(
      this.source.read(this.pos, len, DM_FORMAT),
      DM_FORMAT,
      this.source.name,
      this.pos,
    );
    this.windowStart = this.pos;
    this.window.pos = 0;
    return this.window;
  }

  /** Throw unless `n` more bytes exist in the file. */
  need(n: number, what: string): void {
    if (!Number.isFinite(n) || n < 0 || this.pos + n > this.source.size) {
      throw this.error(`truncated ${what}`, {
        expected: `${n} bytes`,
        found: `${Math.max(0, this.source.size - this.pos)} bytes left`,
      });
    }
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  u8(what = 'uint8'): number {
    const v = this.at(1, what).u8(what);
    this.pos += 1;
    return v;
  }
  u16be(what = 'uint16'): number {
    const v = this.at(2, what).u16(false, what);
    this.pos += 2;
    return v;
  }
  u32be(what = 'uint32'): number {
    const v = this.at(4, what).u32(false, what);
    this.pos += 4;
    return v;
  }
  /** 64-bit big-endian length/count; refuses values beyond 2^53. */
  u64be(what = 'uint64'): number {
    const v = this.at(8, what).u64(false, what);
    this.pos += 8;
    return v;
  }
  /** `n` bytes (a view into the window, valid until the next read). */
  bytes(n: number, what: string): Uint8Array {
    const b = this.at(n, what).take(n, what);
    this.pos += n;
    return b;
  }
}
