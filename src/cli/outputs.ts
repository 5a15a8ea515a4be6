/**
 * Outputs checked before a command does its work: a simulation that runs for minutes and then
 * cannot write its file (a missing folder, a folder where the file should be, a read-only file
 * system) loses the work. The check creates and removes a probe file where the output will go,
 * so it finds what permission bits do not say (root on a read-only mount). Errors are
 * `ValidationError`s of the output's field (the CLI shows the flag) naming the path.
 */
import { open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ValidationError } from '../core/errors.js';

/** Stat of `path`, or undefined when it does not exist. */
async function statOf(path: string): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Throws unless a file can be created in the existing folder `dir`. */
async function probeWritable(dir: string, output: string, field: string): Promise<void> {
  const probe = join(dir, `.bragg-write-probe-${process.pid}-${Date.now()}`);
  try {
    const fh = await open(probe, 'wx');
    await fh.close();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'read-only file system'
          : code === 'ENOSPC'
            ? 'no space left on the device'
            : code;
    throw new ValidationError(`cannot write ${output}: ${why} in ${dir} (${code})`, field);
  }
  await rm(probe, { force: true });
}

/** The nearest existing ancestor of `path` (itself included) and whether it is a folder. */
async function nearestExisting(path: string): Promise<{ path: string; isDir: boolean }> {
  let p = resolve(path);
  for (;;) {
    const st = await statOf(p);
    if (st !== undefined) return { path: p, isDir: st.isDirectory() };
    const up = dirname(p);
    if (up === p) return { path: p, isDir: true };
    p = up;
  }
}

/**
 * Checks that the file `output` can be written: not a folder, in an existing folder that
 * accepts new files. `field` names it in errors (default `output`).
 */
export async function checkOutputFile(output: string, field = 'output'): Promise<void> {
  const st = await statOf(output);
  if (st?.isDirectory()) {
    throw new ValidationError(`cannot write ${output}: it is a folder`, field);
  }
  const dir = dirname(resolve(output));
  const parent = await statOf(dir);
  if (parent === undefined) {
    const near = await nearestExisting(dir);
    throw new ValidationError(
      near.isDir
        ? `cannot write ${output}: the folder ${dir} does not exist`
        : `cannot write ${output}: ${near.path} is a file, not a folder`,
      field,
    );
  }
  if (!parent.isDirectory()) {
    throw new ValidationError(`cannot write ${output}: ${dir} is a file, not a folder`, field);
  }
  await probeWritable(dir, output, field);
}

/**
 * Checks that the folder `output` can be used (created where missing): not a file, under an
 * existing ancestor that is a folder and accepts new entries.
 */
export async function checkOutputDir(output: string, field = 'output'): Promise<void> {
  const near = await nearestExisting(output);
  if (!near.isDir) {
    throw new ValidationError(
      near.path === resolve(output)
        ? `cannot use ${output} as the output folder: it is a file`
        : `cannot create ${output}: ${near.path} is a file, not a folder`,
      field,
    );
  }
  await probeWritable(near.path, output, field);
}
