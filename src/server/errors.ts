/**
 * Every error a request meets becomes `{"error": {"code", "message", "field"?}}` with the status
 * of the HTTP contract: VALIDATION/FORMAT/UNSUPPORTED → 400 (an unsupported media type → 415),
 * UNAUTHORIZED → 401, NOT_FOUND → 404, CONFLICT → 409, LIMIT → 413, BUSY → 503 with
 * `Retry-After`, TIMEOUT → 504, anything else → 500 with one line (logged, no stack). Fastify's
 * own errors (request validation by the route schemas, unparsable JSON, a body over the limit, an
 * unknown content type, a bad URL) and the multipart plugin's limits are bad requests, never a
 * 500. Messages name root ids, never the server's own folders (`redact`).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BraggError, NotFoundError, UnsupportedError, ValidationError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { fromSystemError } from '../core/system-errors.js';

/** The body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

/** `UnsupportedError.feature` of a request whose content type the route does not take (→ 415). */
export const MEDIA_TYPE_FEATURE = 'media type';

/** An `UnsupportedError` that answers 415 Unsupported Media Type. */
export function unsupportedMediaType(message: string): UnsupportedError {
  return new UnsupportedError(message, { feature: MEDIA_TYPE_FEATURE });
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  FORMAT: 400,
  UNSUPPORTED: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LIMIT: 413,
  BUSY: 503,
  TIMEOUT: 504,
};

/** The HTTP status of a bragg error. */
export function statusOf(err: BraggError): number {
  if (err instanceof UnsupportedError && err.feature === MEDIA_TYPE_FEATURE) return 415;
  return STATUS[err.code] ?? 500;
}

interface AjvIssue {
  keyword?: string;
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** `/cif/root` → `cif.root`, `/zone/0` → `zone[0]` (plus the missing or unknown property). */
export function fieldOfIssue(issue: AjvIssue, part: string | undefined): string | undefined {
  let field = '';
  for (const seg of (issue.instancePath ?? '').split('/').slice(1)) {
    const s = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    field += /^\d+$/.test(s) ? `[${s}]` : field === '' ? s : `.${s}`;
  }
  const p = issue.params ?? {};
  const extra =
    typeof p.missingProperty === 'string'
      ? p.missingProperty
      : typeof p.additionalProperty === 'string'
        ? p.additionalProperty
        : undefined;
  if (extra !== undefined) field = field === '' ? extra : `${field}.${extra}`;
  if (field === '') return part === 'body' ? 'body' : undefined;
  return field;
}

function issueText(issue: AjvIssue): string {
  const p = issue.params ?? {};
  if (typeof p.additionalProperty === 'string') return 'unknown field';
  if (typeof p.missingProperty === 'string') return 'is required';
  if (issue.keyword === 'enum' && Array.isArray(p.allowedValues)) {
    return `must be one of ${p.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return (issue.message ?? 'is not valid').slice(0, 300);
}

const PARTS: Record<string, string> = {
  body: 'request body',
  querystring: 'query',
  params: 'path parameter',
  headers: 'header',
};

/**
 * Any thrown value as a bragg error with its HTTP status: bragg errors as they are, Fastify's and
 * the multipart plugin's client errors as VALIDATION/LIMIT/UNSUPPORTED, file-system errors as IO
 * (500: the server's files), everything else INTERNAL.
 */
export function toBraggError(thrown: unknown): { err: BraggError; status: number } {
  if (thrown instanceof BraggError) return { err: thrown, status: statusOf(thrown) };
  const fe = thrown as Partial<FastifyError> & { validation?: AjvIssue[] };
  if (thrown instanceof Error && Array.isArray(fe.validation)) {
    const part = fe.validationContext;
    const issue = fe.validation[0] ?? {};
    const field = fieldOfIssue(issue, part);
    const where = PARTS[part ?? ''] ?? 'request';
    const text = issueText(issue);
    const err =
      field === undefined
        ? new ValidationError(`${where}: ${text}`)
        : new ValidationError(`${text} (${where})`, field);
    return { err, status: 400 };
  }
  const code = typeof fe.code === 'string' ? fe.code : '';
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 0;
  if (thrown instanceof Error && (code.startsWith('FST_') || (status >= 400 && status < 500))) {
    const message = oneLine(thrown.message);
    if (status === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return { err: new BraggError('LIMIT', `request too large: ${message}`), status: 413 };
    }
    if (status === 415 || code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return { err: unsupportedMediaType(`unsupported media type: ${message}`), status: 415 };
    }
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
      return { err: unsupportedMediaType(`expected multipart/form-data: ${message}`), status: 415 };
    }
    if (status >= 400 && status < 500) {
      const field = code.startsWith('FST_ERR_CTP') || status === 400 ? 'body' : undefined;
      return { err: new ValidationError(`bad request: ${message}`, field), status: 400 };
    }
  }
  if (thrown instanceof SyntaxError) {
    return {
      err: new ValidationError(`bad request: ${oneLine(thrown.message)}`, 'body'),
      status: 400,
    };
  }
  const sys = fromSystemError(thrown);
  if (sys instanceof BraggError) return { err: sys, status: statusOf(sys) };
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return { err: new BraggError('INTERNAL', `internal error: ${oneLine(message)}`), status: 500 };
}

function oneLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}

/** The error body of `err`, its message passed through `redact`. */
export function errorBody(err: BraggError, redact: (s: string) => string = (s) => s): ErrorBody {
  // ValidationError and LimitError name the request field at fault
  const f: unknown = (err as { field?: unknown }).field;
  const field = typeof f === 'string' && f !== '' ? f : undefined;
  return {
    error: {
      code: err.code,
      message: redact(oneLine(err.message)),
      ...(field === undefined ? {} : { field }),
    },
  };
}

/** Send `thrown` as the contract's error response. */
export function sendError(
  reply: FastifyReply,
  thrown: unknown,
  redact?: (s: string) => string,
): FastifyReply {
  const { err, status } = toBraggError(thrown);
  if (status >= 500 && status !== 503 && status !== 504) {
    reply.log.error({ code: err.code, err: thrown }, 'request failed');
  }
  if (err.code === 'BUSY') void reply.header('Retry-After', '1');
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(err, redact));
}

/** Installs the error handler and the JSON 404 for unknown routes (non-API GETs: `fallback`). */
export function installErrorHandling(
  app: FastifyInstance,
  redact: (s: string) => string,
  fallback?: (req: FastifyRequest, reply: FastifyReply) => boolean | Promise<boolean>,
): void {
  app.setErrorHandler((error, _req, reply) => sendError(reply, error, redact));
  app.setNotFoundHandler(async (req, reply) => {
    if (fallback !== undefined && (await fallback(req, reply))) return reply;
    const path = req.url.split('?')[0] ?? '';
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    const err = new NotFoundError(`no route ${req.method} ${shown}`, { what: 'route' });
    return sendError(reply, err, redact);
  });
}
