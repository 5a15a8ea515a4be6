/**
 * Formats registered as data. `openAny` picks a reader by magic bytes first, then by the
 * extension of the source's name, and opens a path, bytes or a stream (src/core/source.ts).
 * To add a format: implement `FormatReader` (and `FormatWriter`) in `src/formats/<format>/`
 * and add it to the lists below (see CONTRIBUTING.md, "Adding a file format"). Layers above
 * formats that interpret a format further (crystal reads CIF blocks as structures) build their
 * own list with `createFormatRegistry`.
 */
import { extname } from 'node:path';
import { UnsupportedError } from '../core/errors.js';
import { openSource, readHead } from '../core/source.js';
import type { ByteSource, BytesInput, SourceInput, SourceOptions } from '../core/source.js';
import type { FormatReader, FormatWriter, OpenedFile } from './types.js';
import { hdf5Reader, hdf5Writer } from './hdf5/index.js';
import { dmReader } from './dm/reader.js';
import { npyReader, npyWriter, npzReader, npzWriter } from './npy/reader.js';
import { pngReader, pngWriter, tiffReader, tiffWriter } from './image/formats.js';
import { csvReader } from './table/reader.js';
import { cifReader } from './cif/reader.js';
import { tfrecordReader, tfrecordWriter } from './tfrecord/index.js';

export const READERS: readonly FormatReader[] = [
  dmReader,
  npyReader,
  npzReader,
  pngReader,
  tiffReader,
  csvReader,
  hdf5Reader,
  cifReader,
  tfrecordReader,
];

export const WRITERS: readonly FormatWriter[] = [
  npyWriter,
  npzWriter,
  pngWriter,
  tiffWriter,
  hdf5Writer,
  tfrecordWriter,
];

function ext(path: string): string {
  const name = path.toLowerCase();
  if (name.endsWith('.tar.gz')) return 'tar.gz';
  return extname(name).slice(1);
}

/** The readers, writers and the look-ups over them. */
export interface FormatRegistry {
  readonly readers: readonly FormatReader[];
  readonly writers: readonly FormatWriter[];
  /** The reader for a path or source: by magic bytes, else by the extension of its name. */
  readerFor(input: string | ByteSource | BytesInput): Promise<FormatReader>;
  /** Open any supported path, bytes or stream; the opened file owns (and closes) the source. */
  open(input: SourceInput, options?: SourceOptions): Promise<OpenedFile>;
  /** The writer for an output path, by extension. */
  writerFor(path: string): FormatWriter;
}

function pick(readers: readonly FormatReader[], source: ByteSource): FormatReader {
  const head = readHead(source);
  const bySniff = readers.find((r) => r.sniff(head));
  if (bySniff) return bySniff;
  const e = ext(source.name);
  const byExt = readers.find((r) => r.extensions.includes(e));
  if (byExt) return byExt;
  throw new UnsupportedError(
    `${source.name}: unknown file format (extension '.${e}'); supported: ${readers
      .flatMap((r) => r.extensions)
      .map((x) => '.' + x)
      .join(', ')}`,
  );
}

/** A registry over `readers` and `writers` (earlier readers win a sniff). */
export function createFormatRegistry(
  readers: readonly FormatReader[],
  writers: readonly FormatWriter[] = WRITERS,
): FormatRegistry {
  return {
    readers,
    writers,
    async readerFor(input) {
      const source = await openSource(input);
      try {
        return pick(readers, source);
      } finally {
        // a path is opened here for the sniff only; a caller's source stays open for `open`
        if (typeof input === 'string') source.close();
      }
    },
    async open(input, options) {
      const source = await openSource(input, options);
      let reader: FormatReader;
      try {
        reader = pick(readers, source);
      } catch (err) {
        source.close();
        throw err;
      }
      return reader.open(source, options);
    },
    writerFor(path) {
      const e = ext(path);
      const w = writers.find((x) => x.extensions.includes(e));
      if (!w) {
        throw new UnsupportedError(
          `cannot write '.${e}' files; writable: ${writers
            .flatMap((x) => x.extensions)
            .map((x) => '.' + x)
            .join(', ')}`,
        );
      }
      return w;
    },
  };
}

/** The built-in formats. */
export const formats: FormatRegistry = createFormatRegistry(READERS, WRITERS);

/** The reader for a path or source: by magic bytes, else by extension. */
export function readerFor(input: string | ByteSource | BytesInput): Promise<FormatReader> {
  return formats.readerFor(input);
}

/** Open any supported file: a path, bytes (`{ bytes, name }`) or a stream (`{ stream, name }`). */
export function openAny(input: SourceInput, options?: SourceOptions): Promise<OpenedFile> {
  return formats.open(input, options);
}

/** The writer for an output path, by extension. */
export function writerFor(path: string): FormatWriter {
  return formats.writerFor(path);
}
