/**
 * Typed errors of bragg. Every error says what was expected and what arrived, and where.
 * Never throw strings; wrap lower-level errors with `cause`.
 */

/** Base class of every error bragg throws on purpose. */
export class BraggError extends Error {
  /** A stable machine-readable code, e.g. `FORMAT`, `VALIDATION`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export interface FormatErrorDetails {
  /** The file (path or name) being read, if known. */
  file?: string;
  /** Byte offset in the file where the problem was found. */
  offset?: number;
  /** Path inside the file (HDF5 path, DM tag path, NPZ member, CIF tag, ...). */
  path?: string;
  /** What the reader expected to find. */
  expected?: string;
  /** What it found instead. */
  found?: string;
  cause?: unknown;
}

/** A file is not what its format promises: truncated, corrupt, unsupported variant. */
export class FormatError extends BraggError {
  readonly file: string | undefined;
  readonly offset: number | undefined;
  readonly path: string | undefined;
  readonly expected: string | undefined;
  readonly found: string | undefined;
  constructor(format: string, what: string, details: FormatErrorDetails = {}) {
    const where: string[] = [];
    if (details.file !== undefined) where.push(details.file);
    if (details.path !== undefined) where.push(`at ${details.path}`);
    if (details.offset !== undefined) where.push(`byte offset ${details.offset}`);
    let msg = `${format}: ${what}`;
    if (details.expected !== undefined) msg += `; expected ${details.expected}`;
    if (details.found !== undefined) msg += `, found ${details.found}`;
    if (where.length > 0) msg += ` (${where.join(', ')})`;
    super('FORMAT', msg, details.cause === undefined ? undefined : { cause: details.cause });
    this.file = details.file;
    this.offset = details.offset;
    this.path = details.path;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/** A value given by a user or a config is out of range or inconsistent. */
export class ValidationError extends BraggError {
  /** The parameter, key or field that is wrong (e.g. `phases[0].cif`, `--kv`). */
  readonly field: string | undefined;
  constructor(message: string, field?: string, options?: { cause?: unknown }) {
    super('VALIDATION', field === undefined ? message : `${field}: ${message}`, options);
    this.field = field;
  }
}

/** Something asked for does not exist: a file, a dataset path, a model, a run. */
export class NotFoundError extends BraggError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}

/** A valid request that bragg does not support (yet), said plainly. */
export class UnsupportedError extends BraggError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSUPPORTED', message, options);
  }
}

/** Exhaustiveness check for discriminated unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new BraggError('INTERNAL', `unhandled ${what}: ${JSON.stringify(x)}`);
}
