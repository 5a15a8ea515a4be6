/**
 * The jobs routes on a bare app with the inline executor: a tiny dataset sweep submitted as
 * JSON runs to the end and its Server-Sent Events carry progress and `end`; a run cancelled
 * midway and a run stopped by the server's shutdown end as interrupted in the run registry; a
 * training from the dataset run and a prediction with the model it made; bad submissions 4xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRegistry } from '../../jobs/run-registry.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { frames } from '../../../test/support/server/sse.js';
import {
  TINY_ARCHITECTURE,
  TINY_SWEEP,
  tinyPhaseMap,
} from '../../../test/support/server/tiny-phase.js';
import { jobsRoutes } from './jobs.js';
import { modelsRoutes } from './models.js';

const sweep = (count: number, chunkSize = 3) => ({
  name: 'api',
  seeds: [1],
  phases: [
    { name: 'au', cif: 'au' },
    { name: 'pbi2-2h', cif: 'pbi2-2h.cif' },
  ],
  orientations: { count },
  chunkSize,
  ...TINY_SWEEP,
});

describe('jobs routes', () => {
  let r: RouteApp;
  const submit = (payload: object) => r.app.inject({ method: 'POST', url: '/api/jobs', payload });
  const events = async (id: string) =>
    frames((await r.app.inject({ method: 'GET', url: `/api/runs/${id}/events` })).payload);
  beforeAll(async () => {
    r = await routeApp([jobsRoutes, modelsRoutes]);
  });
  afterAll(() => r.close());

  let datasetRun = '';
  it('runs a dataset sweep; SSE delivers progress and end; runs list and show it', async () => {
    const res = await submit({ kind: 'dataset', workflow: 'phase', config: sweep(12, 6) });
    expect(res.statusCode).toBe(202);
    datasetRun = res.json<{ runId: string }>().runId;
    const ev = await events(datasetRun);
    const progress = ev.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)!.data).toMatchObject({ done: 4, total: 4, failed: 0 });
    expect(ev.at(-1)).toEqual({ event: 'end', data: { status: 'completed' } });
    // after the end the stream reports the outcome at once
    expect((await events(datasetRun)).map((e) => e.event)).toEqual(['progress', 'end']);

    const list = await r.app.inject({ method: 'GET', url: '/api/runs?limit=5' });
    expect(list.json<{ runs: { id: string; status: string }[] }>().runs[0]).toMatchObject({
      id: datasetRun,
      status: 'completed',
    });
    const show = await r.app.inject({ method: 'GET', url: `/api/runs/${datasetRun}` });
    expect(show.statusCode).toBe(200);
    const s = show.json<{ run: { kind: string }; shards: unknown[]; artifacts: { kind: string }[]; live: boolean }>(); // prettier-ignore
    expect(s.run.kind).toBe('simulate-dataset');
    expect(s.shards).toHaveLength(4);
    expect(s.artifacts.map((a) => a.kind)).toContain('manifest');
    expect(s.live).toBe(false);
    const cancel = await r.app.inject({ method: 'POST', url: `/api/runs/${datasetRun}/cancel` });
    expect(cancel.statusCode).toBe(409);
  });

  it('cancels a running dataset run: it ends interrupted in the registry', async () => {
    const res = await submit({ kind: 'dataset', workflow: 'phase', config: sweep(60, 3) });
    expect(res.statusCode).toBe(202);
    const id = res.json<{ runId: string }>().runId;
    const c = await r.app.inject({ method: 'POST', url: `/api/runs/${id}/cancel` });
    expect(c.statusCode).toBe(202);
    expect(c.json()).toEqual({ runId: id, status: 'cancelling' });
    const ev = await events(id);
    expect(ev.at(-1)).toEqual({ event: 'end', data: { status: 'interrupted' } });
    const reg = RunRegistry.open(r.ctx.registryFile);
    try {
      const run = reg.getRun(id);
      expect(run.status).toBe('interrupted');
      expect(run.doneShards).toBeLessThan(run.totalShards);
    } finally {
      reg.close();
    }
  });

  it('trains from the dataset run, then predicts an uploaded map with the model', async () => {
    const t = await submit({
      kind: 'train',
      workflow: 'phase',
      data: { run: datasetRun },
      options: { epochs: 2, batchSize: 8, seed: 3, architecture: TINY_ARCHITECTURE },
    });
    expect(t.statusCode).toBe(202);
    const trainRun = t.json<{ runId: string }>().runId;
    const tev = await events(trainRun);
    if (tev.at(-1)!.data.status !== 'completed') console.log(JSON.stringify(tev));
    expect(tev.filter((e) => e.event === 'log').map((e) => e.data.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^epoch 2: loss/)]),
    );
    expect(tev.at(-1)!.data.status).toBe('completed');
    const models = (await r.app.inject({ method: 'GET', url: '/api/models' })).json<{ models: { id: string }[] }>().models; // prettier-ignore
    expect(models).toHaveLength(1);
    const show = (await r.app.inject({ method: 'GET', url: `/api/runs/${trainRun}` })).json<{ lineage: { role: string; kind: string; refId: string }[] }>(); // prettier-ignore
    expect(show.lineage).toContainEqual({ role: 'output', kind: 'model', refId: models[0]!.id });

    const id = await r.ctx.addUpload('scan.npz', await tinyPhaseMap(r.ctx.dir));
    const p = await submit({ kind: 'predict', workflow: 'phase', model: models[0]!.id, input: { root: 'uploads', path: id } }); // prettier-ignore
    expect(p.statusCode).toBe(202);
    const pev = await events(p.json<{ runId: string }>().runId);
    const end = pev.at(-1)!;
    expect(end.event).toBe('end');
    expect(end.data.status).toBe('completed');
    const outputs = end.data.outputs as { kind: string; root: string; name: string }[];
    expect(outputs.map((o) => [o.kind, o.root, o.name])).toEqual([
      ['prediction', 'uploads', 'scan_probability_pred.npz'],
      ['phase-map', 'uploads', 'scan_phase_map.png'],
    ]);
  }, 60_000);

  it('refuses bad submissions with 4xx naming the field', async () => {
    const cases: [object, number, string | undefined][] = [
      [{ kind: 'bake', workflow: 'phase' }, 400, undefined],
      [{ kind: 'dataset', workflow: 'phase' }, 400, 'config'],
      [{ kind: 'dataset', workflow: 'phase', config: sweep(6), output: { root: 'data0', path: 'x' } }, 400, 'output'], // prettier-ignore
      [{ kind: 'dataset', workflow: 'phase', config: sweep(6), model: 'x' }, 400, 'model'],
      [
        { kind: 'dataset', workflow: 'phase', config: { ...sweep(6), colour: 1 } },
        400,
        'config.colour',
      ],
      [{ kind: 'dataset', workflow: 'phase', config: 'seeds: [1\n' }, 400, 'config'],
      [{ kind: 'dataset', workflow: 'phase', config: { ...sweep(6), output: { dir: '/tmp/x' } } }, 400, 'config.output.dir'], // prettier-ignore
      [{ kind: 'dataset', workflow: 'phase', config: { ...sweep(6), phases: [{ cif: '../../etc/passwd' }] } }, 404, undefined], // prettier-ignore
      [{ kind: 'dataset', workflow: 'phase', config: { ...sweep(6), phases: [{ cif: { root: 'data0', path: '../x.cif' } }] } }, 400, 'config.phases[0].cif.path'], // prettier-ignore
      [
        { kind: 'dataset', workflow: 'phase', config: sweep(1_000_000, 100_000) },
        413,
        'config.orientations.count',
      ],
      [
        { kind: 'dataset', workflow: 'phase', config: sweep(1_000_000, 1) },
        413,
        'config.chunkSize',
      ],
      [{ kind: 'train', workflow: 'phase', data: { root: 'data0', path: '' } }, 404, undefined],
      [{ kind: 'train', workflow: 'phase', data: { run: 'no-such-run' } }, 404, undefined],
      [
        { kind: 'train', workflow: 'phase', data: { run: datasetRun }, options: { epochs: 0 } },
        400,
        'options.epochs',
      ],
      [
        {
          kind: 'predict',
          workflow: 'phase',
          model: 'nope',
          input: { root: 'uploads', path: 'x' },
        },
        400,
        'model',
      ],
      [{ kind: 'predict', workflow: 'phase', model: '00000000-0000-4000-8000-000000000000', input: { root: 'uploads', path: 'x' } }, 404, undefined], // prettier-ignore
    ];
    for (const [body, status, field] of cases) {
      const res = await submit(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      if (field !== undefined) expect(res.json<{ error: { field?: string } }>().error.field, JSON.stringify(body)).toBe(field); // prettier-ignore
    }
    for (const url of ['/api/runs/nope', '/api/runs/nope/events']) {
      expect((await r.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
    expect((await r.app.inject({ method: 'POST', url: '/api/runs/nope/cancel' })).statusCode).toBe(404); // prettier-ignore
  });
});

describe('server shutdown', () => {
  it('aborts running jobs: they are recorded as interrupted', async () => {
    const r = await routeApp([jobsRoutes]);
    try {
      const res = await r.app.inject({ method: 'POST', url: '/api/jobs', payload: { kind: 'dataset', workflow: 'phase', config: sweep(60, 3) } }); // prettier-ignore
      const id = res.json<{ runId: string }>().runId;
      r.ctx.shutdown();
      await r.app.close();
      const reg = RunRegistry.open(r.ctx.registryFile);
      try {
        expect(reg.getRun(id).status).toBe('interrupted');
      } finally {
        reg.close();
      }
    } finally {
      await r.close();
    }
  });
});
