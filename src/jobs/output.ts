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

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
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
