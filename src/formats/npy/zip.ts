/**
 * The part of the ZIP format NPZ files use, read with bounds checks: end-of-central-directory
 * record (and its ZIP64 form), central directory entries, local headers; members STORED (0) or
 * DEFLATED (8), not encrypted. Declared sizes are checked against the bytes present and against
 * what DEFLATE can produce (1032:1) before anything is inflated.
 * Source: PKWARE APPNOTE.TXT 6.3.x, sections 4.3.7 (local header), 4.3.12 (central directory),
 * 4.3.14–4.3.16 (ZIP64 end records), 4.5.3 (ZIP64 extra field).
 */
import * as zlib from 'node:zlib';
import { ByteReader } from '../../core/bytes.js';
import { FormatError } from '../../core/errors.js';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the member's local header. */
  localOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function hasZipMagic(head: Uint8Array): boolean {
  return (
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 3 || head[2] === 5) &&
    (head[3] === 4 || head[3] === 6)
  );
}

/** List the members of a ZIP archive held in memory. */
export function listZip(bytes: Uint8Array, file?: string): ZipEntry[] {
  const r = new ByteReader(bytes, 'NPZ', file);
  // The EOCD record is 22 bytes plus a comment of at most 65535 bytes.
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff); p--) {
    if (r.view.getUint32(p, true) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) {
    throw new FormatError('NPZ', 'not a ZIP archive (no end-of-central-directory record)', {
      file,
      offset: Math.max(0, bytes.length - 22),
      expected: 'PK\\5\\6 in the last 65557 bytes',
      found: `${bytes.length} bytes without it`,
    });
  }
  r.seek(eocd + 10);
  let count = r.u16(true, 'entry count');
  let cdSize = r.u32(true, 'central directory size');
  let cdOffset = r.u32(true, 'central directory offset');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || r.view.getUint32(loc, true) !== EOCD64_LOCATOR) {
      throw r.error('ZIP64 end-of-central-directory locator missing', {
        offset: Math.max(0, loc),
        expected: 'PK\\6\\7',
      });
    }
    r.seek(loc + 8);
    const at = r.u64(true, 'ZIP64 end record offset');
    r.seek(Math.min(at, bytes.length));
    if (r.u32(true, 'ZIP64 end record signature') !== EOCD64) {
      throw r.error('bad ZIP64 end-of-central-directory record', {
        offset: at,
        expected: 'PK\\6\\6',
      });
    }
    r.skip(8 + 2 + 2 + 4 + 4 + 8, 'ZIP64 end record');
    count = r.u64(true, 'entry count');
    cdSize = r.u64(true, 'central directory size');
    cdOffset = r.u64(true, 'central directory offset');
  }
  r.need(cdSize, 'central directory', cdOffset);
  if (count * 46 > cdSize) {
    throw r.error('central directory too small for its entry count', {
      offset: cdOffset,
      expected: `≥ ${count * 46} bytes for ${count} entries`,
      found: `${cdSize} bytes`,
    });
  }
  r.seek(cdOffset);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    if (r.u32(true, 'central directory signature') !== CENTRAL) {
      throw r.error('bad central directory entry', { offset: start, expected: 'PK\\1\\2' });
    }
    r.skip(4, 'versions');
    const flags = r.u16(true, 'flags');
    const method = r.u16(true, 'method');
    r.skip(4, 'time and date');
    const crc = r.u32(true, 'crc32');
    let csize = r.u32(true, 'compressed size');
    let usize = r.u32(true, 'uncompressed size');
    const nameLen = r.u16(true, 'name length');
    const extraLen = r.u16(true, 'extra length');
    const commentLen = r.u16(true, 'comment length');
    r.skip(2 + 2 + 4, 'attributes');
    let localOffset = r.u32(true, 'local header offset');
    const nameBytes = r.take(nameLen, 'member name');
    const name = decodeName(nameBytes, (flags & 0x800) !== 0);
    const extraEnd = r.pos + extraLen;
    r.need(extraLen, 'extra field');
    while (r.pos + 4 <= extraEnd) {
      const id = r.u16(true, 'extra id');
      const len = r.u16(true, 'extra length');
      const next = r.pos + len;
      if (next > extraEnd) throw r.error('extra field overruns its entry', { path: name });
      if (id === 0x0001) {
        if (usize === 0xffffffff) usize = r.u64(true, 'ZIP64 uncompressed size');
        if (csize === 0xffffffff) csize = r.u64(true, 'ZIP64 compressed size');
        if (localOffset === 0xffffffff) localOffset = r.u64(true, 'ZIP64 local header offset');
      }
      r.seek(next);
    }
    r.seek(extraEnd);
    r.skip(commentLen, 'entry comment');
    if ((flags & 1) !== 0) {
      throw r.error('encrypted ZIP members are not supported', { offset: start, path: name });
    }
    if (method !== 0 && method !== 8) {
      throw r.error('unsupported compression method', {
        offset: start,
        path: name,
        expected: '0 (stored) or 8 (deflate)',
        found: `${method}`,
      });
    }
    if (names.has(name)) throw r.error('duplicate member name', { offset: start, path: name });
    names.add(name);
    entries.push({
      name,
      method,
      crc32: crc,
      compressedSize: csize,
      uncompressedSize: usize,
      localOffset,
    });
  }
  return entries;
}

/** Offset of a member's data (after its local header), checked against the archive size. */
export function memberDataOffset(bytes: Uint8Array, e: ZipEntry, file?: string): number {
  const r = new ByteReader(bytes, 'NPZ', file);
  r.need(30, 'local header', e.localOffset);
  r.seek(e.localOffset);
  if (r.u32(true, 'local header signature') !== LOCAL) {
    throw r.error('bad local header', {
      offset: e.localOffset,
      path: e.name,
      expected: 'PK\\3\\4',
    });
  }
  r.seek(e.localOffset + 26);
  const n = r.u16(true, 'name length');
  const x = r.u16(true, 'extra length');
  const at = e.localOffset + 30 + n + x;
  r.need(e.compressedSize, 'member data', at);
  return at;
}

/** CRC-32 check of a member's uncompressed bytes (skipped on Node versions without zlib.crc32). */
export function checkCrc(data: Uint8Array, e: ZipEntry, file?: string): void {
  const f = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  if (f === undefined) return;
  const got = f(data) >>> 0;
  if (got !== e.crc32 >>> 0) {
    throw new FormatError('NPZ', 'CRC-32 mismatch: member data is corrupt', {
      file,
      path: e.name,
      expected: `0x${(e.crc32 >>> 0).toString(16)}`,
      found: `0x${got.toString(16)}`,
    });
  }
}

function decodeName(b: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder('utf-8').decode(b);
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
