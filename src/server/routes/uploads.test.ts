import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplesDir } from '../../core/paths.js';
import { multipartBody, testServer } from '../../../test/support/server/server.js';
import type { TestServer } from '../../../test/support/server/server.js';
import { sanitizeName } from '../upload-store.js';

let s: TestServer;
beforeAll(async () => {
  s = await testServer({ limits: { uploadBytes: 200_000 } });
});
afterAll(() => s.dispose());

const upload = (name: string, bytes: Uint8Array, field = 'file') =>
  s.app.inject({ method: 'POST', url: '/api/uploads', ...multipartBody(field, name, bytes) });

describe('uploads', () => {
  it('POST stores the file (201 record), GET lists it, the file routes read it by id', async () => {
    const bytes = readFileSync(join(samplesDir(), 'au-001.dm4'));
    const r = await upload('my scan.dm4', bytes);
    expect(r.statusCode).toBe(201);
    const rec = r.json();
    expect(rec).toMatchObject({ name: 'my scan.dm4', size: bytes.length, format: 'dm' });
    expect(rec.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(rec.created).toISOString()).toBe(rec.created);
    const list = (await s.app.inject({ url: '/api/uploads' })).json();
    expect(list.uploads.map((u: { id: string }) => u.id)).toContain(rec.id);
    const info = await s.app.inject({ url: `/api/files/info?root=uploads&path=${rec.id}` });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ format: 'dm', file: 'my scan.dm4' });
    const data = await s.app.inject({
      url: `/api/files/data?root=uploads&path=${rec.id}&slice=0:2,0:2`,
    });
    expect(data.json().shape).toEqual([2, 2]);
    const files = (await s.app.inject({ url: '/api/files?root=uploads' })).json();
    expect(files.entries).toContainEqual(
      expect.objectContaining({ path: rec.id, kind: 'file', format: 'dm' }),
    );
  });

  it('a file over the limit is 413 and leaves nothing behind', async () => {
    const before = readdirSync(s.uploadsDir).length;
    const r = await upload('big.npy', new Uint8Array(300_000));
    expect(r.statusCode).toBe(413);
    expect(r.json().error.code).toBe('LIMIT');
    expect(readdirSync(s.uploadsDir).length).toBe(before);
  });

  it('a client name is sanitised: no folders, no odd characters, the extension kept', async () => {
    const r = await upload(
      '../../etc/pa\u0000ss wd.npy',
      readFileSync(join(samplesDir(), 'au-001.npy')),
    );
    expect(r.statusCode).toBe(201);
    const rec = r.json();
    expect(rec.name).toBe('pa_ss wd.npy');
    expect(existsSync(join(s.uploadsDir, rec.id, rec.name))).toBe(true);
    expect(sanitizeName('...')).toBe('upload');
    expect(sanitizeName('a'.repeat(300) + '.tif')).toMatch(/^a{116}\.tif$/);
  });

  it('refuses other content types (415), a part not named file, a missing part, unknown ids', async () => {
    const json = await s.app.inject({
      method: 'POST',
      url: '/api/uploads',
      payload: { file: 'x' },
    });
    expect(json.statusCode).toBe(415);
    const wrong = await upload('a.npy', new Uint8Array(4), 'upload');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.field).toBe('file');
    const empty = await s.app.inject({
      method: 'POST',
      url: '/api/uploads',
      payload: '--b--\r\n',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    expect(empty.statusCode).toBe(400);
    for (const id of ['nope', '00000000-0000-0000-0000-000000000000', '../x']) {
      const r = await s.app.inject({
        url: `/api/files/info?root=uploads&path=${encodeURIComponent(id)}`,
      });
      expect(r.statusCode, id).toBe(404);
    }
  });
});
