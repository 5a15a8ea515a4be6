/**
 * Whole-file reads without Node's 2 GiB `readFile` limit: the buffer is sized by the file
 * itself (so it never exceeds what the file holds) and filled in chunks. Open failures become
 * NotFoundError, read failures BraggError with the cause.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { BraggError, NotFoundError } from './errors.js';
import { systemReason } from './system-errors.js';

/** Open a file for reading, turning a missing/unreadable file into NotFoundError. */
export async function openForRead(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw new NotFoundError(`cannot open ${path}: ${systemReason(err)}`, { cause: err });
  }
}

/** All bytes of a file (a folder is refused, naming it). */
export async function readWholeFile(path: string): Promise<Uint8Array> {
  const fh = await openForRead(path);
  try {
    const st = await fh.stat();
    if (st.isDirectory())
      throw new BraggError('IO', `cannot read ${path}: it is a folder, not a file`);
    const { size } = st;
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(out, at, Math.min(size - at, 1 << 28), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? out : out.subarray(0, at);
  } catch (err) {
    if (err instanceof BraggError) throw err;
    throw new BraggError('IO', `cannot read ${path}: ${systemReason(err)}`, { cause: err });
  } finally {
    await fh.close();
  }
}

/** A whole text file as UTF-8 (errors as `readWholeFile`'s, naming the file). */
export async function readTextFile(path: string): Promise<string> {
  return new TextDecoder().decode(await readWholeFile(path));
}
