/**
 * Querystring (and path parameter) values arrive as text: before validation, a value whose
 * schema property is a number, an integer or a boolean is converted when it is exactly such a
 * literal (`"12"`, `"-0.5"`, `"true"`); anything else stays text and the schema refuses it. Only
 * these parts are converted — JSON bodies are validated as sent (ajv's `coerceTypes` is off).
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../core/errors.js';

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

interface PropSchema {
  type?: unknown;
}

function convert(value: unknown, schema: PropSchema | undefined): unknown {
  if (typeof value !== 'string' || schema === undefined) return value;
  const t = schema.type;
  if ((t === 'integer' || t === 'number') && NUMBER.test(value) && value.length <= 40) {
    return Number(value);
  }
  if (t === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

function convertAll(values: unknown, schema: unknown): void {
  if (typeof values !== 'object' || values === null) return;
  const props = (schema as { properties?: Record<string, PropSchema> } | undefined)?.properties;
  if (props === undefined) return;
  const v = values as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (Object.hasOwn(props, key)) v[key] = convert(v[key], props[key]);
  }
}

/**
 * Converts query and path values (above); and, for an API route that declares no querystring,
 * refuses any query field, as a declared querystring refuses unknown ones.
 */
export function installQueryCoercion(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema;
    if (schema?.querystring === undefined && (req.routeOptions.url ?? '').startsWith('/api/')) {
      const first = Object.keys((req.query ?? {}) as object)[0];
      if (first !== undefined) {
        throw new ValidationError(
          'unknown field (query; this route takes none)',
          first.slice(0, 100),
        );
      }
    }
    if (schema === undefined) return;
    convertAll(req.query, schema.querystring);
    convertAll(req.params, schema.params);
  });
}

/** Dot segments, encoded separators, NUL and backslashes in a URL's path. */
const BAD_URL_PATH = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|%00|\\/i;

/**
 * Refuses a request whose URL path (before decoding) holds dot segments, encoded dots, slashes
 * or backslashes, or NUL: no route has them, and none may be reached through them.
 */
export function installUrlCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0] ?? '';
    if (BAD_URL_PATH.test(path)) {
      throw new ValidationError('the URL path holds dot segments or encoded separators', 'url');
    }
  });
}
