/**
 * `bragg serve` as a user starts it: a child process on 127.0.0.1 with a free port, real HTTP.
 * Health, a listing, `info` of real files (the bundled samples; files other programs wrote under
 * ../shared/data when present) equal to `bragg info --json`, an upload then its info, the OpenAPI
 * document, raw-path traversal, and SIGTERM → exit 0. Needs dist/ (skips, saying so).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot, samplesDir, sharedDataDir } from '../../src/core/paths.js';
import { structureFormats } from '../../src/crystal/cif-format.js';
import { summarize } from '../../src/formats/summary.js';
import { jsonText } from '../../src/server/json.js';
import { runBragg } from '../support/cli/spawn.js';
import { startServe } from '../support/server/serve-process.js';
import type { ServeProcess } from '../support/server/serve-process.js';

const built = existsSync(join(packageRoot(), 'dist', 'src', 'cli', 'commands', 'serve.js'));
const noDist = built ? '' : ' (skipped: dist/ is not built: npm run build)';
const shared = sharedDataDir();
const hasShared = existsSync(join(shared, 'dm'));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON documents read in assertions
type Json = any;

async function json(r: Response): Promise<Json> {
  return (await r.json()) as Json;
}

/** The first file under `dir` whose name ends with `ext`. */
function firstFile(dir: string, ext: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      const f = firstFile(p, ext);
      if (f !== undefined) return f;
    } else if (e.endsWith(ext)) return p;
  }
  return undefined;
}

/** A GET with the path sent byte for byte (fetch would normalise dot segments). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((res, rej) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (s: string) => (body += s));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

describe.skipIf(!built)(`bragg serve over HTTP${noDist}`, () => {
  let home: string;
  let s: ServeProcess;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'bragg-serve-e2e-'));
    const data = ['--data', samplesDir(), ...(hasShared ? ['--data', shared] : [])];
    s = await startServe([...data, '--uploads', join(home, 'uploads')], { BRAGG_HOME: home });
  });
  afterAll(async () => {
    if (s.proc.exitCode === null) await s.stop('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('prints its URL on 127.0.0.1 with the port it got; health answers', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${s.url}/api/health`);
    expect(r.status).toBe(200);
    expect((await json(r)).status).toBe('ok');
  });

  it('lists a root and gives `bragg info --json` for a sample (file named by root)', async () => {
    const list = await json(await fetch(`${s.url}/api/files?root=data0`));
    expect(list.entries.map((e: { name: string }) => e.name)).toContain('au-zones.nxs');
    const info = await json(await fetch(`${s.url}/api/files/info?root=data0&path=au-zones.nxs`));
    const cli = await runBragg(['info', join(samplesDir(), 'au-zones.nxs'), '--json'], {
      reader: 'all',
    });
    expect(cli.code).toBe(0);
    const want = JSON.parse(cli.stdout.toString('utf8'));
    expect(info).toEqual({ ...want, file: 'data0/au-zones.nxs' });
  });

  it.skipIf(!hasShared)(
    'reads files other programs wrote (../shared/data: DM3, DM4, HDF5) as `bragg info` does',
    async () => {
      for (const ext of ['.dm3', '.dm4', '.h5']) {
        const file = firstFile(shared, ext);
        if (file === undefined) continue;
        const path = relative(shared, file).split('\\').join('/');
        const q = `root=data1&path=${encodeURIComponent(path)}`;
        const r = await fetch(`${s.url}/api/files/info?${q}`);
        expect(r.status, path).toBe(200);
        const f = await structureFormats.open(file);
        const want = JSON.parse(jsonText({ ...summarize(f), file: `data1/${path}` })) as Json;
        await f.close();
        expect(await json(r)).toEqual(want);
        const data = await fetch(`${s.url}/api/files/data?${q}&format=npy`);
        expect([200, 413], path).toContain(data.status);
      }
    },
  );

  it('takes an upload (multipart) and reads it back by id', async () => {
    const bytes = readFileSync(join(samplesDir(), 'au-001.tif'));
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'scan.tif');
    const r = await fetch(`${s.url}/api/uploads`, { method: 'POST', body: form });
    expect(r.status).toBe(201);
    const rec = await json(r);
    expect(rec).toMatchObject({ name: 'scan.tif', size: bytes.length });
    const info = await fetch(`${s.url}/api/files/info?root=uploads&path=${rec.id}`);
    expect(info.status).toBe(200);
    expect((await json(info)).format).toBe('tiff');
  });

  it('/openapi.json parses, with every route the server answers', async () => {
    const doc = await json(await fetch(`${s.url}/openapi.json`));
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
    }
    for (const ops of Object.values(
      doc.paths as Record<string, Record<string, { responses: object }>>,
    )) {
      for (const op of Object.values(ops))
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    expect((await fetch(`${s.url}/docs`)).status).toBe(200);
  });

  it('refuses dot segments and encoded separators in the raw URL path (400, JSON)', async () => {
    for (const p of [
      '/api/%2e%2e/%2e%2e/etc/passwd',
      '/api/files/../../etc',
      '/%2e%2e/api/health',
      '/api/files%2finfo',
    ]) {
      const r = await rawGet(s.url, p);
      expect(r.status, p).toBe(400);
      expect(JSON.parse(r.body).error.code).toBe('VALIDATION');
    }
    const q = await rawGet(s.url, '/api/files/info?root=data0&path=..%2F..%2Fetc%2Fpasswd');
    expect(q.status).toBe(400);
  });

  it('SIGTERM: stops and exits 0', async () => {
    expect(await s.stop('SIGTERM')).toBe(0);
  });
});

describe.skipIf(!built)(`bragg serve refuses to start${noDist}`, () => {
  it('on a non-loopback host without --token, saying why', async () => {
    const r = await runBragg(['serve', '--host', '0.0.0.0', '--port', '0'], { reader: 'all' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--host: .*--token/);
  });
});
