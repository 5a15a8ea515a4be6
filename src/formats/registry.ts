/**
 * Formats registered as data. `openAny` picks a reader by magic bytes first, then by extension.
 * To add a format: implement `FormatReader` (and `FormatWriter`) in `src/formats/<format>/`
 * and add it to the lists below (see CONTRIBUTING.md, "Adding a file format").
 */
import { open as fsOpen } from 'node:fs/promises';
import { extname } from 'node:path';
import { NotFoundError, UnsupportedError } from '../core/errors.js';
import type { FormatReader, FormatWriter, OpenedFile } from './types.js';
import { hdf5Reader, hdf5Writer } from './hdf5/index.js';
import { dmReader } from './dm/reader.js';
import { npyReader, npyWriter, npzReader, npzWriter } from './npy/reader.js';
import { pngReader, pngWriter, tiffReader, tiffWriter } from './image/formats.js';
import { csvReader } from './table/reader.js';
import { cifReader } from './cif/reader.js';

export const READERS: readonly FormatReader[] = [
  dmReader,
  npyReader,
  npzReader,
  pngReader,
  tiffReader,
  csvReader,
  hdf5Reader,
  cifReader,
];

export const WRITERS: readonly FormatWriter[] = [
  npyWriter,
  npzWriter,
  pngWriter,
  tiffWriter,
  hdf5Writer,
];

function ext(path: string): string {
  const name = path.toLowerCase();
  if (name.endsWith('.tar.gz')) return 'tar.gz';
  return extname(name).slice(1);
}

async function readHead(path: string, n = 512): Promise<Uint8Array> {
  let fh;
  try {
    fh = await fsOpen(path, 'r');
  } catch (err) {
    throw new NotFoundError(`cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The reader for a file: by magic bytes, else by extension. */
export async function readerFor(path: string): Promise<FormatReader> {
  const head = await readHead(path);
  const bySniff = READERS.find((r) => r.sniff(head));
  if (bySniff) return bySniff;
  const e = ext(path);
  const byExt = READERS.find((r) => r.extensions.includes(e));
  if (byExt) return byExt;
  throw new UnsupportedError(
    `${path}: unknown file format (extension '.${e}'); supported: ${READERS.flatMap(
      (r) => r.extensions,
    )
      .map((x) => '.' + x)
      .join(', ')}`,
  );
}

/** Open any supported file. */
export async function openAny(path: string): Promise<OpenedFile> {
  return (await readerFor(path)).open(path);
}

/** The writer for an output path, by extension. */
export function writerFor(path: string): FormatWriter {
  const e = ext(path);
  const w = WRITERS.find((x) => x.extensions.includes(e));
  if (!w) {
    throw new UnsupportedError(
      `cannot write '.${e}' files; writable: ${WRITERS.flatMap((x) => x.extensions)
        .map((x) => '.' + x)
        .join(', ')}`,
    );
  }
  return w;
}
