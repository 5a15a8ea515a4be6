/**
 * The models routes on a bare app, on a tiny model trained the way `bragg phase train` trains:
 * list, show (confusion matrix and curves from the training's files), files (no traversal),
 * register (verified copy, conflicts, damaged folders refused).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { tinyPhaseDataset, tinyPhaseModel } from '../../../test/support/server/tiny-phase.js';
import { modelsRoutes } from './models.js';

type ErrorBody = { error: { code: string; field?: string } };

describe('models routes', () => {
  let r: RouteApp;
  let id = '';
  let trainedDir = '';
  beforeAll(async () => {
    r = await routeApp([modelsRoutes]);
    const data = await tinyPhaseDataset(join(r.ctx.dir, 'dataset'));
    // trained outside the models root, into a served data root: then registered
    const t = await tinyPhaseModel(data, join(r.ctx.dataDir, 'trained'));
    id = t.meta.id;
    trainedDir = t.modelDir;
  }, 120_000);
  afterAll(() => r.close());

  it('registers a served model folder (201), then lists and shows it', async () => {
    const path = { root: 'data0', path: `trained/${id}` };
    const reg = await r.app.inject({
      method: 'POST',
      url: '/api/models/register',
      payload: { path },
    });
    expect(reg.statusCode).toBe(201);
    expect(reg.json()).toMatchObject({ id });
    const again = await r.app.inject({
      method: 'POST',
      url: '/api/models/register',
      payload: { path },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json<ErrorBody>().error.code).toBe('CONFLICT');

    const list = await r.app.inject({ method: 'GET', url: '/api/models' });
    expect(list.statusCode).toBe(200);
    const models = list.json<{ models: { id: string; labels: string[]; architecture: string; path: string }[] }>().models; // prettier-ignore
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({
      id,
      labels: ['au', 'pbi2-2h'],
      architecture: 'phase1d',
      path: id,
    });

    const show = await r.app.inject({ method: 'GET', url: `/api/models/${id}` });
    expect(show.statusCode).toBe(200);
    const s = show.json<{
      meta: { id: string };
      confusion: { labels: string[]; matrix: number[][] };
      curves: { epochs: { epoch: number; loss: number }[] };
      files: string[];
    }>();
    expect(s.meta.id).toBe(id);
    const confusion = JSON.parse(readFileSync(join(trainedDir, 'confusion.json'), 'utf8'));
    expect(s.confusion).toEqual({ labels: confusion.labels, matrix: confusion.matrix });
    expect(s.curves.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(s.files).toEqual(expect.arrayContaining(['bragg.json', 'curves.png', 'weights.bin']));
  });

  it('serves a file of the model folder and refuses other names', async () => {
    const png = await r.app.inject({ method: 'GET', url: `/api/models/${id}/files/curves.png` });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toMatch(/^image\/png/);
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    for (const [name, status] of [
      ['..%2Fbragg.json', 400],
      ['.hidden', 400],
      ['nope.png', 404],
    ] as const) {
      const res = await r.app.inject({ method: 'GET', url: `/api/models/${id}/files/${name}` });
      expect(res.statusCode, name).toBe(status);
    }
    const bad = await r.app.inject({ method: 'GET', url: '/api/models/not-an-id' });
    expect(bad.statusCode).toBe(400);
    const missing = await r.app.inject({ method: 'GET', url: '/api/models/00000000-0000-4000-8000-000000000000' }); // prettier-ignore
    expect(missing.statusCode).toBe(404);
  });

  it('refuses to register a damaged model or a file', async () => {
    const copy = join(r.ctx.dataDir, 'damaged');
    mkdirSync(copy);
    cpSync(trainedDir, copy, { recursive: true });
    const w = readFileSync(join(copy, 'weights.bin'));
    w[10] = w[10]! ^ 0xff;
    writeFileSync(join(copy, 'weights.bin'), w);
    const res = await r.app.inject({
      method: 'POST',
      url: '/api/models/register',
      payload: { path: { root: 'data0', path: 'damaged' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<ErrorBody>().error.code).toBe('FORMAT');
    const file = await r.app.inject({
      method: 'POST',
      url: '/api/models/register',
      payload: { path: { root: 'data0', path: 'damaged/bragg.json' } },
    });
    expect(file.statusCode).toBe(400);
    const extra = await r.app.inject({
      method: 'POST',
      url: '/api/models/register',
      payload: { path: { root: 'data0', path: 'damaged' }, force: true },
    });
    expect(extra.json<ErrorBody>().error.field).toBe('force');
  });
});
