import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServer } from '../../test/support/server/server.js';
import type { TestServer } from '../../test/support/server/server.js';

let s: TestServer;
beforeAll(async () => {
  const web = mkdtempSync(join(tmpdir(), 'bragg-web-'));
  mkdirSync(join(web, 'assets'));
  writeFileSync(
    join(web, 'index.html'),
    '<!doctype html><title>bragg ui</title><div id="root"></div>',
  );
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
  s = await testServer({ webRoot: web });
});
afterAll(() => s.dispose());

describe('the web UI', () => {
  it('serves index.html at / and the assets', async () => {
    const root = await s.app.inject({ url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('bragg ui');
    const js = await s.app.inject({ url: '/assets/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it("falls back to index.html for the UI's own paths (HTML GETs), never for /api", async () => {
    const page = await s.app.inject({ url: '/runs/abc', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('bragg ui');
    const api = await s.app.inject({ url: '/api/nope', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('NOT_FOUND');
    const asset = await s.app.inject({ url: '/assets/missing.js' });
    expect(asset.statusCode).toBe(404);
  });
});
