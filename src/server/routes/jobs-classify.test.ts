/**
 * A classify batch prediction submitted through `POST /api/jobs` runs as a `classify-predict`
 * job on the job system (a local pool thread), is recorded in the run registry, and gives the
 * same `predictions.txt` as `predictClassify` in this process; bad requests are 4xx naming the
 * field before anything runs.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRegistry } from '../../jobs/run-registry.js';
import { loadBundle } from '../../ml/store/bundle.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { frames } from '../../../test/support/server/sse.js';
import { tinyClassifyModel, type TinyClassify } from '../../../test/support/workflows/classify/tiny-model.js'; // prettier-ignore
import { predictClassify } from '../../workflows/classify/predict.js';
import { jobsRoutes } from './jobs.js';

describe('classify batch predictions through POST /api/jobs', () => {
  let r: RouteApp;
  let tiny: TinyClassify;
  beforeAll(async () => {
    r = await routeApp([jobsRoutes], { workers: 1 });
    tiny = await tinyClassifyModel(join(r.ctx.dir, 'dataset'), r.ctx.modelsRoot);
    await copyFile(tiny.evalShard, join(r.ctx.dataDir, 'shard.tfrecord'));
  }, 120_000);
  afterAll(() => r.close());

  const submit = (body: object) =>
    r.app.inject({ method: 'POST', url: '/api/jobs', payload: body });
  const request = (o: object = {}) => ({
    kind: 'predict',
    workflow: 'classify',
    model: tiny.id,
    input: [{ root: 'data0', path: 'shard.tfrecord' }],
    options: { overlays: 1 },
    ...o,
  });

  it('runs on a pool thread, is recorded, and predicts as the CLI does', async () => {
    const res = await submit(request());
    expect(res.statusCode).toBe(202);
    const id = res.json<{ runId: string }>().runId;
    const ev = frames(
      (await r.app.inject({ method: 'GET', url: `/api/runs/${id}/events` })).payload,
    );
    const end = ev.at(-1)!;
    expect(end).toMatchObject({ event: 'end', data: { status: 'completed' } });
    const outputs = end.data.outputs as { kind: string; root: string; name: string }[];
    expect(outputs.map((o) => [o.kind, o.root])).toEqual([
      ['prediction', 'uploads'],
      ['prediction-text', 'uploads'],
    ]);
    expect(ev.filter((e) => e.event === 'progress').at(-1)!.data).toMatchObject({ done: 1, total: 1 }); // prettier-ignore
    const reg = RunRegistry.open(r.ctx.registryFile);
    let txt: string;
    try {
      expect(reg.getRun(id)).toMatchObject({ kind: 'classify-predict', status: 'completed', executor: 'local:1' }); // prettier-ignore
      const a = reg.artifacts(id).find((x) => x.kind === 'prediction-text')!;
      txt = await readFile(a.path, 'utf8');
    } finally {
      reg.close();
    }
    // the same predictions in this process
    const bundle = await loadBundle(tiny.modelDir);
    try {
      const mine = await predictClassify(bundle, {
        input: join(r.ctx.dataDir, 'shard.tfrecord'),
        outDir: join(r.ctx.dir, 'mine'),
        overlays: 1,
      });
      expect(mine.images).toBe(8);
      expect(txt).toBe(await readFile(mine.txt, 'utf8'));
    } finally {
      bundle.model.dispose();
    }
  }, 120_000);

  it.each([
    [{ kind: 'train' }, 400, 'kind'],
    [{ kind: 'dataset', model: undefined, input: undefined, config: {} }, 400, 'kind'],
    [{ input: undefined }, 400, 'input'],
    [{ input: [] }, 400, 'input'],
    [{ input: [{ root: 'data0', path: '../x' }] }, 400, 'input[0].path'],
    [{ input: [{ root: 'data0', path: 'missing.tfrecord' }] }, 404, undefined],
    [{ model: 'not-a-uuid' }, 400, 'model'],
    [{ model: '00000000-0000-4000-8000-000000000000' }, 404, undefined],
    [{ options: { epochs: 2 } }, 400, 'options.epochs'],
    [{ options: { method: 'lime' } }, 400, undefined],
    [{ data: { root: 'data0', path: 'x' } }, 400, 'data'],
  ])('refuses %j with %i', async (patch, status, field) => {
    const res = await submit(request(patch));
    expect(res.statusCode).toBe(status);
    if (field !== undefined) expect(res.json<{ error: { field?: string } }>().error.field).toBe(field); // prettier-ignore
  });

  it('a phase training does not take the classify options', async () => {
    const res = await submit({
      kind: 'train',
      workflow: 'phase',
      data: { root: 'data0', path: 'x' },
      options: { method: 'gradcam' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { field?: string } }>().error.field).toBe('options.method');
  });
});
