/**
 * Safe file resolution for requests: a `FileRef` (root id + relative path) becomes an absolute
 * path on this machine only when it stays inside its root. The path is decoded once (a client
 * that percent-encodes twice gets the once-decoded text checked), normalised to NFC, and refused
 * when it holds `..` or `.` segments, an absolute or drive prefix, `~`, backslashes, NUL or other
 * control characters, still-encoded bytes, or characters that fold to `.`, `/` or `\` (fullwidth
 * `．／＼`, one-dot leaders, division slashes: anything whose NFKC form adds such a character).
 * Then the real path (symlinks followed) must lie inside the real root: a symlink that leaves
 * the root is refused like `..`.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { NotFoundError, ValidationError } from '../core/errors.js';

/** Longest path a request may name (characters). */
export const MAX_PATH_LENGTH = 4096;

/** One served folder: `data0`, `data1`, … (the `--data` roots). */
export interface DataRoot {
  readonly id: string;
  /** The folder's base name, for people. */
  readonly label: string;
  /** The folder as given. */
  readonly dir: string;
  /** Its real path (symlinks followed), what resolved paths are checked against. */
  readonly real: string;
}

/** Opens the roots: each must be an existing folder. */
export async function openRoots(dirs: readonly string[]): Promise<DataRoot[]> {
  const out: DataRoot[] = [];
  for (const [i, dir] of dirs.entries()) {
    let real: string;
    try {
      real = await realpath(dir);
      if (!(await stat(real)).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new ValidationError(`data root ${dir} is not an existing folder`, `data[${i}]`);
    }
    const label =
      real
        .split(sep)
        .filter((s) => s !== '')
        .at(-1) ?? real;
    out.push({ id: `data${i}`, label, dir, real });
  }
  return out;
}

const LOOKALIKE = /[．／＼\u2024\u2025\u2026\u2215\u2044\u29f5\u29f8\u29f9\ufe52\ufe68\uff61]/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/**
 * The segments of a request path, checked (see the module comment). `""` (and `"/"`-free
 * trailing slashes) are allowed: `""` is the root itself. Throws `ValidationError(field)`.
 */
export function pathSegments(raw: unknown, field = 'path'): string[] {
  if (typeof raw !== 'string') throw new ValidationError('must be a string', field);
  if (raw.length > MAX_PATH_LENGTH) {
    throw new ValidationError(`is longer than ${MAX_PATH_LENGTH} characters`, field);
  }
  let text = raw;
  if (/%[0-9a-fA-F]{2}/.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      throw new ValidationError('holds a malformed percent-encoding', field);
    }
    if (/%[0-9a-fA-F]{2}/.test(text)) {
      throw new ValidationError('is percent-encoded more than once', field);
    }
  }
  text = text.normalize('NFC');
  if (CONTROL.test(text)) throw new ValidationError('holds a control character or NUL', field);
  if (text.includes('\\')) throw new ValidationError('holds a backslash; use /', field);
  if (LOOKALIKE.test(text)) {
    throw new ValidationError('holds a character that looks like a dot or a slash', field);
  }
  const folded = text.normalize('NFKC');
  if (count(folded, /[./\\]/g) !== count(text, /[./\\]/g)) {
    throw new ValidationError('holds a character that folds to a dot or a slash', field);
  }
  if (text.startsWith('/')) throw new ValidationError('must be relative to its root', field);
  if (/^[A-Za-z]:/.test(text)) throw new ValidationError('must not name a drive', field);
  if (text.startsWith('~')) throw new ValidationError('must not start with ~', field);
  const body = text.endsWith('/') ? text.slice(0, -1) : text;
  if (body === '') {
    if (text !== '') throw new ValidationError('must be relative to its root', field);
    return [];
  }
  const segments = body.split('/');
  for (const s of segments) {
    if (s === '') throw new ValidationError('holds an empty segment (//)', field);
    if (s === '.' || s === '..') throw new ValidationError(`must not hold '${s}' segments`, field);
  }
  return segments;
}

function count(s: string, re: RegExp): number {
  return s.match(re)?.length ?? 0;
}

/** Whether `real` is `root` or lies below it (both real paths). */
export function isInside(root: string, real: string): boolean {
  if (real === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return real.startsWith(prefix);
}

/**
 * The real absolute path of `path` inside `root`, checked: a missing file is a `NotFoundError`
 * naming `<root id>/<path>`; a path or a symlink that leads outside is a `ValidationError`.
 */
export async function resolveInRoot(
  root: DataRoot,
  path: unknown,
  field = 'path',
): Promise<string> {
  const segments = pathSegments(path, field);
  const shown = [root.id, ...segments].join('/');
  let real: string;
  try {
    real = await realpath(join(root.real, ...segments));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new NotFoundError(`${shown}: no such file or folder`, {
        what: 'file',
        resource: shown,
      });
    }
    if (code === 'ELOOP') throw new ValidationError(`${shown}: a symlink loop`, field);
    throw new ValidationError(`${shown}: cannot be resolved (${code ?? 'error'})`, field);
  }
  if (!isInside(root.real, real)) {
    throw new ValidationError(`${shown}: leads outside its root (a symlink)`, field);
  }
  return real;
}
