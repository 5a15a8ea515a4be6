/**
 * The peaks routes on a small synthetic scan (served) and an NPY stack (uploaded): `POST
 * /predict` answers what `predictScan` (behind `bragg peaks predict`) writes for the same frames
 * — the peak table and the masks, by run lengths and as an NPY upload; `POST /scan`; `POST
 * /overlay` (a PNG of the frame's size); bad input → 4xx with the field.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndarray } from '../../core/ndarray.js';
import { decodePng } from '../../formats/image/png.js';
import { readNpy, writeNpy } from '../../formats/npy/npy.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { openMaskFile } from './labels/label-file.js';
import { predictScan } from './predict/predict.js';
import { decodeRle, encodeRle, MAX_PREDICT_FRAMES, peaksRoutes } from './routes.js';
import { openScan } from './scan/input.js';
import { planScan, renderFrame } from './synthetic/scene.js';
import { writeSyntheticScan } from './synthetic/write-scan.js';

interface Peak {
  id: number;
  centroid: number[];
  bbox: number[];
  area: number;
  intensity: number;
  confidence: number;
}
interface Reply {
  dataset: string;
  shape: number[];
  frames: number[];
  method: string;
  peaks: number;
  results: { frame: number; peaks: Peak[]; rle: number[] }[];
  masks?: { root: string; path: string };
}

const H = 40;
const W = 60;
const N = 8;

describe('peaks routes', () => {
  let r: RouteApp;
  let scanPath = '';
  let tmp = '';
  let npyId = '';
  const served = { root: 'data0', path: 'scans/s.nxs' };
  beforeAll(async () => {
    r = await routeApp([{ prefix: '/api/peaks', register: peaksRoutes.register }]);
    const plan = planScan({ frames: N, height: H, width: W, seed: 3, density: 2 });
    scanPath = join(r.ctx.dataDir, 'scans', 's.nxs');
    await mkdir(join(r.ctx.dataDir, 'scans'));
    await writeSyntheticScan(plan, scanPath, join(r.ctx.dataDir, 'scans', 's_labels.h5'));
    const stack = new Float32Array(3 * H * W);
    for (let f = 0; f < 3; f++) stack.set(renderFrame(plan, f).counts, f * H * W);
    npyId = await r.ctx.addUpload('stack.npy', writeNpy(ndarray('float32', [3, H, W], stack)));
    tmp = await mkdtemp(join(tmpdir(), 'bragg-peaks-routes-'));
  }, 60_000);
  afterAll(async () => {
    await r.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const post = (url: string, payload: unknown) =>
    r.app.inject({ method: 'POST', url: `/api/peaks/${url}`, payload: payload as object });

  it('run lengths round-trip a mask', () => {
    const m = Uint16Array.from([0, 0, 1, 1, 1, 0, 2, 2, 1, 0, 0, 3]);
    const rle = encodeRle(m);
    expect(rle).toEqual([2, 3, 1, 6, 2, 2, 8, 1, 1, 11, 1, 3]);
    expect(Array.from(decodeRle(rle, m.length))).toEqual(Array.from(m));
  });

  it('describes a served scan', async () => {
    const res = await post('scan', { input: served });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      dataset: '/entry1/pil3_100k/data',
      frames: N,
      height: H,
      width: W,
      scanAxis: { name: 'eta' },
    });
  });

  it('predicts a frame range as predictScan does for the same frames', async () => {
    const res = await post('predict', { input: served, frames: [2, 7], npy: true });
    expect(res.statusCode).toBe(200);
    const body = res.json<Reply>();
    expect(body.shape).toEqual([N, H, W]);
    expect(body.frames).toEqual([2, 7]);
    expect(body.method).toBe('classic');
    expect(body.results.map((f) => f.frame)).toEqual([2, 3, 4, 5, 6]);

    const cli = await predictScan({
      scan: scanPath,
      outDir: join(tmp, 'cli'),
      method: 'classic',
      frames: [2, 7],
      overlays: 0,
    });
    const m = await openMaskFile(cli.masks);
    try {
      const masks = await m.read(0, 5);
      expect(masks.some((v) => v > 0)).toBe(true);
      expect(body.peaks).toBe(m.peaks.length);
      for (let k = 0; k < 5; k++) {
        const f = body.results[k]!;
        const want = masks.subarray(k * H * W, (k + 1) * H * W);
        expect(Array.from(decodeRle(f.rle, H * W))).toEqual(Array.from(want));
        const rows = m.peaks.filter((p) => p.frame === 2 + k);
        expect(f.peaks).toEqual(
          rows.map((p) => ({
            id: p.id,
            centroid: [p.cy, p.cx],
            bbox: [p.y0, p.x0, p.y1, p.x1],
            area: p.area,
            intensity: p.intensity,
            confidence: p.confidence,
          })),
        );
      }
      // the NPY upload holds the same masks
      expect(body.masks?.root).toBe('uploads');
      const npy = await readNpy(new Uint8Array(await readFile(await r.ctx.resolveFile(body.masks!)))); // prettier-ignore
      expect(npy.shape).toEqual([5, H, W]);
      expect(Array.from(npy.data as Uint16Array)).toEqual(Array.from(masks));
    } finally {
      await m.close();
    }
  });

  it('predicts one frame of an uploaded NPY stack', async () => {
    const res = await post('predict', {
      input: { root: 'uploads', path: npyId },
      frame: 1,
      classic: { snr: 6 },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<Reply>();
    expect(body.shape).toEqual([3, H, W]);
    expect(body.results).toHaveLength(1);
    const cli = await predictScan({
      scan: await r.ctx.uploadPath(npyId),
      outDir: join(tmp, 'npy'),
      method: 'classic',
      classic: { snr: 6 },
      frames: [1, 2],
      overlays: 0,
    });
    expect(body.peaks).toBe(cli.peaks);
    const m = await openMaskFile(cli.masks);
    try {
      expect(Array.from(decodeRle(body.results[0]!.rle, H * W))).toEqual(Array.from(await m.read(0, 1))); // prettier-ignore
    } finally {
      await m.close();
    }
  });

  it('draws a frame with its masks as a PNG', async () => {
    for (const [style, shape] of [
      ['frame', [H, W]],
      ['figure', [2 * H + 4, 2 * W + 4]],
    ] as const) {
      const res = await post('overlay', { input: served, frame: 3, style });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(decodePng(new Uint8Array(res.rawPayload)).array.shape).toEqual(shape);
    }
  });

  it('answers bad input with a 4xx naming the field', async () => {
    const cases: [unknown, string, number, string][] = [
      [{ input: served, frames: [5, 20] }, 'predict', 400, 'frames'],
      [{ input: served, frame: N }, 'predict', 400, 'frame'],
      [{ input: served, frame: 1, frames: [0, 2] }, 'predict', 400, 'frames'],
      [{ input: served, model: 'nope' }, 'predict', 400, 'model'],
      [{ input: served, method: 'model' }, 'predict', 400, 'model'],
      [{ input: served, threshold: 0.5 }, 'predict', 400, 'threshold'],
      [{ input: served, gate: 5 }, 'predict', 400, 'gate'],
      [{ input: served, classic: { snr: 6 }, method: 'model', model: '00000000-0000-4000-8000-000000000000' }, 'predict', 400, 'classic'], // prettier-ignore
      [{ input: served, model: '00000000-0000-4000-8000-000000000000' }, 'predict', 404, ''],
      [{ input: served, dataset: '/entry1/nothing' }, 'scan', 400, 'dataset'],
      [{ input: { root: 'data0', path: 'scans/s_labels.h5' }, frame: 0, dataset: '/frame_index' }, 'predict', 400, 'dataset'], // prettier-ignore
      [{ input: { root: 'data0', path: '../x.nxs' } }, 'scan', 400, 'input.path'],
      [{ input: { root: 'data0', path: 'none.nxs' } }, 'scan', 404, ''],
      [{ input: served, frame: 0, classic: { minPixels: 10, maxPixels: 5 } }, 'predict', 400, 'classic.minPixels'], // prettier-ignore
      [{ input: served }, 'overlay', 400, ''],
    ];
    for (const [payload, url, status, field] of cases) {
      const res = await post(url, payload);
      expect({ payload, status: res.statusCode }).toEqual({ payload, status });
      if (field !== '') expect(res.json<{ error: { field?: string } }>().error.field).toBe(field);
    }
  });

  it('refuses more than MAX_PREDICT_FRAMES frames with 413 and the field', async () => {
    const plan = planScan({ frames: MAX_PREDICT_FRAMES + 1, height: 4, width: 5, seed: 1 });
    await writeSyntheticScan(plan, join(r.ctx.dataDir, 'long.nxs'), join(tmp, 'long_labels.h5'));
    const res = await post('predict', { input: { root: 'data0', path: 'long.nxs' } });
    expect(res.statusCode).toBe(413);
    expect(res.json<{ error: { field?: string; code: string } }>().error).toMatchObject({
      code: 'LIMIT',
      field: 'frames',
    });
    const s = await openScan(join(r.ctx.dataDir, 'long.nxs'));
    await s.close();
    expect(s.info.frames).toBe(MAX_PREDICT_FRAMES + 1);
  });
});
