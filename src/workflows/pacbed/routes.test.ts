/**
 * The PACBED routes on tiny trained models: the seed's `POST /inference/` (raw bytes and DM4,
 * the answer equal to the library's prediction, the figure a PNG), concurrent requests, bad
 * parameters naming the field; `GET /api/pacbed/models` and `POST /api/pacbed/predict`.
 */
import fastifyMultipart from '@fastify/multipart';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelCacheOf } from '../../ml/store/model-cache.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { testServer, type TestServer } from '../../../test/support/server/server.js';
import { writePacbedDm4 } from '../../../test/support/workflows/pacbed/dm4.js';
import { tinyPacbedModels, tinyPattern, TINY_SIDE } from '../../../test/support/workflows/pacbed/tiny-models.js'; // prettier-ignore
import { ndarray } from '../../core/ndarray.js';
import { writeNpy } from '../../formats/npy/npy.js';
import { decodeRaw } from './pattern-io.js';
import { disposeModels, loadPacbedModels, predictWithModels } from './predict.js';
import { pacbedRoutes, pacbedSeedRoutes } from './routes.js';

const BOUNDARY = 'bragg-test-boundary';

interface Part {
  name: string;
  body: Uint8Array | string;
  filename?: string;
  type?: string;
}

/** A multipart/form-data body as `requests` writes it. */
function multipart(parts: Part[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const fn = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    const ct = p.type === undefined ? '' : `\r\nContent-Type: ${p.type}`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${fn}${ct}\r\n\r\n`)); // prettier-ignore
    chunks.push(Buffer.from(p.body));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

const physical = (o: Record<string, unknown> = {}) => ({
  acceleration_voltage: 80000,
  zone_axis: { u: 0, v: 0, w: 1 },
  crystal_structure: 'Rutile',
  convergence_angle: 20,
  ...o,
});

const PATTERN = tinyPattern(20, 1);
const RAW = new Uint8Array(PATTERN.buffer.slice(0));
const RAW_PARAMS = { typ: 'raw', dtype: 'float32', width: TINY_SIDE, height: TINY_SIDE };

interface InferenceReply {
  thickness: number;
  mistilt: number;
  scale: number;
  validation: string;
  prediction: {
    thickness: { value: number; probabilities: number[]; labels: number[] };
    mistilt: { value: number; probabilities: number[] };
    key: string;
  };
}

describe('pacbed routes', () => {
  let r: RouteApp;
  beforeAll(async () => {
    r = await routeApp([
      {
        prefix: '',
        async register(app, ctx) {
          await app.register(fastifyMultipart, { limits: { files: 1, fields: 4, parts: 5, fieldSize: 1024 } }); // prettier-ignore
          await pacbedSeedRoutes.register(app, ctx);
        },
      },
      { prefix: '/api/pacbed', register: pacbedRoutes.register },
    ]);
    await tinyPacbedModels(join(r.ctx.dir, 'table'), join(r.ctx.modelsRoot, 'pacbed'));
  }, 120_000);
  afterAll(() => r.close());

  const infer = (params: unknown, file: Uint8Array = RAW, filename = 'pacbed.raw') =>
    r.app.inject({
      method: 'POST',
      url: '/inference/',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: multipart([
        { name: 'file', body: file, filename, type: 'application/octet-stream' },
        { name: 'parameters', body: typeof params === 'string' ? params : JSON.stringify(params), type: 'application/json' }, // prettier-ignore
      ]),
    });

  let first: InferenceReply;
  it('answers the seed client’s raw request with the library’s prediction and a PNG figure', async () => {
    const res = await infer({ file_params: RAW_PARAMS, physical_params: physical() });
    expect(res.statusCode).toBe(200);
    first = res.json<InferenceReply>();
    const models = await loadPacbedModels(join(r.ctx.modelsRoot, 'pacbed'), 'Rutile', 80, [0, 0, 1]); // prettier-ignore
    try {
      const p = predictWithModels(models, decodeRaw(RAW, RAW_PARAMS), 20);
      expect(first.thickness).toBe(p.thickness.value);
      expect(first.mistilt).toBe(p.mistilt.value);
      expect(first.scale).toBe(1);
      expect(first.prediction.thickness.probabilities).toEqual(p.thickness.probabilities);
      expect(first.prediction.thickness.labels).toEqual([10, 20]);
    } finally {
      disposeModels(models);
    }
    expect(first.prediction.key).toBe('Rutile, 80 kV, [0 0 1]');
    const png = Buffer.from(first.validation, 'base64');
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThan(600); // width: image + two bar panels
  });

  it('reads a DM4 file part (typ dm4) as the same pattern', async () => {
    const file = join(r.ctx.dir, 'p.dm4');
    writePacbedDm4(file, PATTERN, TINY_SIDE, TINY_SIDE);
    const res = await infer({ file_params: { typ: 'dm4' }, physical_params: physical() }, readFileSync(file), 'p.dm4'); // prettier-ignore
    expect(res.statusCode).toBe(200);
    const b = res.json<InferenceReply>();
    expect(b.prediction.thickness.probabilities).toEqual(first.prediction.thickness.probabilities);
    expect(b.prediction.mistilt.probabilities).toEqual(first.prediction.mistilt.probabilities);
  });

  it('reads any format bragg knows with typ file (bragg’s extension), here NPY', async () => {
    const npy = writeNpy(ndarray('float32', [TINY_SIDE, TINY_SIDE], PATTERN));
    const res = await infer({ file_params: { typ: 'file' }, physical_params: physical() }, npy, 'p.npy'); // prettier-ignore
    expect(res.statusCode).toBe(200);
    const b = res.json<InferenceReply>();
    expect(b.prediction.thickness.probabilities).toEqual(first.prediction.thickness.probabilities);
  });

  it('answers concurrent requests alike, with the models loaded once per server', async () => {
    const cache = modelCacheOf(r.ctx);
    const loads = cache.stats().loads;
    expect(loads).toBeGreaterThanOrEqual(2); // thickness and mistilt, by the requests before
    const all = await Promise.all(
      Array.from({ length: 5 }, () => infer({ file_params: RAW_PARAMS, physical_params: physical() })), // prettier-ignore
    );
    for (const res of all) {
      expect(res.statusCode).toBe(200);
      expect(res.json<InferenceReply>().prediction.thickness.probabilities).toEqual(
        first.prediction.thickness.probabilities,
      );
    }
    expect(cache.stats().loads).toBe(loads);
  });

  it.each([
    ['a convergence angle outside the models’ range', { file_params: RAW_PARAMS, physical_params: physical({ convergence_angle: 30 }) }, 400, 'parameters.physical_params.convergence_angle', /outside the range.*19…21 mrad/], // prettier-ignore
    ['a key nobody registered', { file_params: RAW_PARAMS, physical_params: physical({ crystal_structure: 'SrTiO3' }) }, 400, 'parameters.physical_params', /no PACBED models for SrTiO3.*registered: Rutile, 80 kV/], // prettier-ignore
    ['another high tension', { file_params: RAW_PARAMS, physical_params: physical({ acceleration_voltage: 300000 }) }, 400, 'parameters.physical_params', /300 kV/], // prettier-ignore
    ['a byte count the layout does not match', { file_params: { ...RAW_PARAMS, width: 31 }, physical_params: physical() }, 400, 'parameters.file_params.dtype', /4096 bytes; 32×31 float32 needs 3968/], // prettier-ignore
    ['an unknown dtype', { file_params: { ...RAW_PARAMS, dtype: 'complex64' }, physical_params: physical() }, 400, 'parameters.file_params.dtype', /unsupported raw dtype 'complex64'/], // prettier-ignore
    ['a zone axis index that is not an integer', { file_params: RAW_PARAMS, physical_params: physical({ zone_axis: { u: 0.5, v: 0, w: 1 } }) }, 400, 'parameters.physical_params.zone_axis.u', /integer/], // prettier-ignore
    ['an unknown file type', { file_params: { typ: 'tiff' }, physical_params: physical() }, 400, 'parameters.file_params.typ', /raw|dm4/], // prettier-ignore
    ['no physical parameters', { file_params: RAW_PARAMS }, 400, 'parameters.physical_params', /Required/], // prettier-ignore
    ['parameters that are not JSON', '{"file_params":', 400, 'parameters', /not JSON/],
  ])('refuses %s naming the field', async (_name, params, status, field, message) => {
    const res = await infer(params);
    expect(res.statusCode).toBe(status);
    const e = res.json<{ error: { field?: string; message: string } }>().error;
    expect(e.field, e.message).toBe(field);
    expect(e.message).toMatch(message);
  });

  it('refuses DM4 bytes that are not a DM4 file, naming the file', async () => {
    const res = await infer({ file_params: { typ: 'dm4' }, physical_params: physical() }, RAW, 'x.dm4'); // prettier-ignore
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/x\.dm4/);
  });

  it('refuses a request without a file part', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/inference/',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: multipart([{ name: 'parameters', body: JSON.stringify({ file_params: RAW_PARAMS, physical_params: physical() }) }]), // prettier-ignore
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { field?: string } }>().error.field).toBe('file');
  });

  it('lists the register', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/api/pacbed/models' });
    expect(res.statusCode).toBe(200);
    const b = res.json<{ root: string; entries: { material: string; kv: number; zone: number[]; models: Record<string, { convRange: number[] }> }[] }>(); // prettier-ignore
    expect(b.root).toBe('pacbed'); // relative: no server folder in answers
    expect(b.entries).toHaveLength(1);
    expect(b.entries[0]).toMatchObject({ material: 'Rutile', kv: 80, zone: [0, 0, 1] });
    expect(Object.keys(b.entries[0]!.models).sort()).toEqual(['mistilt', 'thickness']);
    expect(b.entries[0]!.models.thickness!.convRange).toEqual([19, 21]);
  });

  it('predicts an uploaded DM4 by reference as /inference/ does', async () => {
    const file = join(r.ctx.dir, 'p.dm4');
    const id = await r.ctx.addUpload('p.dm4', readFileSync(file));
    const body = { input: { root: 'uploads', path: id }, material: 'rutile', kv: 80, zone: [0, 0, 1], convAngle: 20 }; // prettier-ignore
    const res = await r.app.inject({ method: 'POST', url: '/api/pacbed/predict', payload: body });
    expect(res.statusCode).toBe(200);
    const b = res.json<InferenceReply['prediction'] & { validation: string; input: unknown }>();
    expect(b.input).toEqual(body.input);
    expect(b.thickness.probabilities).toEqual(first.prediction.thickness.probabilities);
    expect(b.validation.length).toBeGreaterThan(100);
    const bad = await r.app.inject({ method: 'POST', url: '/api/pacbed/predict', payload: { ...body, convAngle: 5 } }); // prettier-ignore
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { field?: string } }>().error.field).toBe('convAngle');
    const none = await r.app.inject({ method: 'POST', url: '/api/pacbed/predict', payload: { ...body, kv: 300 } }); // prettier-ignore
    expect(none.statusCode).toBe(404);
  });
});

describe('POST /inference/ on bragg serve’s app', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer({ token: 'sesame-open-123' });
  });
  afterAll(() => s.dispose());

  const post = (headers: Record<string, string> = {}) =>
    s.app.inject({
      method: 'POST',
      url: '/inference/',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
      payload: multipart([
        { name: 'file', body: RAW, filename: 'pacbed.raw' },
        { name: 'parameters', body: JSON.stringify({ file_params: RAW_PARAMS, physical_params: physical() }), type: 'application/json' }, // prettier-ignore
      ]),
    });

  it('is at the root and needs the server’s token as /api does', async () => {
    expect((await post()).statusCode).toBe(401);
    const res = await post({ authorization: 'Bearer sesame-open-123' });
    // no models in this server's root: the key is refused, naming the field
    expect(res.statusCode).toBe(400);
    const e = res.json<{ error: { field?: string; message: string } }>().error;
    expect(e.field).toBe('parameters.physical_params');
    expect(e.message).toMatch(/registered: nothing/);
    expect(e.message).not.toContain(s.dir);
  });
});
