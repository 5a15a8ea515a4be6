/**
 * The classify routes on a tiny trained model: `GET /api/classify/models` lists it;
 * `POST /api/classify/predict` on a served TFRecord shard gives the probabilities and Grad-CAM++
 * maps `predictClassify` (what `bragg classify predict` runs) writes into predictions.h5 for the
 * same file, one frame of it or the same image uploaded as NPY gives the same answer, overlays
 * are the CLI's maps over the CLI's input; a seed predict-mode TFRecord (int32 bunch ids in
 * `image/class/label`, written by Python) names the images by bunch id; bad inputs are a 4xx
 * naming the field.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  i32le,
  PYTHON,
  PYTHON_SKIP_REASON,
  u16le,
  writeTfrecordWithPython,
  type PyFeature,
} from '../../../test/support/formats/tfrecord/python-writer.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { tinyClassifyModel, TINY_CLASSIFY_SIDE, type TinyClassify } from '../../../test/support/workflows/classify/tiny-model.js'; // prettier-ignore
import { ndarray } from '../../core/ndarray.js';
import { decodePng } from '../../formats/image/png.js';
import { writeNpy } from '../../formats/npy/npy.js';
import { openAny } from '../../formats/registry.js';
import { loadBundle } from '../../ml/store/bundle.js';
import { overlayPng, predictClassify } from './predict.js';
import { classifyRoutes, MAX_IMAGES } from './routes.js';

interface Reply {
  model: string;
  labels: string[];
  targetSize: number;
  images: {
    input: number;
    frame: number;
    name: string;
    bunchId?: number;
    probabilities: number[];
    prediction: number[];
    classes: string[];
    best: string;
    image: string;
    overlays: Record<string, string>;
  }[];
}

describe('classify routes', () => {
  let r: RouteApp;
  let tiny: TinyClassify;
  const shard = { root: 'data0', path: 'shard.tfrecord' };
  beforeAll(async () => {
    r = await routeApp([{ prefix: '/api/classify', register: classifyRoutes.register }]);
    tiny = await tinyClassifyModel(join(r.ctx.dir, 'dataset'), r.ctx.modelsRoot);
    await copyFile(tiny.evalShard, join(r.ctx.dataDir, 'shard.tfrecord'));
    await writeFile(join(r.ctx.dataDir, 'notes.txt'), 'not an image\n');
  }, 120_000);
  afterAll(() => r.close());

  const predict = (body: unknown) =>
    r.app.inject({ method: 'POST', url: '/api/classify/predict', payload: body as object });
  const fieldOf = (res: { json(): unknown }) =>
    (res.json() as { error: { field?: string } }).error.field;

  it('lists the classify models with their classes, architecture and target size', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/api/classify/models' });
    expect(res.statusCode).toBe(200);
    const { models } = res.json<{ models: Record<string, unknown>[] }>();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({
      id: tiny.id,
      labels: tiny.labels,
      architecture: 'airynet-vgg',
      targetSize: TINY_CLASSIFY_SIDE,
      multiLabel: true,
    });
  });

  let all: Reply;
  it('predicts a served TFRecord shard as predictClassify does (probabilities, decisions, maps)', async () => {
    const res = await predict({ model: tiny.id, inputs: [shard], overlay: 'all' });
    expect(res.statusCode, res.body).toBe(200);
    all = res.json<Reply>();
    expect(all.labels).toEqual(tiny.labels);
    expect(all.images).toHaveLength(8);
    const out = join(r.ctx.dir, 'cli-predict');
    const bundle = await loadBundle(tiny.modelDir);
    try {
      await predictClassify(bundle, { input: tiny.evalShard, outDir: out, overlays: 0 });
    } finally {
      bundle.model.dispose();
    }
    const h5 = await openAny(join(out, 'predictions.h5'));
    try {
      const get = async (p: string) => {
        const d = h5.datasets.find((x) => x.name.replace(/^\//, '') === p)!;
        return Array.from((await h5.read(d.name)).array.data as Float32Array, Number);
      };
      for (const img of all.images) {
        expect(img.name).toBe(`shard.tfrecord[${img.frame}]`);
        const p = await get(`${img.frame}/probability`);
        expect(img.probabilities.length).toBe(tiny.labels.length);
        img.probabilities.forEach((v, q) => expect(v).toBeCloseTo(p[q]!, 6));
        expect(img.prediction).toEqual(await get(`${img.frame}/prediction`));
        expect(img.classes).toEqual(tiny.labels.filter((_, q) => img.prediction[q] === 1));
        expect(Object.keys(img.overlays)).toEqual(tiny.labels);
      }
      // the overlay is the CLI's map over the CLI's network input
      const img = Float32Array.from(await get('2/img'));
      for (const [q, c] of tiny.labels.entries()) {
        const want = decodePng(overlayPng(img, Float32Array.from(await get(`2/${q}/grad_cam`)), TINY_CLASSIFY_SIDE)).array.data; // prettier-ignore
        const got = decodePng(Buffer.from(all.images[2]!.overlays[c]!, 'base64')).array.data;
        expect(got.length).toBe(want.length);
        let worst = 0;
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(Number(got[i]) - Number(want[i]))); // prettier-ignore
        expect(worst).toBeLessThanOrEqual(1);
      }
    } finally {
      await h5.close();
    }
    const png = decodePng(Buffer.from(all.images[0]!.overlays[tiny.labels[0]!]!, 'base64'));
    expect(png.array.shape.slice(0, 2)).toEqual([TINY_CLASSIFY_SIDE, TINY_CLASSIFY_SIDE]);
    const gray = decodePng(Buffer.from(all.images[0]!.image, 'base64'));
    expect(gray.array.shape.slice(0, 2)).toEqual([TINY_CLASSIFY_SIDE, TINY_CLASSIFY_SIDE]);
  });

  it('gives one frame of the stack, or the same image uploaded as NPY, the same answer', async () => {
    const one = await predict({
      model: tiny.id,
      inputs: [{ ...shard, frame: 3 }],
      overlay: 'none',
    });
    expect(one.statusCode, one.body).toBe(200);
    const o = one.json<Reply>().images;
    expect(o).toHaveLength(1);
    expect(o[0]!.frame).toBe(3);
    expect(o[0]!.overlays).toEqual({});
    o[0]!.probabilities.forEach((v, q) => expect(v).toBeCloseTo(all.images[3]!.probabilities[q]!, 6)); // prettier-ignore

    const f = await openAny(tiny.evalShard);
    const a = (await f.read('images', { frame: 3 })).array;
    await f.close();
    const id = await r.ctx.addUpload('frame3.npy', writeNpy(ndarray('uint16', [a.shape[0]!, a.shape[1]!], a.data as Uint16Array))); // prettier-ignore
    const up = await predict({ model: tiny.id, inputs: [{ root: 'uploads', path: id }] });
    expect(up.statusCode, up.body).toBe(200);
    const u = up.json<Reply>().images[0]!;
    expect(u.name).toBe('frame3.npy');
    u.probabilities.forEach((v, q) => expect(v).toBeCloseTo(all.images[3]!.probabilities[q]!, 6));
    // default overlays: the decided classes and the most probable one
    const want = new Set([u.best, ...u.classes]);
    expect(new Set(Object.keys(u.overlays))).toEqual(want);
  });

  it('refuses bad inputs with a 4xx naming the field', async () => {
    const cases: [unknown, number, string | undefined][] = [
      [{ model: 'nope', inputs: [shard] }, 400, 'model'],
      [{ model: '00000000-0000-4000-8000-000000000000', inputs: [shard] }, 404, undefined],
      [{ model: tiny.id, inputs: [] }, 400, 'inputs'],
      [{ model: tiny.id, inputs: [{ root: 'data0', path: '../x' }] }, 400, 'inputs[0].path'],
      [{ model: tiny.id, inputs: [{ root: 'data0', path: 'notes.txt' }] }, 400, 'inputs[0]'],
      [{ model: tiny.id, inputs: [{ ...shard, frame: 8 }] }, 400, 'inputs[0].frame'],
      [{ model: tiny.id, inputs: [shard], overlay: ['NoSuchClass'] }, 400, 'overlay[0]'],
      [{ model: tiny.id, inputs: [shard], method: 'cam' }, 400, 'method'],
      [{ model: tiny.id, inputs: [shard], extra: 1 }, 400, 'extra'],
      [{ model: tiny.id, inputs: Array.from({ length: MAX_IMAGES / 8 + 1 }, () => shard) }, 413, 'inputs'], // prettier-ignore
      [{ model: tiny.id, inputs: Array.from({ length: 4 }, () => shard), overlay: 'all' }, 413, 'overlay'], // prettier-ignore
    ];
    for (const [body, status, field] of cases) {
      const res = await predict(body);
      expect(res.statusCode, `${JSON.stringify(body).slice(0, 200)} → ${res.body}`).toBe(status);
      if (field !== undefined) expect(fieldOf(res), res.body).toBe(field);
    }
  });

  it.skipIf(PYTHON === undefined)(
    `names images by the int32 bunch ids of a seed predict-mode TFRecord written by Python (CLI and route)${PYTHON ? '' : ` (skipped: ${PYTHON_SKIP_REASON})`}`,
    async () => {
      const ids = [4711, -3, 123_456_789];
      const f = await openAny(tiny.evalShard);
      const records = [];
      for (const [k, id] of ids.entries()) {
        const a = (await f.read('images', { frame: k })).array;
        records.push({
          'image/encoded': ['bytes', u16le(a.data as Uint16Array)],
          'image/format': ['bytes', new TextEncoder().encode('raw')],
          'image/height': ['int64', [a.shape[0]!]],
          'image/width': ['int64', [a.shape[1]!]],
          'image/class/label': ['bytes', i32le(id)],
        } satisfies Record<string, PyFeature>);
      }
      await f.close();
      const path = join(r.ctx.dataDir, 'predict.tfrecord');
      writeTfrecordWithPython(path, records);
      // the CLI's library function: groups and lines named by the bunch ids
      const out = join(r.ctx.dir, 'cli-bunch');
      const bundle = await loadBundle(tiny.modelDir);
      try {
        const res = await predictClassify(bundle, { input: path, outDir: out, overlays: 0 });
        expect(res.bunchIds).toBe(true);
      } finally {
        bundle.model.dispose();
      }
      const txt = (await readFile(join(out, 'predictions.txt'), 'utf8')).trim().split('\n');
      expect(txt[0]!.startsWith('# bunch_id\t')).toBe(true);
      expect(txt.slice(1).map((l) => Number(l.split('\t')[0]))).toEqual(ids);
      const h5 = await openAny(join(out, 'predictions.h5'));
      try {
        const names = h5.datasets.map((d) => d.name.replace(/^\//, ''));
        for (const id of ids) expect(names).toContain(`${id}/probability`);
      } finally {
        await h5.close();
      }
      // the route: the same ids and the shard's probabilities for the same pixels
      const res = await predict({ model: tiny.id, inputs: [{ root: 'data0', path: 'predict.tfrecord' }], overlay: 'none' }); // prettier-ignore
      expect(res.statusCode, res.body).toBe(200);
      const imgs = res.json<Reply>().images;
      expect(imgs.map((i) => i.bunchId)).toEqual(ids);
      for (const [k, img] of imgs.entries()) {
        img.probabilities.forEach((v, q) => expect(v).toBeCloseTo(all.images[k]!.probabilities[q]!, 6)); // prettier-ignore
      }
      // a layout on a file that is not a TFRecord names the input
      const npy = await predict({ model: tiny.id, inputs: [shard, { root: 'data0', path: 'notes.txt' }], layout: 'bunch=x' }); // prettier-ignore
      expect(npy.statusCode).toBe(400);
      expect(fieldOf(npy)).toBe('inputs[1]');
      const bad = await predict({ model: tiny.id, inputs: [shard], layout: 'colour=x' });
      expect(bad.statusCode).toBe(400);
      expect(fieldOf(bad)).toBe('layout');
    },
  );

  it('refuses a model of another workflow', async () => {
    const dir = join(r.ctx.modelsRoot, 'other');
    await mkdir(dir, { recursive: true });
    const bundleMeta = JSON.parse(await readFile(join(tiny.modelDir, 'bragg.json'), 'utf8')) as Record<string, unknown>; // prettier-ignore
    const id = '11111111-1111-4111-8111-111111111111';
    await writeFile(join(dir, 'bragg.json'), JSON.stringify({ ...bundleMeta, id, workflow: 'phase' })); // prettier-ignore
    const res = await predict({ model: id, inputs: [shard] });
    expect(res.statusCode, res.body).toBe(400);
    expect(fieldOf(res)).toBe('model');
    const list = await r.app.inject({ method: 'GET', url: '/api/classify/models' });
    expect(list.json<{ models: { id: string }[] }>().models.map((m) => m.id)).toEqual([tiny.id]);
  });
});
