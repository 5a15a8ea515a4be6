/**
 * Who may talk to the server. By default it listens on loopback only; a host other than
 * loopback is refused unless a token is set, and with a token every request to `/api`,
 * `/docs` and `/openapi.json` needs `Authorization: Bearer <token>` (compared in constant time).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { BraggError, ValidationError } from '../core/errors.js';

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** Refuses a non-loopback host without a token, and an empty or short token. */
export function checkHostPolicy(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < 8) {
    throw new ValidationError('must be at least 8 characters', 'token');
  }
  if (!isLoopback(host) && token === undefined) {
    throw new ValidationError(
      `${host} is not a loopback address: serving beyond this machine needs a token (--token), ` +
        'which every request must then send as "Authorization: Bearer <token>"',
      'host',
    );
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Whether the `Authorization` header carries `token` (constant-time on the digests). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const given = m?.[1] ?? '';
  const ok = timingSafeEqual(digest(given), digest(token));
  return ok && m !== null;
}

/** Paths that need the token when one is set. */
function guarded(url: string): boolean {
  return (
    url.startsWith('/api') ||
    url.startsWith('/docs') ||
    url.startsWith('/openapi.json') ||
    url.startsWith('/documentation')
  );
}

/** Adds the bearer-token check (when `token` is set) as the first hook of every request. */
export function installAuth(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return;
  app.addHook('onRequest', async (req) => {
    if (!guarded(req.url)) return;
    if (!bearerMatches(req.headers.authorization, token)) {
      throw new BraggError(
        'UNAUTHORIZED',
        'this server needs "Authorization: Bearer <token>" (the token given to bragg serve --token)',
      );
    }
  });
}
