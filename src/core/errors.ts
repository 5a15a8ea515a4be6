/**
 * Typed errors of bragg. Every error says what was expected and what arrived, and where.
 * Never throw strings; wrap lower-level errors with `cause`.
 *
 * **Codes.** Every error carries a stable {@link ErrorCode} from a closed list: programs branch
 * on the code (or the class), people read the message. A code also says whether retrying can
 * help (`permanent`): bad input fails the same way every time, a crashed worker may not.
 *
 * **Fields in domain terms.** Errors name what is wrong as the library knows it (`width`,
 * `frame`, `phases[0].cif`), never as a command-line flag (`--width`): the CLI maps a field to
 * the flag of the command that ran, the Web API to a request field.
 *
 * **Errors as data.** An error crosses a worker thread, a BullMQ queue (Redis, maybe another
 * host) or an HTTP response as {@link ErrorData}: `{name, code, message, fields, permanent,
 * cause?}`, a plain JSON-safe object (`structuredClone` and `JSON.stringify` keep it whole).
 * {@link errorToData} makes it from anything thrown; {@link errorFromData} rebuilds the same
 * class with the same fields and message on the other side, so `instanceof FormatError` still
 * holds after the trip. Classes are looked up by name in a registry: a subclass defined
 * elsewhere calls {@link registerErrorClass} once, next to its definition. Errors that are not
 * bragg's (a `TypeError`, a thrown string) or whose class this side does not know become a
 * plain `BraggError` that keeps the name and message (code `INTERNAL` unless the data names a
 * known code). The data is checked on the way in — it may come from another host — and
 * malformed data gives a `BraggError` with code `PROTOCOL`: `errorFromData` never throws.
 */

/**
 * The stable codes of bragg's errors: a closed list (add a code here, never use a free string),
 * each with whether the same work may succeed when retried (elsewhere, later, with more memory).
 */
const CODES = {
  FORMAT: 'permanent', // a file is not what its format promises
  VALIDATION: 'permanent', // a value from a user, a config or a payload is out of range
  NOT_FOUND: 'permanent', // a file, dataset path, model, run or job asked for does not exist
  UNSUPPORTED: 'permanent', // a valid request that bragg does not support
  CONFLICT: 'permanent', // clashes with what exists (an output, a run, a registration)
  LIMIT: 'permanent', // a request, plan or file exceeds a size limit (the number and the limit named)
  UNAUTHORIZED: 'permanent', // a request lacks the credentials the server asks for
  BUSY: 'transient', // a bounded queue is full; retry later
  IO: 'permanent', // reading or writing failed below the format (permissions, disk)
  BACKEND: 'permanent', // the tensor backend cannot be selected or initialised
  OUT_OF_MEMORY: 'transient', // an allocation was refused (e.g. the wasm heap)
  WORKER: 'transient', // a worker thread or process crashed or was lost
  PROTOCOL: 'permanent', // a peer (worker, queue, client) sent a malformed message
  TIMEOUT: 'transient', // an operation ran past its time limit
  CANCELLED: 'transient', // a job was cancelled before it ran to the end
  INTERRUPTED: 'transient', // a run was stopped on request; running it again resumes it
  FAILED: 'permanent', // part of a run (shards, jobs) failed; details were reported already
  INTERNAL: 'permanent', // a bug in bragg: an invariant did not hold
} as const satisfies Record<string, 'permanent' | 'transient'>;

export type ErrorCode = keyof typeof CODES;

export const ERROR_CODES = Object.keys(CODES) as readonly ErrorCode[];

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.hasOwn(CODES, x);
}

/** Values an error field may hold: JSON-safe scalars. */
export type ErrorFieldValue = string | number | boolean;
/** An error's fields in domain terms (`{ field: 'width' }`, `{ file, offset }`). */
export type ErrorFields = Record<string, ErrorFieldValue>;

export interface BraggErrorOptions {
  cause?: unknown;
  /** Whether retrying cannot help; the default follows the code (transient: WORKER, TIMEOUT, …). */
  permanent?: boolean;
}

/** Base class of every error bragg throws on purpose. */
export class BraggError extends Error {
  /** A stable machine-readable code, e.g. `FORMAT`, `VALIDATION`. */
  readonly code: ErrorCode;
  /** True when every retry would fail the same way (bad input, a bug). */
  readonly permanent: boolean;
  constructor(code: ErrorCode, message: string, options?: BraggErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.permanent = options?.permanent ?? CODES[code] === 'permanent';
  }

  /** This error's fields in domain terms (what {@link errorToData} sends); none here. */
  fields(): ErrorFields {
    return {};
  }

  /** Rebuilds an error of this class from its data (see {@link registerErrorClass}). */
  static fromFields(message: string, _fields: ErrorFields, code: ErrorCode): BraggError {
    return new BraggError(code, message);
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
  /** The format being read (`NPY`, `DM4`, `HDF5`, …). */
  readonly format: string;
  /** What is wrong, without the location (the message adds format, expected/found and where). */
  readonly reason: string;
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
    this.format = format;
    this.reason = what;
    this.file = details.file;
    this.offset = details.offset;
    this.path = details.path;
    this.expected = details.expected;
    this.found = details.found;
  }

  override fields(): ErrorFields {
    return defined({
      format: this.format,
      reason: this.reason,
      file: this.file,
      offset: this.offset,
      path: this.path,
      expected: this.expected,
      found: this.found,
    });
  }

  static override fromFields(message: string, f: ErrorFields): FormatError {
    const [format, reason, file, path, expected, found] = strings(f, FORMAT_TEXT_FIELDS);
    const details = defined({ file, offset: num(f, 'offset'), path, expected, found });
    return new FormatError(format ?? 'format', reason ?? message, details);
  }
}

const FORMAT_TEXT_FIELDS = ['format', 'reason', 'file', 'path', 'expected', 'found'] as const;

/** A value given by a user or a config is out of range or inconsistent. */
export class ValidationError extends BraggError {
  /**
   * The parameter, key or field that is wrong, in domain terms (`width`, `kernelSize`,
   * `phases[0].cif`); the CLI shows the matching flag.
   */
  readonly field: string | undefined;
  /** What is wrong, without the field (the message is `<field>: <reason>`). */
  readonly reason: string;
  constructor(message: string, field?: string, options?: BraggErrorOptions) {
    super('VALIDATION', field === undefined ? message : `${field}: ${message}`, options);
    this.field = field;
    this.reason = message;
  }

  override fields(): ErrorFields {
    return defined({ field: this.field });
  }

  static override fromFields(message: string, f: ErrorFields): ValidationError {
    const field = str(f, 'field');
    if (field === undefined) return new ValidationError(message);
    const prefix = `${field}: `;
    return new ValidationError(
      message.startsWith(prefix) ? message.slice(prefix.length) : message,
      field,
    );
  }
}

export interface NotFoundOptions extends BraggErrorOptions {
  /** The kind of thing asked for: `file`, `dataset`, `model`, `run`, `job`. */
  what?: string;
  /** Its name, path or id as asked for. */
  resource?: string;
}

/** Something asked for does not exist: a file, a dataset path, a model, a run. */
export class NotFoundError extends BraggError {
  readonly what: string | undefined;
  readonly resource: string | undefined;
  constructor(message: string, options?: NotFoundOptions) {
    super('NOT_FOUND', message, options);
    this.what = options?.what;
    this.resource = options?.resource;
  }

  override fields(): ErrorFields {
    return defined({ what: this.what, resource: this.resource });
  }

  static override fromFields(message: string, f: ErrorFields): NotFoundError {
    const [what, resource] = strings(f, ['what', 'resource']);
    return new NotFoundError(message, defined({ what, resource }));
  }
}

export interface UnsupportedOptions extends BraggErrorOptions {
  /** The feature or variant asked for (`compression 7`, `pickled arrays`). */
  feature?: string;
}

/** A valid request that bragg does not support (yet), said plainly. */
export class UnsupportedError extends BraggError {
  readonly feature: string | undefined;
  constructor(message: string, options?: UnsupportedOptions) {
    super('UNSUPPORTED', message, options);
    this.feature = options?.feature;
  }

  override fields(): ErrorFields {
    return defined({ feature: this.feature });
  }

  static override fromFields(message: string, f: ErrorFields): UnsupportedError {
    return new UnsupportedError(message, defined({ feature: str(f, 'feature') }));
  }
}

export interface LimitDetails {
  /** The parameter, key or field whose value is over the limit, in domain terms (`random`, `threads`). */
  field?: string;
  /** The requested or estimated amount. */
  value: number;
  /** The largest amount allowed. */
  limit: number;
  /** Unit of `value` and `limit` (`orientations`, `shards`, `bytes`, `threads`). */
  unit?: string;
  /** What to do instead (`use --step ≥ 1.1`, `set BRAGG_ALLOW_OVERSUBSCRIBE=1`). */
  hint?: string;
}

/**
 * A request, plan or file exceeds a size limit (code `LIMIT`), found before the work starts:
 * the message names the amount and the limit (`random: 1e+12 orientations need 64 TB, more
 * than the limit of …`). Like a `ValidationError`, `field` is in domain terms (the CLI shows
 * the flag).
 */
export class LimitError extends BraggError {
  readonly field: string | undefined;
  readonly value: number;
  readonly limit: number;
  readonly unit: string | undefined;
  readonly hint: string | undefined;
  /** The message without the field (`<what>: <value> > limit <limit>; <hint>`). */
  readonly reason: string;
  constructor(what: string, d: LimitDetails, options?: BraggErrorOptions) {
    const reason =
      `${what}: ${amount(d.value, d.unit)} exceeds the limit of ${amount(d.limit, d.unit)}` +
      (d.hint === undefined ? '' : `; ${d.hint}`);
    super('LIMIT', d.field === undefined ? reason : `${d.field}: ${reason}`, options);
    this.field = d.field;
    this.value = d.value;
    this.limit = d.limit;
    this.unit = d.unit;
    this.hint = d.hint;
    this.reason = reason;
  }

  override fields(): ErrorFields {
    return defined({
      field: this.field,
      value: this.value,
      limit: this.limit,
      unit: this.unit,
      hint: this.hint,
      reason: this.reason,
    });
  }

  static override fromFields(message: string, f: ErrorFields): LimitError {
    const err = new LimitError('limit exceeded', {
      ...defined({ field: str(f, 'field'), unit: str(f, 'unit'), hint: str(f, 'hint') }),
      value: num(f, 'value') ?? NaN,
      limit: num(f, 'limit') ?? NaN,
    });
    const reason = str(f, 'reason');
    if (reason !== undefined) Object.defineProperty(err, 'reason', { value: reason });
    err.message = message;
    return err;
  }
}

/**
 * An amount with its unit for a message: bytes in binary units (`6.0 GiB`), other integers in
 * full below 1e10, everything else to 3 significant digits (`1.00e+12 orientations`).
 */
function amount(x: number, unit: string | undefined): string {
  if (unit === 'bytes' && Number.isFinite(x) && x >= 1024) {
    const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
    let v = x / 1024;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${v.toFixed(1)} ${units[i]!}`;
  }
  const n = Number.isInteger(x) && Math.abs(x) < 1e10 ? String(x) : x.toPrecision(3);
  return unit === undefined ? n : `${n} ${unit}`;
}

/** Exhaustiveness check for discriminated unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new BraggError('INTERNAL', `unhandled ${what}: ${JSON.stringify(x)}`);
}

// ---------------------------------------------------------------------------------------------
// Errors as data

/** An error as a plain JSON-safe object (what crosses threads, queues and HTTP). */
export interface ErrorData {
  /** The class name (`FormatError`), or the name of a foreign error (`TypeError`). */
  name: string;
  code: ErrorCode;
  message: string;
  /** The class's fields in domain terms (see each class's `fields()`). */
  fields: ErrorFields;
  permanent: boolean;
  cause?: ErrorData;
  /** The stack where the error was made, when asked for (`errorToData(err, { stack: true })`). */
  stack?: string;
}

/** An error class that can be rebuilt from data: its static `fromFields` and its name. */
export interface ErrorClass {
  readonly name: string;
  readonly prototype: BraggError;
  fromFields(message: string, fields: ErrorFields, code: ErrorCode): BraggError;
}

const REGISTRY = new Map<string, ErrorClass>();

/**
 * Makes `errorFromData` rebuild errors named `cls.name` as `cls`. Call once next to a subclass's
 * definition; registering another class under a taken name is a bug (CONFLICT).
 */
export function registerErrorClass(cls: ErrorClass): void {
  const had = REGISTRY.get(cls.name);
  if (had !== undefined && had !== cls) {
    throw new BraggError('CONFLICT', `another error class is registered as ${cls.name}`);
  }
  REGISTRY.set(cls.name, cls);
}

/** The registered class for an error name, if any. */
export function errorClass(name: string): ErrorClass | undefined {
  return REGISTRY.get(name);
}

for (const cls of [BraggError, FormatError, ValidationError, NotFoundError, UnsupportedError]) {
  registerErrorClass(cls);
}
registerErrorClass(LimitError);

/** How deep `cause` chains are kept (deeper causes are dropped; cycles end here too). */
const MAX_CAUSE_DEPTH = 8;

/**
 * Anything thrown as {@link ErrorData}. Bragg errors keep class, code, fields and `permanent`;
 * other errors become code `INTERNAL`, not permanent, keeping their name and message.
 * Non-finite numbers in fields are left out (JSON has none).
 */
export function errorToData(err: unknown, options: { stack?: boolean } = {}): ErrorData {
  return toData(err, options.stack === true, 0);
}

function toData(err: unknown, stack: boolean, depth: number): ErrorData {
  let data = foreignData(err);
  if (err instanceof BraggError) {
    data = { ...data, code: err.code, fields: scalars(err.fields()), permanent: err.permanent };
  }
  if (stack && err instanceof Error && typeof err.stack === 'string') data.stack = err.stack;
  if (err instanceof Error && err.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    data.cause = toData(err.cause, stack, depth + 1);
  }
  return data;
}

/** A foreign (non-bragg) thrown value as data: INTERNAL, not permanent, name and message kept. */
function foreignData(err: unknown): ErrorData {
  const name = err instanceof Error ? text(() => err.name) : 'Error';
  const message = text(() => (err instanceof Error ? err.message : err));
  return { name, code: 'INTERNAL', message, fields: {}, permanent: false };
}

/**
 * Rebuilds an error from {@link ErrorData} (checked here: it may come from another host): the
 * registered class of `data.name` with the same fields and message, or a `BraggError` that keeps
 * the name and message. Malformed data gives a `BraggError` with code `PROTOCOL`; never throws.
 */
export function errorFromData(data: unknown): BraggError {
  return fromData(data, 0);
}

function fromData(data: unknown, depth: number): BraggError {
  if (!isRecord(data)) return malformed(`expected an object, got ${describe(data)}`);
  const { name, code, message } = data;
  if (typeof message !== 'string') return malformed(`message is ${describe(message)}`);
  if (typeof name !== 'string') return malformed(`name is ${describe(name)}`, message);
  const known = isErrorCode(code) ? code : 'INTERNAL';
  const fields = isRecord(data.fields) ? scalars(data.fields) : {};
  const cls = REGISTRY.get(name);
  let err: BraggError;
  try {
    err =
      cls === undefined ? new BraggError(known, message) : cls.fromFields(message, fields, known);
  } catch (e) {
    return malformed(`${name} cannot be rebuilt: ${text(() => e)}`, message);
  }
  if (cls === undefined) err.name = name;
  err.message = message;
  if (typeof data.permanent === 'boolean' && data.permanent !== err.permanent) {
    Object.defineProperty(err, 'permanent', { value: data.permanent, enumerable: true });
  }
  if (typeof data.stack === 'string') err.stack = data.stack;
  if (data.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    const cause = fromData(data.cause, depth + 1);
    Object.defineProperty(err, 'cause', { value: cause, writable: true, configurable: true });
  }
  return err;
}

/** Type guard for well-formed {@link ErrorData} (a known code, scalar fields, a boolean). */
export function isErrorData(x: unknown): x is ErrorData {
  if (!isRecord(x) || typeof x.name !== 'string' || typeof x.message !== 'string') return false;
  if (!isErrorCode(x.code) || typeof x.permanent !== 'boolean' || !isRecord(x.fields)) return false;
  if (Object.values(x.fields).some((v) => !isScalar(v))) return false;
  if (x.stack !== undefined && typeof x.stack !== 'string') return false;
  return x.cause === undefined || isErrorData(x.cause);
}

function malformed(what: string, message?: string): BraggError {
  const tail = message === undefined ? '' : ` (message: ${message.slice(0, 500)})`;
  return new BraggError('PROTOCOL', `malformed error data: ${what}${tail}`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isScalar(v: unknown): v is ErrorFieldValue {
  return (
    typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
  );
}

/** Own scalar entries of a record (other values are dropped). */
function scalars(r: Record<string, unknown>): ErrorFields {
  const out: ErrorFields = {};
  for (const [k, v] of Object.entries(r)) if (isScalar(v)) out[k] = v;
  return out;
}

/** `r` without its undefined entries. */
function defined<T extends object>(r: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as never;
}

function strings(f: ErrorFields, keys: readonly string[]): (string | undefined)[] {
  return keys.map((k) => str(f, k));
}

function str(f: ErrorFields, key: string): string | undefined {
  const v = Object.hasOwn(f, key) ? f[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

function num(f: ErrorFields, key: string): number | undefined {
  const v = Object.hasOwn(f, key) ? f[key] : undefined;
  return typeof v === 'number' ? v : undefined;
}

function describe(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

/** `String(get())`, or a placeholder when even that throws (a hostile getter or toString). */
function text(get: () => unknown): string {
  try {
    return String(get());
  } catch {
    return '(cannot be shown)';
  }
}
