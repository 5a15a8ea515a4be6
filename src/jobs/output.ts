/**
 * Idempotent shard outputs. A shard is written under a temporary name in the same directory,
 * flushed, and then published atomically with `link(tmp, final)`, which fails if the final
 * name exists: the first complete delivery wins, a second delivery of the same shard (a
 * stalled job redone, a duplicate message) leaves exactly one file, and a reader never sees
 * a partial file. Where hard links are not supported (some network file systems) it falls
 * back to `rename`, which is also atomic and, since shard contents are a function of the
 * config, replaces a file by an identical one.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

const TMP_MARK = '.tmp-';

export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Size [bytes] of the regular file at `path`, or undefined when there is none. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

/** sha256 (hex) of a file, streamed in 1 MiB reads: memory stays bounded whatever its size. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

/** What the writer of a file recorded about it: enough to tell a damaged copy. */
export interface RecordedFile {
  /** sha256 of the file as published (hex). */
  sha256: string;
  /** Its size [bytes], where recorded (checked first: a truncated file needs no hashing). */
  bytes?: number | undefined;
}

export type FileCheck =
  | { ok: true; sha256: string; bytes: number }
  | { ok: false; bytes: number; sha256: string | undefined; reason: string };

/**
 * Compare the file at `path` (which must exist, `bytes` long) with what its writer recorded:
 * the size first, then the sha256 (streamed). Without a record the file is accepted as it is.
 */
export async function checkFile(
  path: string,
  bytes: number,
  recorded: RecordedFile | undefined,
): Promise<FileCheck> {
  if (recorded?.bytes !== undefined && recorded.bytes !== bytes) {
    return {
      ok: false,
      bytes,
      sha256: undefined,
      reason: `${bytes} bytes where ${recorded.bytes} were written`,
    };
  }
  const sha256 = await sha256File(path);
  if (recorded && recorded.sha256 !== sha256) {
    return {
      ok: false,
      bytes,
      sha256,
      reason: `sha256 ${sha256.slice(0, 12)}… where ${recorded.sha256.slice(0, 12)}… was written`,
    };
  }
  return { ok: true, sha256, bytes };
}

/**
 * Move a damaged file aside, next to where it was, as `<name>.damaged` (`.damaged-2`, … when
 * that exists): kept for inspection, out of the way of a rewrite. Returns the new path.
 */
export async function moveAside(path: string): Promise<string> {
  for (let i = 1; ; i++) {
    const to = `${path}.damaged${i === 1 ? '' : `-${i}`}`;
    if (await fileExists(to)) continue;
    await rename(path, to);
    return to;
  }
}

/** A temporary name next to `finalPath`, unique per host, process and thread. */
export function tempNameFor(finalPath: string): string {
  const rnd = Math.floor(Math.random() * 0xffffffff).toString(16);
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
  return join(
    dirname(finalPath),
    `${basename(finalPath)}${TMP_MARK}${host}-${process.pid}-${threadId}-${rnd}`,
  );
}

/**
 * Write `finalPath` through `write(tmpPath)` unless it exists. Resolves to whether this call
 * published the file (false: it was there already, or another delivery published it first).
 */
export async function publishAtomically(
  finalPath: string,
  write: (tmpPath: string) => Promise<void>,
): Promise<boolean> {
  if (await fileExists(finalPath)) return false;
  await mkdir(dirname(finalPath), { recursive: true });
  const tmp = tempNameFor(finalPath);
  try {
    await write(tmp);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(tmp, finalPath);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        await rename(tmp, finalPath);
        return true;
      }
      throw err;
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Remove leftover temporary files (from killed writers) in `dir`; returns how many. */
export async function removeStaleTemps(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    if (name.includes(TMP_MARK)) {
      await unlink(join(dir, name)).catch(() => undefined);
      n++;
    }
  }
  return n;
}
