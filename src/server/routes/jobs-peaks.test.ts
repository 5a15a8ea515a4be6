/**
 * A peaks scan prediction submitted through `POST /api/jobs` runs as a `peaks-predict` job on
 * the job system (a local pool thread), is recorded in the run registry, and writes what
 * `predictScan` (behind `bragg peaks predict`) writes for the same frames; bad requests are 4xx
 * naming the field before anything runs.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRegistry } from '../../jobs/run-registry.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { frames } from '../../../test/support/server/sse.js';
import { predictScan } from '../../workflows/peaks/predict/predict.js';
import { planScan } from '../../workflows/peaks/synthetic/scene.js';
import { writeSyntheticScan } from '../../workflows/peaks/synthetic/write-scan.js';
import { jobsRoutes } from './jobs.js';

describe('peaks scan predictions through POST /api/jobs', () => {
  let r: RouteApp;
  let scan = '';
  beforeAll(async () => {
    r = await routeApp([jobsRoutes], { workers: 1 });
    await mkdir(join(r.ctx.dataDir, 'scans'));
    scan = join(r.ctx.dataDir, 'scans', 's.nxs');
    const plan = planScan({ frames: 12, height: 40, width: 60, seed: 5, density: 2 });
    await writeSyntheticScan(plan, scan, join(r.ctx.dataDir, 'scans', 's_labels.h5'));
  }, 60_000);
  afterAll(() => r.close());

  const submit = (body: object) =>
    r.app.inject({ method: 'POST', url: '/api/jobs', payload: body });
  const request = (o: object = {}) => ({
    kind: 'predict',
    workflow: 'peaks',
    input: { root: 'data0', path: 'scans/s.nxs' },
    options: { frames: [2, 10], overlays: 1 },
    ...o,
  });

  it('runs the classic finder on a pool thread, is recorded, and writes what the CLI writes', async () => {
    const res = await submit(request());
    expect(res.statusCode, res.payload).toBe(202);
    const id = res.json<{ runId: string }>().runId;
    const ev = frames((await r.app.inject({ method: 'GET', url: `/api/runs/${id}/events` })).payload); // prettier-ignore
    const end = ev.at(-1)!;
    expect(end, JSON.stringify(end)).toMatchObject({ event: 'end', data: { status: 'completed' } });
    const outputs = end.data.outputs as { kind: string; root: string; name: string }[];
    expect(outputs.map((o) => o.kind)).toEqual(['peak-masks', 'peak-table', 'volume', 'overlay', 'projection', 'projection', 'projection']); // prettier-ignore
    expect(outputs.every((o) => o.root === 'uploads')).toBe(true);
    expect(ev.filter((e) => e.event === 'progress').at(-1)!.data).toMatchObject({ done: 8, total: 8 }); // prettier-ignore
    const reg = RunRegistry.open(r.ctx.registryFile);
    let table: string;
    try {
      expect(reg.getRun(id)).toMatchObject({ kind: 'peaks-predict', status: 'completed', executor: 'local:1' }); // prettier-ignore
      table = await readFile(reg.artifacts(id).find((x) => x.kind === 'peak-table')!.path, 'utf8');
    } finally {
      reg.close();
    }
    const mine = await predictScan({ scan, outDir: join(r.ctx.dir, 'mine'), frames: [2, 10], method: 'classic', overlays: 1 }); // prettier-ignore
    expect(mine.peaks).toBeGreaterThan(0);
    expect(table).toBe(await readFile(mine.table, 'utf8'));
    expect(table.split('\n')[1]!.split(',')[0]).toBe('2'); // frame numbers of the scan
  }, 120_000);

  it.each([
    [{ kind: 'train' }, 400, 'kind'],
    [{ input: undefined }, 400, 'input'],
    [{ input: [{ root: 'data0', path: 'scans/s.nxs' }] }, 400, 'input'],
    [{ input: { root: 'data0', path: '../x' } }, 400, 'input.path'],
    [{ input: { root: 'data0', path: 'scans/missing.nxs' } }, 404, undefined],
    [{ options: { frames: [4, 20] } }, 400, 'options.frames'],
    [{ options: { frames: [5, 5] } }, 400, 'options.frames'],
    [{ options: { frames: [1] } }, 400, undefined],
    [{ options: { threshold: 0.5 } }, 400, 'options.threshold'],
    [{ options: { gate: 5 } }, 400, 'options.gate'],
    [{ options: { epochs: 2 } }, 400, 'options.epochs'],
    [{ options: { dataset: '/entry/nothing' } }, 404, undefined],
    [{ model: '00000000-0000-4000-8000-000000000000' }, 404, undefined],
    [{ data: { root: 'data0', path: 'x' } }, 400, 'data'],
  ])('refuses %j with %i', async (patch, status, field) => {
    const res = await submit(request(patch));
    expect(res.statusCode, res.payload).toBe(status);
    if (field !== undefined) expect(res.json<{ error: { field?: string } }>().error.field).toBe(field); // prettier-ignore
  });

  it('a phase training and a classify prediction do not take the peaks options', async () => {
    const train = await submit({ kind: 'train', workflow: 'phase', data: { root: 'data0', path: 'x' }, options: { frames: [0, 2] } }); // prettier-ignore
    expect(train.statusCode).toBe(400);
    expect(train.json<{ error: { field?: string } }>().error.field).toBe('options.frames');
    const cls = await submit({ kind: 'predict', workflow: 'classify', model: '00000000-0000-4000-8000-000000000000', input: [{ root: 'data0', path: 'x' }], options: { nmsIou: 0.3 } }); // prettier-ignore
    expect(cls.statusCode).toBe(400);
    expect(cls.json<{ error: { field?: string } }>().error.field).toBe('options.nmsIou');
  });
});
