/**
 * Where a file's bytes come from: a path on disk, bytes in memory, or a stream (an upload, a
 * pipe). Every reader opens a `SourceInput` through `openSource` and then reads the bytes it
 * needs from the `ByteSource`, by offset: a file is read in the windows a reader asks for, so
 * files of several GB are not loaded; bytes stay where they are; a stream is read into memory
 * once, up to a size limit. Every read is bounds-checked: a range outside the source throws a
 * FormatError that names the source, the offset and how many bytes were wanted.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { ByteReader } from './bytes.js';
import { systemReason } from './system-errors.js';
import {
  BraggError,
  FormatError,
  NotFoundError,
  UnsupportedError,
  ValidationError,
} from './errors.js';

/** Format label of the errors a source raises itself (the reader's own label when it passes one). */
export const SOURCE_FORMAT = 'source';

/** Default limit for reading a stream into memory: 1 GiB. */
export const DEFAULT_MAX_STREAM_BYTES = 2 ** 30;

/** Largest single read from a file descriptor (`readSync` reads at most 2 GiB at once). */
const READ_CHUNK = 2 ** 30;

/** Random access to the bytes of one file, wherever they are. */
export interface ByteSource {
  /** Display name: the path as given, or the name that came with the bytes or the stream. */
  readonly name: string;
  /** The file on disk when the bytes are one (libraries that open by path use it), else undefined. */
  readonly path: string | undefined;
  /** Total size in bytes. */
  readonly size: number;
  /** All bytes, when the source holds them in memory (no copy); undefined for files. */
  readonly bytes: Uint8Array | undefined;
  /**
   * `length` bytes at `offset`: a view (memory) or a fresh copy (file). `format` labels the
   * FormatError thrown when the range lies outside the source (default `source`).
   */
  read(offset: number, length: number, format?: string): Uint8Array;
  /** Copy `length` bytes at `offset` into `into` (from `into[0]`). */
  readInto(offset: number, length: number, into: Uint8Array, format?: string): void;
  /** Release the file descriptor (idempotent; a memory source has nothing to release). */
  close(): void;
}

/** Bytes in memory with the name to show in messages (`upload.dm4`). */
export interface BytesInput {
  bytes: Uint8Array;
  name: string;
}

/** Anything that yields the bytes of a file in order. */
export type ByteStream = Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** A stream with the name to show in messages and, where known, its size (`Content-Length`). */
export interface StreamInput {
  stream: ByteStream;
  name: string;
  /** The size the sender declared: a stream that ends short of it is truncated. */
  size?: number;
}

/** What a caller can hand to a reader. */
export type SourceInput = string | ByteSource | BytesInput | StreamInput;

export interface SourceOptions {
  /** Most bytes read from a stream into memory (default 1 GiB); more is a ValidationError. */
  maxBytes?: number;
}

function outside(
  name: string,
  format: string,
  offset: number,
  length: number,
  size: number,
): FormatError {
  return new FormatError(format, 'read past the end of the data', {
    file: name,
    offset,
    expected: `${length} bytes`,
    found: `${Math.max(0, size - Math.max(0, offset))} bytes left of ${size}`,
  });
}

function checkRange(s: ByteSource, offset: number, length: number, format: string): void {
  const ok =
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= s.size;
  if (!ok) throw outside(s.name, format, offset, length, s.size);
}

/** Bytes held in memory. */
export class MemorySource implements ByteSource {
  readonly size: number;
  readonly path = undefined;
  constructor(
    readonly bytes: Uint8Array,
    readonly name: string,
  ) {
    this.size = bytes.length;
  }
  read(offset: number, length: number, format = SOURCE_FORMAT): Uint8Array {
    checkRange(this, offset, length, format);
    return this.bytes.subarray(offset, offset + length);
  }
  readInto(offset: number, length: number, into: Uint8Array, format = SOURCE_FORMAT): void {
    into.set(this.read(offset, length, format));
  }
  close(): void {}
}

/** A file on disk, read by offset through one descriptor; nothing is loaded until asked for. */
export class FileSource implements ByteSource {
  readonly size: number;
  readonly bytes = undefined;
  private fd: number | undefined;

  /** Open `path`; a missing or unreadable file is a NotFoundError. */
  constructor(
    readonly path: string,
    readonly name: string = path,
  ) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new NotFoundError(`cannot open ${path}: ${systemReason(err)}`, { cause: err });
    }
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new NotFoundError(`cannot open ${path}: it is a directory`);
      this.size = st.size;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
  }

  readInto(offset: number, length: number, into: Uint8Array, format = SOURCE_FORMAT): void {
    if (this.fd === undefined) {
      throw new ValidationError(`${this.name} is closed`, 'file');
    }
    checkRange(this, offset, length, format);
    if (into.length < length) {
      throw new ValidationError(`buffer of ${into.length} bytes for ${length}`, 'into');
    }
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        n = readSync(this.fd, into, done, Math.min(length - done, READ_CHUNK), offset + done);
      } catch (err) {
        throw new BraggError('IO', `cannot read ${this.name}: ${systemReason(err)}`, {
          cause: err,
        });
      }
      // the file shrank since it was opened
      if (n <= 0) throw outside(this.name, format, offset + done, length - done, offset + done);
      done += n;
    }
  }

  read(offset: number, length: number, format = SOURCE_FORMAT): Uint8Array {
    checkRange(this, offset, length, format);
    const out = allocate(length, this.name);
    this.readInto(offset, length, out, format);
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A buffer of `n` bytes, or UnsupportedError naming the source when it cannot be had. */
function allocate(n: number, name: string): Uint8Array {
  try {
    return new Uint8Array(n);
  } catch (err) {
    throw new UnsupportedError(`${name}: cannot hold ${n} bytes in memory`, { cause: err });
  }
}

function isByteSource(x: object): x is ByteSource {
  return 'read' in x && 'readInto' in x && 'size' in x && typeof x.read === 'function';
}

/** The display name of an input, before it is opened. */
export function inputName(input: SourceInput): string {
  return typeof input === 'string' ? input : input.name;
}

/** A ByteSource for a path, bytes or a stream; a ByteSource is returned as it is. */
export async function openSource(
  input: SourceInput,
  options: SourceOptions = {},
): Promise<ByteSource> {
  if (typeof input === 'string') return new FileSource(input);
  if (isByteSource(input)) return input;
  if ('bytes' in input) {
    if (!(input.bytes instanceof Uint8Array)) {
      throw new ValidationError(`${input.name}: bytes must be a Uint8Array`, 'bytes');
    }
    return new MemorySource(input.bytes, input.name);
  }
  return new MemorySource(await readStream(input, options.maxBytes), input.name);
}

function asyncChunks(stream: ByteStream): AsyncIterable<unknown> {
  if (Symbol.asyncIterator in stream) return stream as AsyncIterable<unknown>;
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

function tooLarge(name: string, max: number, what: string): ValidationError {
  return new ValidationError(
    `${name}: ${what}, more than the ${max} bytes a stream may be read into memory; ` +
      'raise the limit or give the file by path',
    'maxBytes',
  );
}

/**
 * Every byte of a stream, at most `maxBytes` (default 1 GiB): chunks are kept until the end and
 * copied once into a buffer of the exact size, so no more than the stream holds (and never more
 * than the limit) is allocated. A stream that ends short of its declared size is a FormatError.
 */
export async function readStream(
  input: StreamInput,
  maxBytes = DEFAULT_MAX_STREAM_BYTES,
): Promise<Uint8Array> {
  const { name, size } = input;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new ValidationError(`must be a whole number of bytes ≥ 0, got ${maxBytes}`, 'maxBytes');
  }
  if (size !== undefined) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ValidationError(`${name}: must be a whole number of bytes ≥ 0, got ${size}`, 'size'); // prettier-ignore
    }
    if (size > maxBytes) throw tooLarge(name, maxBytes, `the stream declares ${size} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const c of asyncChunks(input.stream)) {
      const chunk =
        c instanceof Uint8Array
          ? c
          : typeof c === 'string'
            ? new TextEncoder().encode(c)
            : undefined;
      if (chunk === undefined) {
        throw new ValidationError(`${name}: a stream chunk is not bytes (${typeof c})`, 'stream');
      }
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(name, maxBytes, `the stream holds ${total}+ bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    destroy(input.stream);
    if (err instanceof BraggError) throw err;
    throw new FormatError(SOURCE_FORMAT, 'the stream failed', {
      file: name,
      offset: total,
      expected: 'the whole file',
      found: `an error after ${total} bytes: ${(err as Error).message}`,
      cause: err,
    });
  }
  if (size !== undefined && total !== size) {
    throw new FormatError(
      SOURCE_FORMAT,
      total < size ? 'truncated stream' : 'stream longer than declared',
      {
        // prettier-ignore
        file: name,
        offset: Math.min(total, size),
        expected: `${size} bytes`,
        found: `${total} bytes`,
      },
    );
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = allocate(total, name);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function destroy(stream: ByteStream): void {
  const s = stream as { destroy?: () => void };
  if (typeof s.destroy === 'function') s.destroy();
}

/** Every byte of a source (the memory itself, or one read of the whole file). */
export function readAll(source: ByteSource, format = SOURCE_FORMAT): Uint8Array {
  return source.bytes ?? source.read(0, source.size, format);
}

/** The first `n` bytes (fewer when the source is shorter), for magic-number checks. */
export function readHead(source: ByteSource, n = 512): Uint8Array {
  return source.read(0, Math.min(n, source.size));
}

/** The source as UTF-8 text. */
export function readText(source: ByteSource, format = SOURCE_FORMAT): string {
  return new TextDecoder('utf-8').decode(readAll(source, format));
}

/**
 * A bounds-checked ByteReader over `length` bytes at `offset`, whose errors report offsets in
 * the source and name it: readers parse a window of a file as if it were the whole.
 */
export function readerAt(
  source: ByteSource,
  offset: number,
  length: number,
  format: string,
): ByteReader {
  return new ByteReader(source.read(offset, length, format), format, source.name, offset);
}

/**
 * Run `use` on the source of `input` and close it afterwards (when the reader reads everything
 * at open: PNG, TIFF, CSV, CIF, NPZ).
 */
export async function withSource<T>(
  input: SourceInput,
  use: (s: ByteSource) => T | Promise<T>,
  options?: SourceOptions,
): Promise<T> {
  const s = await openSource(input, options);
  try {
    return await use(s);
  } finally {
    s.close();
  }
}
