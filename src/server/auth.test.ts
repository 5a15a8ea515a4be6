import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { testServer } from '../../test/support/server/server.js';
import type { TestServer } from '../../test/support/server/server.js';
import { bearerMatches, checkHostPolicy, isLoopback } from './auth.js';

describe('host policy', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopback(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '192.168.1.2', 'example.org', '128.0.0.1']) {
      expect(isLoopback(h), h).toBe(false);
    }
  });

  it('refuses a non-loopback host without a token (field host), and a short token', () => {
    expect(() => checkHostPolicy('0.0.0.0', undefined)).toThrow(ValidationError);
    try {
      checkHostPolicy('0.0.0.0', undefined);
    } catch (e) {
      expect((e as ValidationError).field).toBe('host');
      expect((e as Error).message).toMatch(/--token/);
    }
    expect(() => checkHostPolicy('0.0.0.0', 'a-long-token')).not.toThrow();
    expect(() => checkHostPolicy('127.0.0.1', 'short')).toThrow(/at least 8/);
  });

  it('bearerMatches compares the whole token', () => {
    expect(bearerMatches('Bearer sesame-open', 'sesame-open')).toBe(true);
    expect(bearerMatches('bearer sesame-open', 'sesame-open')).toBe(true);
    expect(bearerMatches('Bearer sesame-ope', 'sesame-open')).toBe(false);
    expect(bearerMatches('Bearer sesame-openx', 'sesame-open')).toBe(false);
    expect(bearerMatches('sesame-open', 'sesame-open')).toBe(false);
    expect(bearerMatches(undefined, 'sesame-open')).toBe(false);
    expect(bearerMatches('Basic sesame-open', 'sesame-open')).toBe(false);
  });
});

describe('a server with a token', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer({ token: 'sesame-open-123' });
  });
  afterAll(() => s.dispose());

  it('answers 401 UNAUTHORIZED without the token, on /api, /docs and /openapi.json', async () => {
    for (const url of [
      '/api/health',
      '/api/files?root=data0',
      '/docs',
      '/openapi.json',
      '/api/nope',
    ]) {
      const r = await s.app.inject({ url });
      expect(r.statusCode, url).toBe(401);
      expect(r.json().error.code).toBe('UNAUTHORIZED');
    }
    const wrong = await s.app.inject({
      url: '/api/health',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('serves with the token', async () => {
    const headers = { authorization: 'Bearer sesame-open-123' };
    expect((await s.app.inject({ url: '/api/health', headers })).statusCode).toBe(200);
    const doc = (await s.app.inject({ url: '/openapi.json', headers })).json();
    expect(doc.components.securitySchemes.bearer.scheme).toBe('bearer');
  });
});
