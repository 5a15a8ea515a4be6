/**
 * The phase routes end to end on a tiny trained model: an uploaded map → `POST /predict`
 * (the phase map as JSON, the prediction file stored as an upload, equal to what
 * `predictPhaseMap` gives) → `POST /evaluate` with the phases as bundled structures or as
 * served CIFs (what `evaluatePredictionFile`, behind `bragg phase evaluate`, gives); bad input.
 */
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpz } from '../../formats/npy/npz.js';
import { loadBundle } from '../../ml/store/bundle.js';
import { modelCacheOf } from '../../ml/store/model-cache.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import {
  tinyPhaseCifs,
  tinyPhaseDataset,
  tinyPhaseMap,
  tinyPhaseModel,
} from '../../../test/support/server/tiny-phase.js';
import { evaluatePredictionFile } from './evaluate.js';
import { readExperimentalMap } from './experiment.js';
import { predictPhaseMap } from './predict.js';
import { phaseRoutes } from './routes.js';

interface PredictReply {
  shape: number[];
  phases: string[];
  cnnId: string;
  argmax: number[];
  probabilities: number[];
  prediction: { root: string; path: string };
  phaseMap: { root: string; path: string };
}

describe('phase routes', () => {
  let r: RouteApp;
  let modelId = '';
  let mapId = '';
  let modelDir = '';
  beforeAll(async () => {
    r = await routeApp([{ prefix: '/api/phase', register: phaseRoutes.register }]);
    const data = await tinyPhaseDataset(join(r.ctx.dir, 'dataset'));
    const t = await tinyPhaseModel(data, r.ctx.modelsRoot);
    modelId = t.meta.id;
    modelDir = t.modelDir;
    mapId = await r.ctx.addUpload('scan.npz', await tinyPhaseMap(join(r.ctx.dir, 'maps')));
    await tinyPhaseCifs(join(r.ctx.dataDir, 'cifs'));
  }, 120_000);
  afterAll(() => r.close());

  let pred: PredictReply;
  it('predicts an uploaded map and stores the prediction file as an upload', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/api/phase/predict',
      payload: { model: modelId, input: { root: 'uploads', path: mapId } },
    });
    expect(res.statusCode).toBe(200);
    pred = res.json<PredictReply>();
    expect(pred.shape).toEqual([4, 5, 2]);
    expect(pred.phases).toEqual(['au', 'pbi2-2h']);
    expect(pred.cnnId).toBe(modelId);
    expect(pred.argmax).toHaveLength(20);
    // the numbers of the library's prediction, and of the stored file
    const bundle = await loadBundle(modelDir);
    try {
      const map = await readExperimentalMap(await r.ctx.uploadPath(mapId));
      const p = await predictPhaseMap(bundle, map);
      expect(pred.probabilities).toEqual(Array.from(p.pred));
    } finally {
      bundle.model.dispose();
    }
    const file = await r.ctx.resolveFile(pred.prediction);
    expect(file).toMatch(/scan_probability_pred\.npz$/);
    const npz = await readNpz(file);
    expect(Array.from(npz.pred!.data as Float32Array)).toEqual(pred.probabilities);
    expect(npz.phases!.data).toEqual(['au', 'pbi2-2h']);
    for (let i = 0; i < 20; i++) {
      const [a, b] = [pred.probabilities[2 * i]!, pred.probabilities[2 * i + 1]!];
      expect(pred.argmax[i]).toBe(b > a ? 1 : 0);
    }
  });

  it('loads the model once per server and again when its bundle changes', async () => {
    const cache = modelCacheOf(r.ctx);
    const loads = cache.stats().loads;
    const ask = async () => {
      const res = await r.app.inject({
        method: 'POST',
        url: '/api/phase/predict',
        payload: { model: modelId, input: { root: 'uploads', path: mapId } },
      });
      expect(res.statusCode).toBe(200);
      return res.json<PredictReply>().probabilities;
    };
    expect(await ask()).toEqual(pred.probabilities);
    expect(cache.stats().loads).toBe(loads);
    // the same bundle written again (a new mtime): loaded again, same answer
    const meta = join(modelDir, 'bragg.json');
    writeFileSync(meta, readFileSync(meta));
    utimesSync(meta, new Date(), new Date(Date.now() + 5000));
    expect(await ask()).toEqual(pred.probabilities);
    expect(cache.stats().loads).toBe(loads + 1);
  });

  it('evaluates the prediction against bundled structures or served CIFs, as the CLI does', async () => {
    const body = { prediction: pred.prediction, experiment: { root: 'uploads', path: mapId } };
    const a = await r.app.inject({ method: 'POST', url: '/api/phase/evaluate', payload: { ...body, structures: ['au', 'pbi2-2h'] } }); // prettier-ignore
    expect(a.statusCode).toBe(200);
    const b = await r.app.inject({
      method: 'POST',
      url: '/api/phase/evaluate',
      payload: { ...body, cifs: [{ root: 'data0', path: 'cifs/au.cif' }, { root: 'data0', path: 'cifs/pbi2-2h.cif' }] }, // prettier-ignore
    });
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual(a.json());
    // the library function behind `bragg phase evaluate`, on the same files in the seed's layout
    const expDir = join(r.ctx.dir, 'exp');
    mkdirSync(expDir);
    await tinyPhaseMap(expDir, 'scan');
    const e = await evaluatePredictionFile(await r.ctx.resolveFile(pred.prediction), expDir, join(r.ctx.dataDir, 'cifs')); // prettier-ignore
    const got = a.json<{ phases: unknown[]; pixels: number; meanDistance: number | null; prediction: unknown }>(); // prettier-ignore
    expect(got.pixels).toBe(20);
    expect(got.meanDistance).toBe(e.meanDistance);
    expect(got.phases).toEqual(
      JSON.parse(JSON.stringify(e.phases.map((p) => (p.status === 'present' ? { ...p, meanProfile: undefined } : p)))), // prettier-ignore
    );
    expect(got.prediction).toEqual(pred.prediction);
  });

  it('answers bad requests with 4xx naming the field', async () => {
    const cases: [string, object, number, string | undefined][] = [
      ['predict', { model: 'x', input: { root: 'uploads', path: mapId } }, 400, 'model'],
      ['predict', { model: '00000000-0000-4000-8000-000000000000', input: { root: 'uploads', path: mapId } }, 404, undefined], // prettier-ignore
      [
        'predict',
        { model: modelId, input: { root: 'data0', path: '../../x.npz' } },
        400,
        'input.path',
      ],
      [
        'predict',
        { model: modelId, input: { root: 'data0', path: 'cifs/au.cif' } },
        400,
        undefined,
      ],
      ['predict', { model: modelId }, 400, 'input'],
      ['evaluate', { prediction: { root: 'uploads', path: mapId }, experiment: { root: 'uploads', path: mapId }, structures: ['au'] }, 400, undefined], // prettier-ignore
      [
        'evaluate',
        { prediction: pred.prediction, experiment: { root: 'uploads', path: mapId } },
        400,
        'cifs',
      ],
      ['evaluate', { prediction: pred.prediction, experiment: { root: 'uploads', path: mapId }, structures: ['au'] }, 404, undefined], // prettier-ignore
    ];
    for (const [url, body, status, field] of cases) {
      const res = await r.app.inject({ method: 'POST', url: `/api/phase/${url}`, payload: body });
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(status);
      if (field !== undefined)
        expect(res.json<{ error: { field?: string } }>().error.field).toBe(field);
    }
  });
});
