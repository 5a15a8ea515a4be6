import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../formats/npy/npy.js';
import { decodePng } from '../../formats/image/png.js';
import { structureFormats } from '../../crystal/cif-format.js';
import { summarize } from '../../formats/summary.js';
import { testServer } from '../../../test/support/server/server.js';
import type { TestServer } from '../../../test/support/server/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await testServer({ limits: { jsonElements: 1000, pngSide: 100 } });
  writeFileSync(join(s.dir, 'secret.npy'), 'not yours');
  symlinkSync(join(s.dir, 'secret.npy'), join(s.dataDir, 'leak.npy'));
});
afterAll(() => s.dispose());

const get = (url: string) => s.app.inject({ url });

describe('GET /api/files', () => {
  it('lists a root: folders first, sizes, ISO times, the reader by extension', async () => {
    const body = (await get('/api/files?root=data0')).json();
    expect(body.root).toBe('data0');
    expect(body.entries[0]).toMatchObject({ name: 'sub', kind: 'dir', path: 'sub' });
    const dm4 = body.entries.find((e: { name: string }) => e.name === 'au-001.dm4');
    expect(dm4).toMatchObject({ kind: 'file', format: 'dm', path: 'au-001.dm4' });
    expect(dm4.size).toBeGreaterThan(1000);
    expect(new Date(dm4.mtime).toISOString()).toBe(dm4.mtime);
    // a symlink leaving the root is not listed
    expect(body.entries.map((e: { name: string }) => e.name)).not.toContain('leak.npy');
  });

  it('lists a sub-folder with paths relative to the root', async () => {
    const body = (await get('/api/files?root=data0&path=sub')).json();
    expect(body.entries).toEqual([
      expect.objectContaining({ name: 'copy.npy', path: 'sub/copy.npy', format: 'npy' }),
    ]);
  });

  it('refuses traversal, unknown roots, files as folders', async () => {
    expect((await get('/api/files?root=data0&path=..')).statusCode).toBe(400);
    expect((await get('/api/files?root=data0&path=%2e%2e%2f')).statusCode).toBe(400);
    expect((await get('/api/files?root=data9')).statusCode).toBe(404);
    const r = await get('/api/files?root=data0&path=au-001.npy');
    expect(r.statusCode).toBe(400);
    expect(r.json().error.field).toBe('path');
  });
});

describe('GET /api/files/info', () => {
  it('is what `bragg info --json` gives for the same file (file named by root id)', async () => {
    const r = await get('/api/files/info?root=data0&path=au-001.dm4');
    expect(r.statusCode).toBe(200);
    const f = await structureFormats.open(join(s.dataDir, 'au-001.dm4'));
    const want = JSON.parse(JSON.stringify({ ...summarize(f), file: 'data0/au-001.dm4' }));
    await f.close();
    expect(r.json()).toEqual(want);
  });

  it('a symlink leaving the root is refused; a missing file is 404; never the server folder', async () => {
    const leak = await get('/api/files/info?root=data0&path=leak.npy');
    expect(leak.statusCode).toBe(400);
    const missing = await get('/api/files/info?root=data0&path=sub/none.dm4');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain(s.dir);
    const dir = await get('/api/files/info?root=data0&path=sub');
    expect(dir.statusCode).toBe(400);
  });

  it('a file that is not what its extension says is a 400 FORMAT error', async () => {
    writeFileSync(join(s.dataDir, 'broken.dm4'), new Uint8Array(64).fill(7));
    const r = await get('/api/files/info?root=data0&path=broken.dm4');
    expect(r.statusCode).toBe(400);
    expect(['FORMAT', 'UNSUPPORTED']).toContain(r.json().error.code);
    expect(r.body).not.toContain(s.dir);
  });
});

describe('GET /api/files/data', () => {
  it('json: shape, dtype, row-major data and calibrated axes of a slice', async () => {
    const whole = await readNpy(join(s.dataDir, 'au-001.npy'));
    const r = await get('/api/files/data?root=data0&path=au-001.npy&slice=10:12,-3:');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.shape).toEqual([2, 3]);
    expect(body.dtype).toBe(whole.dtype);
    const w = whole.shape[1]!;
    const d = whole.data as Float32Array;
    const want = [10, 11].flatMap((y) => [w - 3, w - 2, w - 1].map((x) => d[y * w + x]!));
    expect(body.data).toEqual(want);
    expect(body.axes).toHaveLength(2);
    expect(body.axes[1].offset).toBeCloseTo(0 + (w - 3) * body.axes[1].scale);
  });

  it('an index drops its axis (frame and slice alike)', async () => {
    const body = (await get('/api/files/data?root=data0&path=au-001.npy&slice=5,0:4')).json();
    expect(body.shape).toEqual([4]);
    const byFrame = (
      await get('/api/files/data?root=data0&path=au-001.npy&frame=5&slice=0:4')
    ).json();
    expect(byFrame.data).toEqual(body.data);
  });

  it('npy: the same numbers as the file', async () => {
    const r = await get('/api/files/data?root=data0&path=au-001.npy&format=npy');
    expect(r.headers['content-type']).toBe('application/octet-stream');
    const got = await readNpy(new Uint8Array(r.rawPayload));
    const want = await readNpy(join(s.dataDir, 'au-001.npy'));
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
  });

  it('png: a 2D slice as an image of its size; log scale and gray colormap accepted', async () => {
    const r = await get(
      '/api/files/data?root=data0&path=au-001.npy&format=png&slice=0:40,0:30&scale=log&colormap=gray',
    );
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    const png = decodePng(new Uint8Array(r.rawPayload));
    expect([png.array.shape[0], png.array.shape[1]]).toEqual([40, 30]);
  });

  it('over a limit is 413 LIMIT naming the limit, before reading', async () => {
    const json = await get('/api/files/data?root=data0&path=au-001.npy');
    expect(json.statusCode).toBe(413);
    expect(json.json().error.code).toBe('LIMIT');
    expect(json.json().error.message).toContain('1000');
    const png = await get('/api/files/data?root=data0&path=au-001.npy&format=png');
    expect(png.statusCode).toBe(413);
  });

  it('bad selections are 400 naming the field', async () => {
    for (const [q, field] of [
      ['frame=100000', 'frame'],
      ['frame=-1', 'frame'],
      ['frame=x', 'frame'],
      ['slice=0:2:1', 'slice'],
      ['slice=a', 'slice'],
      ['slice=0,0,0', 'slice'],
      ['format=gif', 'format'],
      ['scale=cubic', 'scale'],
      ['dataset=nope', undefined],
    ] as const) {
      const r = await get(`/api/files/data?root=data0&path=au-001.npy&${q}`);
      expect(r.statusCode, q).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, q).toBeLessThan(500);
      if (field !== undefined) expect(r.json().error.field, q).toBe(field);
    }
    const png3 = await get('/api/files/data?root=data0&path=au-001.npy&format=png&slice=3');
    expect(png3.statusCode).toBe(400);
  });
});
