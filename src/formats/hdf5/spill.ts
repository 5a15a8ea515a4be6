/**
 * Bytes that are not a file on disk (an upload, a stream) written to a private temporary file
 * for the HDF5 library, which opens files by name: h5wasm's Node build reads the real file
 * system and has no open-from-memory call. The file lives in its own `bragg-h5-*` folder
 * (mode 0600) and is removed when the opened file closes, or when the process exits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BraggError } from '../../core/errors.js';
import { readAll } from '../../core/source.js';
import type { ByteSource } from '../../core/source.js';

/** A file the HDF5 worker can open, and how to remove it when done (idempotent). */
export interface LocalFile {
  path: string;
  remove(): void;
}

/** Temporary folders still to be removed at exit. */
const pending = new Set<string>();
let exitHook = false;

function removeAll(): void {
  for (const dir of pending) rmSync(dir, { recursive: true, force: true });
  pending.clear();
}

/** A file name from a display name: its last part, with only safe characters. */
function safeName(name: string): string {
  const base = basename(name)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '');
  return base === '' ? 'data.h5' : base.slice(-100);
}

/** Write the bytes of `source` to a fresh temporary file. */
export function spill(source: ByteSource): LocalFile {
  const bytes = readAll(source, 'HDF5');
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'bragg-h5-'));
  } catch (err) {
    throw new BraggError('IO', `cannot create a temporary folder for ${source.name}: ${(err as Error).message}`, { cause: err }); // prettier-ignore
  }
  if (!exitHook) {
    process.once('exit', removeAll);
    exitHook = true;
  }
  pending.add(dir);
  const remove = (): void => {
    if (!pending.delete(dir)) return;
    rmSync(dir, { recursive: true, force: true });
  };
  const path = join(dir, safeName(source.name));
  try {
    writeFileSync(path, bytes, { mode: 0o600 });
  } catch (err) {
    remove();
    throw new BraggError('IO', `cannot write ${source.name} to ${path}: ${(err as Error).message}`, { cause: err }); // prettier-ignore
  }
  return { path, remove };
}
