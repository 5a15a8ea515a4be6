/**
 * Bounded DEFLATE / zlib decompression for readers (NPZ members, TIFF strips, ...): never
 * produces more than `limit` bytes, stops as soon as the output would pass it, and turns every
 * decoder failure into a FormatError. Memory grows with the real output, not a declared size.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';
import { Inflate, Unzlib } from 'fflate';
import { FormatError } from './errors.js';

/** DEFLATE cannot expand data by more than 1032:1 (zlib technical details, zlib.net/zlib_tech.html). */
export const MAX_DEFLATE_RATIO = 1032;

export interface InflateBoundedOptions {
  /** Format name for errors (`NPZ`, `TIFF`). */
  format: string;
  file?: string;
  /** Member or path inside the file, for errors. */
  path?: string;
  /** Byte offset of the compressed data in the file, for errors. */
  offset?: number;
  /** The data has a zlib wrapper (RFC 1950) rather than raw DEFLATE (RFC 1951). */
  zlib?: boolean;
  /** Return successfully as soon as at least this many bytes are out (a prefix). */
  stopAfter?: number;
  /** Require exactly `limit` bytes of output (otherwise: at most `limit`). */
  exact?: boolean;
}

/**
 * Inflate `src`, producing at most `limit` bytes. Whole streams go through Node's zlib with
 * `maxOutputLength` (native; it aborts as soon as the output passes the limit, and measured
 * ~5× faster than fflate here); prefixes (`stopAfter`) through fflate's streaming inflater.
 */
export function inflateBounded(
  src: Uint8Array,
  limit: number,
  o: InflateBoundedOptions,
): Uint8Array {
  if (o.stopAfter === undefined) return inflateWhole(src, limit, o);
  const chunks: Uint8Array[] = [];
  let produced = 0;
  let over = false;
  const onData = (chunk: Uint8Array): void => {
    if (over) return;
    produced += chunk.length;
    if (produced > limit) {
      over = true;
      return;
    }
    chunks.push(chunk);
  };
  const stream = o.zlib ? new Unzlib(onData) : new Inflate(onData);
  const fail = (what: string, cause?: unknown, expected?: string, found?: string): FormatError =>
    new FormatError(o.format, what, {
      file: o.file,
      path: o.path,
      offset: o.offset,
      expected,
      found,
      cause,
    });
  let pos = 0;
  try {
    while (pos < src.length) {
      // Keep each step's output below what is still allowed (1032:1 worst case).
      const room = Math.max(0, limit - produced);
      const step = Math.min(1 << 20, Math.max(1024, Math.floor(room / MAX_DEFLATE_RATIO)));
      const end = Math.min(src.length, pos + step);
      stream.push(src.subarray(pos, end), end === src.length);
      pos = end;
      if (over) {
        throw fail(
          'decompressed data larger than declared',
          undefined,
          `at most ${limit} bytes`,
          'more',
        );
      }
      if (o.stopAfter !== undefined && produced >= o.stopAfter) return concat(chunks, produced);
    }
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw fail(`corrupt compressed data (${(err as Error).message})`, err);
  }
  if (o.stopAfter !== undefined && produced < o.stopAfter && produced < limit) {
    throw fail(
      'compressed data ends early',
      undefined,
      `${Math.min(o.stopAfter, limit)} bytes`,
      `${produced}`,
    );
  }
  if (o.exact && produced !== limit) {
    throw fail('compressed data ends early', undefined, `${limit} bytes`, `${produced} bytes`);
  }
  return concat(chunks, produced);
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === n) return chunks[0]!;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c.subarray(0, n - at), at);
    at += c.length;
    if (at >= n) break;
  }
  return out;
}

function inflateWhole(src: Uint8Array, limit: number, o: InflateBoundedOptions): Uint8Array {
  let out: Uint8Array;
  try {
    const opts = {
      maxOutputLength: Math.max(1, limit),
      chunkSize: Math.min(1 << 20, Math.max(64, limit)),
    };
    out = o.zlib ? inflateSync(src, opts) : inflateRawSync(src, opts);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const tooLarge = code === 'ERR_BUFFER_TOO_LARGE';
    throw new FormatError(
      o.format,
      tooLarge
        ? 'decompressed data larger than declared'
        : `corrupt compressed data (${(err as Error).message})`,
      {
        file: o.file,
        path: o.path,
        offset: o.offset,
        expected: tooLarge ? `at most ${limit} bytes` : undefined,
        found: tooLarge ? 'more' : undefined,
        cause: err,
      },
    );
  }
  if (limit === 0 && out.length > 0) {
    throw new FormatError(o.format, 'decompressed data larger than declared', {
      file: o.file,
      path: o.path,
      offset: o.offset,
      expected: '0 bytes',
      found: 'more',
    });
  }
  if (o.exact && out.length !== limit) {
    throw new FormatError(o.format, 'compressed data ends early', {
      file: o.file,
      path: o.path,
      offset: o.offset,
      expected: `${limit} bytes`,
      found: `${out.length} bytes`,
    });
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
