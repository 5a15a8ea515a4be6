/**
 * The bad-request corpus (test/support/server/corpus.ts), generated from /openapi.json so every
 * route is covered: each case gets a 4xx with the error body — no 5xx, no stack, no server
 * folder in the message — and the server still answers /api/health afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badRequests } from '../../test/support/server/corpus.js';
import type { BadRequest, OpenApiDoc } from '../../test/support/server/corpus.js';
import { testServer } from '../../test/support/server/server.js';
import type { TestServer } from '../../test/support/server/server.js';

const BODY_LIMIT = 16 * 1024;

let s: TestServer;
let cases: BadRequest[];
beforeAll(async () => {
  s = await testServer({ limits: { bodyBytes: BODY_LIMIT } });
  const doc = (await s.app.inject({ url: '/openapi.json' })).json() as OpenApiDoc;
  cases = badRequests(doc, BODY_LIMIT);
});
afterAll(() => s.dispose());

describe('the bad-request corpus', () => {
  it('has at least 500 cases over every documented route', () => {
    expect(cases.length).toBeGreaterThanOrEqual(500);
  });

  it('every case gets a 4xx with {"error": {code, message}}; the server stays up', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const r = await s.app.inject({
        method: c.method as 'GET',
        url: c.url,
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.payload !== undefined ? { payload: c.payload } : {}),
      });
      let body: { error?: { code?: unknown; message?: unknown } } = {};
      try {
        body = r.json();
      } catch {
        // not JSON: reported below
      }
      const msg = typeof body.error?.message === 'string' ? body.error.message : '';
      const ok =
        r.statusCode >= 400 &&
        r.statusCode < 500 &&
        typeof body.error?.code === 'string' &&
        msg !== '' &&
        !/\n\s+at /.test(msg) &&
        !msg.includes(s.dir);
      if (!ok) failures.push(`${c.name}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    const health = await s.app.inject({ url: '/api/health' });
    expect(health.statusCode).toBe(200);
  });
});
