/**
 * The model options of the peaks HTTP doors reach the predictor: `POST /api/peaks/predict` and
 * a `peaks-predict` job through `POST /api/jobs` with a (briefly trained) U-Net in the models
 * root, with and without `gate` and `threshold`, answer what `predictScan` (behind `bragg peaks
 * predict --model … --gate …`) finds for the same frames; a high gate leaves the network only
 * the tiles of the brightest peaks, so fewer peaks than ungated.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlineExecutor } from '../../jobs/executor.js';
import { RunRegistry } from '../../jobs/run-registry.js';
import { JobRegistry } from '../../jobs/registry.js';
import { initBackend } from '../../ml/backend/select.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { frames } from '../../../test/support/server/sse.js';
import { jobsRoutes } from './jobs.js';
import { trainPeaksModel } from '../../workflows/peaks/cnn/train.js';
import { PEAKS_JOB_TYPES } from '../../workflows/peaks/jobs.js';
import { predictScan, type PredictOptions } from '../../workflows/peaks/predict/predict.js';
import { peaksRoutes } from '../../workflows/peaks/routes.js';
import { runPeaksDataset } from '../../workflows/peaks/synthetic/run.js';

interface Reply {
  peaks: number;
  results: { frame: number; peaks: { centroid: number[]; area: number }[] }[];
}

describe('peaks model options over HTTP', () => {
  let r: RouteApp;
  let tmp = '';
  let modelDir = '';
  let modelId = '';
  const scan = { root: 'data0', path: 'data/scan_0000.nxs' };
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    r = await routeApp([{ prefix: '/api/peaks', register: peaksRoutes.register }, jobsRoutes], {
      workers: 1,
    });
    tmp = await mkdtemp(join(tmpdir(), 'bragg-peaks-routes-model-'));
    const data = join(r.ctx.dataDir, 'data');
    await runPeaksDataset(
      { scans: 2, frames: 6, seed: 3, height: 48, width: 96, density: 3 },
      data,
      {
        executor: new InlineExecutor(new JobRegistry(PEAKS_JOB_TYPES)),
      },
    );
    modelDir = join(r.ctx.modelsRoot, 'unet');
    const t = await trainPeaksModel({
      data,
      outDir: modelDir,
      crop: 32,
      batchSize: 8,
      steps: 8,
      epochs: 20,
      patience: 20,
      filters: 8,
      levels: 2,
      valSplit: 0.5,
      seed: 1,
      learningRate: 5e-3,
    });
    modelId = t.meta.id;
  }, 300_000);
  afterAll(async () => {
    await r.close();
    await rm(tmp, { recursive: true, force: true });
  });

  /** predictScan's peaks on frames 0..6 of the scan, with these model options. */
  const direct = async (o: { gate?: number; threshold?: number }): Promise<number> => {
    const method: PredictOptions['method'] = { model: modelDir, ...o };
    const p = await predictScan({
      scan: join(r.ctx.dataDir, scan.path),
      outDir: join(tmp, `direct-${JSON.stringify(o).replace(/\W/g, '')}`),
      method,
      overlays: 0,
    });
    return p.peaks;
  };

  it('POST /api/peaks/predict passes gate and threshold to the model', async () => {
    const post = async (o: object) => {
      const res = await r.app.inject({
        method: 'POST',
        url: '/api/peaks/predict',
        payload: { input: scan, model: modelId, ...o },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Reply>();
    };
    const plain = await post({ threshold: 0.4 });
    expect(plain.peaks).toBeGreaterThan(0);
    expect(plain.peaks).toBe(await direct({ threshold: 0.4 }));
    // a gate only the brightest peaks pass (measured: 23 of 39 peaks stay at 1000 σ)
    const gated = await post({ threshold: 0.4, gate: 1000 });
    expect(gated.peaks).toBeLessThan(plain.peaks);
    expect(gated.peaks).toBe(await direct({ threshold: 0.4, gate: 1000 }));
    // a threshold above every confidence leaves none
    expect((await post({ threshold: 1 })).peaks).toBe(0);
    for (const [body, field] of [
      [{ gate: -1 }, 'gate'],
      [{ gate: 'x' }, 'gate'],
    ] as const) {
      const res = await r.app.inject({
        method: 'POST',
        url: '/api/peaks/predict',
        payload: { input: scan, model: modelId, ...body },
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json<{ error: { field?: string } }>().error.field).toContain(field);
    }
  });

  it('a peaks-predict job takes gate as an option and writes what predictScan writes', async () => {
    const job = async (options: object): Promise<number> => {
      const res = await r.app.inject({
        method: 'POST',
        url: '/api/jobs',
        payload: { kind: 'predict', workflow: 'peaks', model: modelId, input: scan, options },
      });
      expect(res.statusCode, res.body).toBe(202);
      const id = res.json<{ runId: string }>().runId;
      const ev = frames((await r.app.inject({ method: 'GET', url: `/api/runs/${id}/events` })).payload); // prettier-ignore
      expect(ev.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed' } });
      const reg = RunRegistry.open(r.ctx.registryFile);
      try {
        expect(reg.getRun(id)?.config).toMatchObject(options);
        const table = reg.artifacts(id).find((x) => x.kind === 'peak-table')!.path;
        return (await readFile(table, 'utf8')).trim().split('\n').length - 1;
      } finally {
        reg.close();
      }
    };
    const n = await job({ threshold: 0.4, gate: 1000, overlays: 0 });
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(await direct({ threshold: 0.4 }));
    expect(n).toBe(await direct({ threshold: 0.4, gate: 1000 }));
  });
});
