/**
 * TFRecord framing: each record is `uint64 length` (little-endian), `uint32 masked CRC-32C of
 * the length bytes`, `length` bytes of data, `uint32 masked CRC-32C of the data`. A file is
 * records back to back, either as they are or inside one GZIP (or zlib) stream, which is
 * detected from the first bytes.
 *
 * Records are read from a `ByteSource` one at a time: an uncompressed file by offset (only the
 * record asked for is read), a compressed one through a streaming inflater fed in windows, so
 * memory holds one record and one window, never the whole file. Every length is checked
 * against what the file can still hold before anything is allocated, and both CRCs are checked.
 */
import { constants, createGunzip, createInflate, gunzipSync, inflateSync } from 'node:zlib';
import { Readable, pipeline } from 'node:stream';
import type { ByteSource } from '../../core/source.js';
import { FormatError } from '../../core/errors.js';
import { MAX_DEFLATE_RATIO } from '../../core/inflate.js';
import { maskedCrc32c } from './crc32c.js';

export const TFRECORD = 'TFRecord';

/** How the records are stored: as they are, in a GZIP stream, or in a zlib stream. */
export type Compression = 'none' | 'gzip' | 'zlib';

/** Bytes of framing around each record's data (8 length + 4 + 4 CRCs). */
export const FRAME_BYTES = 16;

/** Largest record data bragg reads: 1 GiB. */
export const MAX_RECORD_BYTES = 2 ** 30;

/** Size of the windows a compressed file is read in. */
const WINDOW = 1 << 16;

/** One record: its position, the offset of its header and its data. */
export interface RawRecord {
  index: number;
  /** Offset of the record's header: in the file, or in the decompressed stream. */
  offset: number;
  data: Uint8Array;
}

function hex(x: number): string {
  return '0x' + x.toString(16).padStart(8, '0');
}

/** The 16 + n bytes of one framed record. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_BYTES + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length % 2 ** 32, true);
  v.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  v.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  v.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** A header whose length CRC holds (the check that finds uncompressed TFRecord). */
function validHeader(b: Uint8Array): boolean {
  if (b.length < 12) return false;
  const v = new DataView(b.buffer, b.byteOffset, 12);
  return v.getUint32(8, true) === maskedCrc32c(b.subarray(0, 8));
}

/**
 * The compression of a TFRecord file from its first bytes, or undefined when they are not
 * TFRecord: an empty file is an empty uncompressed one; a compressed one must start with a
 * record header whose length CRC holds once the head is inflated.
 */
export function detectCompression(head: Uint8Array): Compression | undefined {
  if (head.length === 0) return 'none';
  if (validHeader(head)) return 'none';
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const zlib =
    head.length >= 2 && (head[0]! & 0x0f) === 8 && ((head[0]! << 8) | head[1]!) % 31 === 0;
  if (!gzip && !zlib) return undefined;
  try {
    const opts = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 };
    const out = gzip ? gunzipSync(head, opts) : inflateSync(head, opts);
    // an empty stream holds no records; otherwise the first header must check out
    if (out.length === 0) return head.length < 512 ? (gzip ? 'gzip' : 'zlib') : undefined;
    return validHeader(out) ? (gzip ? 'gzip' : 'zlib') : undefined;
  } catch {
    return undefined;
  }
}

/** What a record error says: which record, where. */
interface Where {
  file: string;
  compression: Compression;
}

function recordError(
  w: Where,
  index: number,
  offset: number,
  what: string,
  e?: string,
  f?: string,
): FormatError {
  const inStream = w.compression !== 'none';
  return new FormatError(TFRECORD, `record ${index}: ${what}`, {
    file: w.file,
    path: inStream
      ? `record ${index} at offset ${offset} of the decompressed ${w.compression} stream`
      : `record ${index}`,
    offset: inStream ? undefined : offset,
    expected: e,
    found: f,
  });
}

/**
 * Check a 12-byte header; returns the data length. `room` is the most data the rest of the
 * input can hold.
 */
function parseHeader(h: Uint8Array, w: Where, index: number, offset: number, room: number): number {
  const v = new DataView(h.buffer, h.byteOffset, 12);
  const lo = v.getUint32(0, true);
  const hi = v.getUint32(4, true);
  const crc = v.getUint32(8, true);
  const want = maskedCrc32c(h.subarray(0, 8));
  if (crc !== want) {
    throw recordError(
      w,
      index,
      offset,
      'the CRC-32C of the length does not match',
      `masked CRC ${hex(want)}`,
      hex(crc),
    );
  }
  const length = hi * 2 ** 32 + lo;
  if (length > Math.min(room, MAX_RECORD_BYTES)) {
    throw recordError(
      w,
      index,
      offset,
      length > MAX_RECORD_BYTES ? 'record larger than bragg reads' : 'record longer than the file',
      `at most ${Math.min(room, MAX_RECORD_BYTES)} bytes`,
      `${length} bytes`,
    );
  }
  return length;
}

function checkData(data: Uint8Array, crc: number, w: Where, index: number, offset: number): void {
  const want = maskedCrc32c(data);
  if (crc !== want) {
    throw recordError(
      w,
      index,
      offset,
      'the CRC-32C of the data does not match (the record is damaged)',
      `masked CRC ${hex(want)}`,
      hex(crc),
    );
  }
}

/** The record whose header is at `offset` of an uncompressed source (data, next offset). */
export function readRecordAt(
  source: ByteSource,
  index: number,
  offset: number,
): { data: Uint8Array; next: number } {
  const w: Where = { file: source.name, compression: 'none' };
  if (offset + 12 > source.size) {
    throw recordError(
      w,
      index,
      offset,
      'truncated header',
      '12 bytes',
      `${source.size - offset} bytes`,
    );
  }
  const length = parseHeader(
    source.read(offset, 12, TFRECORD),
    w,
    index,
    offset,
    source.size - offset - FRAME_BYTES,
  );
  const body = source.read(offset + 12, length + 4, TFRECORD);
  const data = body.subarray(0, length);
  const crc = new DataView(body.buffer, body.byteOffset + length, 4).getUint32(0, true);
  checkData(data, crc, w, index, offset);
  return { data, next: offset + FRAME_BYTES + length };
}

/** The offset after the record at `offset`, from its header alone (the data is not read). */
export function skipRecordAt(source: ByteSource, index: number, offset: number): number {
  const w: Where = { file: source.name, compression: 'none' };
  if (offset + 12 > source.size) {
    throw recordError(
      w,
      index,
      offset,
      'truncated header',
      '12 bytes',
      `${source.size - offset} bytes`,
    );
  }
  const h = source.read(offset, 12, TFRECORD);
  return (
    offset + FRAME_BYTES + parseHeader(h, w, index, offset, source.size - offset - FRAME_BYTES)
  );
}

/** A queue of inflated chunks from which exact byte counts are taken. */
class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private have = 0;
  private done = false;
  /** Bytes taken so far (the offset in the decompressed stream). */
  position = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  /** Fill until `n` bytes are queued or the stream ends; returns the bytes queued. */
  async fill(n: number): Promise<number> {
    while (this.have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.chunks.push(r.value);
        this.have += r.value.length;
      }
    }
    return this.have;
  }

  /** Exactly `n` queued bytes (call `fill(n)` first). */
  take(n: number): Uint8Array {
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first !== undefined && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - at);
        out.set(c.subarray(0, k), at);
        at += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.have -= n;
    this.position += n;
    return out;
  }
}

/** The source's bytes in windows, as a stream. */
function windows(source: ByteSource): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < source.size; at += WINDOW) {
        // a copy: the inflater may keep the chunk after the next read
        yield new Uint8Array(source.read(at, Math.min(WINDOW, source.size - at), TFRECORD));
      }
    })(),
    { objectMode: false },
  );
}

async function* inflated(
  source: ByteSource,
  compression: 'gzip' | 'zlib',
): AsyncGenerator<Uint8Array> {
  const z = compression === 'gzip' ? createGunzip() : createInflate();
  const input = windows(source);
  pipeline(input, z, () => {
    /* errors surface through the iteration below */
  });
  try {
    for await (const chunk of z as AsyncIterable<Uint8Array>) yield chunk;
  } catch (err) {
    throw new FormatError(TFRECORD, `corrupt ${compression} stream (${(err as Error).message})`, {
      file: source.name,
      cause: err,
    });
  } finally {
    input.destroy();
    z.destroy();
  }
}

/**
 * Every record of `source` in order, from record `from` on. The records before `from` are
 * skipped by offset in an uncompressed file; in a compressed one they are inflated and their
 * framing and CRCs checked on the way. Stops early (and releases the inflater) when the
 * caller stops iterating.
 */
export async function* readRecords(
  source: ByteSource,
  compression: Compression,
  from = 0,
): AsyncGenerator<RawRecord> {
  const w: Where = { file: source.name, compression };
  if (compression === 'none') {
    let offset = 0;
    for (let index = 0; offset < source.size; index++) {
      if (index < from) {
        offset = skipRecordAt(source, index, offset);
        continue;
      }
      const { data, next } = readRecordAt(source, index, offset);
      yield { index, offset, data };
      offset = next;
    }
    return;
  }
  const it = inflated(source, compression);
  const q = new ChunkQueue(it);
  // DEFLATE expands at most 1032:1, so no record can be longer than this
  const bound = Math.max(0, source.size * MAX_DEFLATE_RATIO);
  try {
    for (let index = 0; ; index++) {
      const offset = q.position;
      const got = await q.fill(12);
      if (got === 0) return;
      if (got < 12)
        throw recordError(w, index, offset, 'truncated header', '12 bytes', `${got} bytes`);
      const length = parseHeader(q.take(12), w, index, offset, bound);
      const all = await q.fill(length + 4);
      if (all < length + 4) {
        throw recordError(
          w,
          index,
          offset,
          'truncated record',
          `${length + 4} bytes of data and CRC`,
          `${all} bytes`,
        );
      }
      const data = q.take(length);
      const c = q.take(4);
      checkData(data, new DataView(c.buffer, c.byteOffset, 4).getUint32(0, true), w, index, offset);
      if (index >= from) yield { index, offset, data };
    }
  } finally {
    await it.return(undefined);
  }
}
