/**
 * Checkpoints published atomically, read back verified.
 *
 * A checkpoint is one folder of files written together (the trainer's `model.json`,
 * `weights.bin`, `optimizer.json`, `optimizer.bin`, `trainer.json`) plus `manifest.json`, the
 * sha256 and size of every other file. Its layout under the checkpoint directory:
 *
 * ```
 * <root>/ckpt-000003-1a2b3c4d/   a complete checkpoint (after epoch 3), never modified again
 * <root>/last -> ckpt-000003-…   pointers: relative symbolic links
 * <root>/best -> ckpt-000002-…
 * <root>/.ckpt-tmp-…             being written (or left by a killed run: removed on the next write)
 * ```
 *
 * **Publishing** ({@link publishCheckpoint}) writes every file of a new folder under a
 * temporary name (each fsync'd, the manifest last), renames the folder into place, then switches
 * each pointer by renaming a new link over it (`rename(2)` replaces a link atomically), and
 * removes temporaries and folders no pointer names. A process killed at any instant leaves each
 * pointer at the old complete checkpoint or the new one, never at a mixture.
 *
 * **Reading** ({@link readCheckpoint}) follows a pointer and checks that the manifest lists
 * every required file and that every listed file is there with its size and sha256: anything
 * else is a FormatError naming the file. The bytes returned are the bytes checked.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BraggError, FormatError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';

export const CHECKPOINT_FORMAT = 'bragg-checkpoint/1';
export const CHECKPOINT_MANIFEST = 'manifest.json';
const FOLDER = /^ckpt-\d{6,}-[0-9a-f]{8}$/;
const TEMP_PREFIX = '.ckpt-tmp-';
const FORMAT = 'bragg checkpoint';

/** A plain file name (no folders), as manifests list them. */
export const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name');
/** `{sha256, size}` of one file. */
export const fileChecksumSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
  size: z.number().int().nonnegative(),
});
const manifestSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  files: z.record(fileName, fileChecksumSchema),
});

/** The files of one checkpoint, by name (plain file names, no folders). */
export type CheckpointFiles = Record<string, Uint8Array>;

/** A checkpoint read back: every file verified against its manifest. */
export interface VerifiedCheckpoint {
  /** The pointer followed, e.g. `<root>/last`. */
  pointer: string;
  /** The folder it names. */
  dir: string;
  /** Every file the manifest lists, as verified. */
  files: ReadonlyMap<string, Buffer>;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function ioError(what: string, path: string, err: unknown): BraggError {
  return new BraggError('IO', `cannot ${what} ${path}: ${(err as Error).message}`, { cause: err });
}

async function writeDurable(path: string, data: Uint8Array): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory, so that the names created or renamed in it survive a crash. */
async function syncDir(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return; // a platform that cannot open directories: nothing to sync
  }
  try {
    await fh.sync();
  } catch (err) {
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes(errno(err) ?? '')) throw err;
  } finally {
    await fh.close();
  }
}

/** Points `<root>/<name>` at `target` (a folder name in root) in one rename. */
async function switchPointer(root: string, name: string, target: string): Promise<void> {
  const tmp = join(root, `${TEMP_PREFIX}link-${name}-${randomBytes(4).toString('hex')}`);
  await symlink(target, tmp);
  const path = join(root, name);
  // A checkpoint folder from before pointers (a real `last/`): replaced once, not atomically.
  const old = await lstat(path).catch(() => undefined);
  if (old?.isDirectory() === true) await rm(path, { recursive: true, force: true });
  await rename(tmp, path);
}

/**
 * Removes what a publication leaves behind: temporaries (of a run that was killed) and
 * checkpoint folders that no pointer names. Other entries of `root` are left alone.
 */
export async function cleanCheckpointDir(root: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    throw ioError('list', root, err);
  }
  const referenced = new Set<string>();
  for (const e of entries) {
    if (e.isSymbolicLink() && !e.name.startsWith(TEMP_PREFIX)) {
      referenced.add(await readlink(join(root, e.name)).catch(() => ''));
    }
  }
  for (const e of entries) {
    const stale =
      e.name.startsWith(TEMP_PREFIX) || (FOLDER.test(e.name) && !referenced.has(e.name));
    if (stale) await rm(join(root, e.name), { recursive: true, force: true });
  }
}

/**
 * Publishes `files` as the checkpoint after epoch `epoch`: a new folder under `root`, complete
 * with its manifest before any pointer names it; then every name of `pointers` (`last`, `best`)
 * points at it. Returns the folder.
 */
export async function publishCheckpoint(
  root: string,
  epoch: number,
  files: CheckpointFiles,
  pointers: readonly string[],
): Promise<string> {
  const name = `ckpt-${String(epoch).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
  const tmp = join(root, `${TEMP_PREFIX}${name}`);
  const dir = join(root, name);
  try {
    await mkdir(tmp, { recursive: true });
    const manifest: z.infer<typeof manifestSchema> = { format: CHECKPOINT_FORMAT, files: {} };
    for (const [file, data] of Object.entries(files)) {
      if (!fileName.safeParse(file).success || file === CHECKPOINT_MANIFEST) {
        throw new BraggError('INTERNAL', `not a checkpoint file name: '${file}'`);
      }
      await writeDurable(join(tmp, file), data);
      manifest.files[file] = checksumOf(data);
    }
    const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await writeDurable(join(tmp, CHECKPOINT_MANIFEST), json);
    await syncDir(tmp);
    await rename(tmp, dir);
    await syncDir(root);
    for (const p of pointers) await switchPointer(root, p, name);
    await syncDir(root);
    await cleanCheckpointDir(root);
  } catch (err) {
    if (err instanceof BraggError) throw err;
    throw ioError('write the checkpoint', dir, err);
  }
  return dir;
}

/** The sha256 (hex) and size in bytes a manifest records for one file. */
export interface FileChecksum {
  sha256: string;
  size: number;
}

/** sha256 and size of `data`, as a manifest records them. */
export function checksumOf(data: Uint8Array): FileChecksum {
  return { sha256: sha256Hex(data), size: data.byteLength };
}

/** The bytes of `file`, listed in `recordedIn`: a missing file is a FormatError of `format`. */
export async function readListedFile(
  file: string,
  format: string,
  recordedIn: string,
): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw ioError('read', file, err);
    throw new FormatError(format, 'a file is missing', {
      file,
      expected: `the file ${recordedIn} lists`,
    });
  }
}

/**
 * Checks the bytes `data` of `file` against the checksum `want` that `recordedIn` (a file name,
 * for the message) holds: another size or another sha256 is a FormatError of `format` naming
 * `file`.
 */
export function verifyChecksum(
  file: string,
  data: Uint8Array,
  want: FileChecksum,
  format: string,
  recordedIn: string,
): void {
  if (data.byteLength !== want.size) {
    throw new FormatError(format, 'a file has the wrong size: truncated or replaced', {
      file,
      expected: `${want.size} bytes (${recordedIn})`,
      found: `${data.byteLength} bytes`,
    });
  }
  const sha = sha256Hex(data);
  if (sha !== want.sha256) {
    throw new FormatError(format, 'a file does not match its sha256: damaged or replaced', {
      file,
      expected: `sha256 ${want.sha256} (${recordedIn})`,
      found: sha,
    });
  }
}

/** {@link readListedFile}, then {@link verifyChecksum}. */
export async function readVerifiedFile(
  file: string,
  want: FileChecksum,
  format: string,
  recordedIn: string,
): Promise<Buffer> {
  const data = await readListedFile(file, format, recordedIn);
  verifyChecksum(file, data, want, format, recordedIn);
  return data;
}

/**
 * Reads the checkpoint `<root>/<pointer>` and verifies it; `undefined` when there is no such
 * pointer. `required` names the files the caller needs: each must be listed in the manifest.
 */
export async function readCheckpoint(
  root: string,
  pointer: string,
  required: readonly string[],
): Promise<VerifiedCheckpoint | undefined> {
  const link = join(root, pointer);
  if ((await lstat(link).catch(() => undefined)) === undefined) return undefined;
  let dir: string;
  try {
    dir = await realpath(link);
  } catch (err) {
    const target = await readlink(link).catch(() => '?');
    throw new FormatError(FORMAT, 'the checkpoint pointer names a folder that does not exist', {
      file: link,
      found: target,
      cause: err,
    });
  }
  if (!(await stat(dir)).isDirectory()) {
    throw new FormatError(FORMAT, 'not a checkpoint folder', { file: link, found: 'a file' });
  }
  const manifestFile = join(dir, CHECKPOINT_MANIFEST);
  let text: string;
  try {
    text = await readFile(manifestFile, 'utf8');
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw ioError('read', manifestFile, err);
    throw new FormatError(FORMAT, 'the checkpoint is incomplete or from an older bragg', {
      file: manifestFile,
      expected: `a ${CHECKPOINT_MANIFEST} with the checksum of every file`,
      found: 'none',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FormatError(FORMAT, `${CHECKPOINT_MANIFEST} is not JSON`, {
      file: manifestFile,
      cause: err,
    });
  }
  const r = manifestSchema.safeParse(parsed);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new FormatError(FORMAT, `${CHECKPOINT_MANIFEST} does not describe a checkpoint`, {
      file: manifestFile,
      path: issue.path.join('.') || '(root)',
      expected: issue.message,
    });
  }
  for (const name of required) {
    if (r.data.files[name] === undefined) {
      throw new FormatError(FORMAT, `${CHECKPOINT_MANIFEST} does not list ${name}`, {
        file: manifestFile,
        path: `files.${name}`,
      });
    }
  }
  const files = new Map<string, Buffer>();
  for (const [name, want] of Object.entries(r.data.files)) {
    files.set(name, await readVerifiedFile(join(dir, name), want, FORMAT, CHECKPOINT_MANIFEST));
  }
  return { pointer: link, dir, files };
}
