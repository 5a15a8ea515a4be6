import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../core/version.js';
import { testServer } from '../../../test/support/server/server.js';
import type { TestServer } from '../../../test/support/server/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await testServer();
});
afterAll(() => s.dispose());

describe('platform routes', () => {
  it('GET /api/health: ok with the uptime in seconds', async () => {
    const r = await s.app.inject({ url: '/api/health' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.status).toBe('ok');
    expect(body.uptime_s).toBeGreaterThanOrEqual(0);
  });

  it('GET /api/version: bragg and node versions', async () => {
    expect((await s.app.inject({ url: '/api/version' })).json()).toEqual({
      bragg: VERSION,
      node: process.versions.node,
    });
  });

  it('GET /api/roots: the data roots by id and base name, then uploads', async () => {
    expect((await s.app.inject({ url: '/api/roots' })).json()).toEqual({
      roots: [
        { id: 'data0', label: 'data' },
        { id: 'uploads', label: 'uploads' },
      ],
    });
  });

  it("GET /api/backend: doctor's report (backend, threads, cores)", async () => {
    const r = await s.app.inject({ url: '/api/backend' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(body.backend);
    expect(body.cores).toBeGreaterThan(0);
    expect(Array.isArray(body.braggWasmKernels)).toBe(true);
  });

  it('unknown query fields are refused, naming the field', async () => {
    const r = await s.app.inject({ url: '/api/health?x=1' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'VALIDATION', field: 'x' });
  });

  it('/openapi.json documents every platform route with its error responses; /docs is served', async () => {
    const doc = (await s.app.inject({ url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of [
      '/api/health',
      '/api/version',
      '/api/backend',
      '/api/roots',
      '/api/files',
      '/api/files/info',
      '/api/files/data',
      '/api/uploads',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
      const op = doc.paths[p].get ?? doc.paths[p].post;
      expect(op.responses['4XX'] ?? op.responses['4xx'], p).toBeDefined();
    }
    const ui = await s.app.inject({ url: '/docs' });
    expect(ui.statusCode).toBe(200);
  });

  it('/ says the UI is not built when dist/web is absent, linking /docs', async () => {
    const r = await s.app.inject({ url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.body).toContain('/docs');
  });
});
