import { BraggError } from './errors.js';

const SYSTEM_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a path component is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'it exists already',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
};

/** The reason of a Node file-system error in words (`no such file or folder (ENOENT)`), else its message. */
export function systemReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && SYSTEM_REASONS[code] !== undefined) {
    return `${SYSTEM_REASONS[code]} (${code})`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * A Node file-system error (`ENOENT`, `EACCES`, `ENOSPC`, …: an Error with a string `code`,
 * a `syscall` and usually a `path`) as a typed `IO` error naming the file and the reason in
 * words; anything else is returned unchanged. The CLI applies it at its edge, so a missing
 * output folder or a full disk is reported like any bad input, not as a bug.
 */
export function fromSystemError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof BraggError) return err;
  const e = err as NodeJS.ErrnoException & { dest?: unknown };
  if (typeof e.code !== 'string' || typeof e.syscall !== 'string' || !/^E[A-Z]+$/.test(e.code)) {
    return err;
  }
  const what = e.syscall;
  const where = typeof e.path === 'string' ? ` ${e.path}` : '';
  const dest = typeof e.dest === 'string' ? ` → ${e.dest}` : '';
  const reason = SYSTEM_REASONS[e.code] ?? e.code;
  return new BraggError('IO', `cannot ${what}${where}${dest}: ${reason} (${e.code})`, {
    cause: err,
  });
}
