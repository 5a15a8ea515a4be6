/**
 * The PACBED workflow's Web API. Two route modules:
 *
 * - `pacbedSeedRoutes` (mounted at the root): the seed's own interface, unchanged, so its Python
 *   client (`pacbedclient.query`) and GMS scripts work against `bragg serve`: `POST /inference/`,
 *   multipart with a `parameters` JSON part (`physical_params`: `acceleration_voltage` [V],
 *   `crystal_structure`, `zone_axis {u, v, w}`, `convergence_angle` [mrad]; `file_params`:
 *   `{typ: "raw", dtype, width, height}` or `{typ: "dm4"}`) and a `file` part → `{thickness [Å],
 *   mistilt [mrad], scale, validation: base64 PNG}` plus bragg's `prediction` (probabilities,
 *   expected values, spreads, scale passes, timings). The key is the seed's: (material,
 *   acceleration_voltage // 1000 kV, zone axis).
 * - `pacbedRoutes` (under `/api/pacbed`): `GET /models` (the register) and `POST /predict`
 *   (a served or uploaded pattern by `{root, path}`, the key and the convergence angle as JSON).
 */
import type {} from '@fastify/swagger';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { relative } from 'node:path';
import { BraggError, LimitError, UnsupportedError, ValidationError } from '../../core/errors.js';
import { modelCacheOf } from '../../ml/store/model-cache.js';
import { errorResponses, type RouteContext, type RouteModule } from '../route.js';
import { PATTERN_LIMITS } from './limits.js';
import { decodeRaw, readPattern, type Pattern } from './pattern-io.js';
import { readRegister } from './register.js';
import { pacbedModelsRoot, servePrediction, type ServedPrediction } from './serve.js';
import { inferenceParameters, type InferenceParameters } from './seed-params.js';

/** Most bytes of one pattern sent to `POST /inference/` (a 4096² float64 image). */
export const MAX_INFERENCE_BYTES = 4096 * 4096 * 8;

const fileRef = Type.Object(
  {
    root: Type.String({ minLength: 1, maxLength: 64 }),
    path: Type.String({ maxLength: 4096 }),
  },
  { additionalProperties: false },
);

const target = Type.Object({
  value: Type.Number({ description: 'most probable class' }),
  probability: Type.Number(),
  expected: Type.Number({ description: 'Σ p·v over the classes' }),
  spread: Type.Number({ description: 'sqrt(Σ p·(v − expected)²)' }),
  labels: Type.Array(Type.Number()),
  probabilities: Type.Array(Type.Number()),
});

const prediction = Type.Object(
  {
    thickness: target,
    mistilt: target,
    scale: Type.Number({ description: 'cumulative scale applied (1 without a scale model)' }),
    scaleSteps: Type.Array(
      Type.Object({ s: Type.Number(), probability: Type.Number(), total: Type.Number() }),
    ),
    scaleModel: Type.Boolean(),
    centre: Type.Array(Type.Number(), { description: 'disc centre [y, x] px' }),
    crop: Type.Number({ description: 'crop side [px]' }),
    timings: Type.Record(Type.String(), Type.Number(), { description: 'ms' }),
    models: Type.Record(Type.String(), Type.String(), { description: 'model id per target' }),
    key: Type.String({ description: 'material, kV, zone axis of the models' }),
  },
  { additionalProperties: false },
);

const validation = Type.String({
  description:
    'base64 PNG: the CNN input next to the probability bars (not yet the seed’s comparison with the nearest simulated pattern)',
});

const inferenceReply = Type.Object(
  {
    thickness: Type.Number({ description: 'Å' }),
    mistilt: Type.Number({ description: 'mrad' }),
    scale: Type.Number(),
    validation,
    prediction,
  },
  { additionalProperties: false },
);

const registeredModel = Type.Object({
  id: Type.String(),
  dir: Type.String(),
  convRange: Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: 'mrad' }),
});

const modelsReply = Type.Object(
  {
    root: Type.String({
      description: "the PACBED models root, relative to the server's models root",
    }),
    entries: Type.Array(
      Type.Object({
        material: Type.String(),
        kv: Type.Number({ description: 'high tension [kV]' }),
        zone: Type.Array(Type.Integer(), { minItems: 3, maxItems: 3 }),
        dir: Type.String(),
        models: Type.Object({
          thickness: Type.Optional(registeredModel),
          mistilt: Type.Optional(registeredModel),
          scale: Type.Optional(registeredModel),
        }),
      }),
    ),
  },
  { additionalProperties: false },
);

const predictBody = Type.Object(
  {
    input: fileRef,
    material: Type.String({ minLength: 1, maxLength: 200 }),
    kv: Type.Number({ exclusiveMinimum: 0, maximum: 10000, description: 'high tension [kV]' }),
    zone: Type.Array(Type.Integer({ minimum: -100, maximum: 100 }), { minItems: 3, maxItems: 3 }),
    convAngle: Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'mrad' }),
    raw: Type.Optional(
      Type.Object(
        {
          dtype: Type.String({ minLength: 1, maxLength: 16 }),
          width: Type.Integer({ minimum: 1, maximum: 16384 }),
          height: Type.Integer({ minimum: 1, maximum: 16384 }),
        },
        { additionalProperties: false, description: 'the file is raw pixels of this layout' },
      ),
    ),
  },
  { additionalProperties: false },
);

const predictReply = Type.Object(
  { input: fileRef, ...prediction.properties, validation },
  { additionalProperties: false },
);

function predictionJson(s: ServedPrediction) {
  const p = s.prediction;
  return { ...p, timings: { ...s.timings, ...p.timings }, key: s.key };
}

/** A ValidationError of `inner` (a reader's field) renamed to `field`; other errors as they are. */
function renamed(err: unknown, field: string): unknown {
  if (err instanceof ValidationError) {
    return new ValidationError(err.reason, field, { cause: err });
  }
  return err;
}

/** The two parts of the seed's request: the parameters and the file's bytes. */
async function readInferenceParts(
  req: FastifyRequest,
): Promise<{ params: InferenceParameters; bytes: Uint8Array; name: string }> {
  if (!req.isMultipart()) {
    throw new UnsupportedError(
      `expected multipart/form-data with parts 'parameters' and 'file', got ${String(req.headers['content-type'] ?? 'no content type').slice(0, 100)}`,
    );
  }
  let params: unknown;
  let file: { bytes: Uint8Array; name: string } | undefined;
  try {
    for await (const part of req.parts({ limits: { fileSize: MAX_INFERENCE_BYTES, files: 1 } })) {
      if (part.type === 'file') {
        const f = part as MultipartFile;
        if (f.fieldname !== 'file') {
          f.file.resume();
          throw new ValidationError(`unexpected file part '${f.fieldname.slice(0, 80)}'`, 'file');
        }
        const buf = await f.toBuffer();
        if (f.file.truncated) {
          throw new LimitError('pattern bytes', { field: 'file', value: buf.length, limit: MAX_INFERENCE_BYTES, unit: 'B' }); // prettier-ignore
        }
        file = { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), name: f.filename || 'pattern' }; // prettier-ignore
      } else {
        const v = part as MultipartValue;
        if (v.fieldname !== 'parameters') {
          throw new ValidationError(`unexpected part '${v.fieldname.slice(0, 80)}'`, 'parameters');
        }
        if (v.valueTruncated) throw new ValidationError('the parameters part is too long', 'parameters'); // prettier-ignore
        params = v.value;
      }
    }
  } catch (err) {
    if (err instanceof BraggError) throw err;
    const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
    // the parser JSON-parses a part sent as application/json
    if (err instanceof SyntaxError || e.code === 'FST_INVALID_JSON_FIELD_ERROR') {
      throw new ValidationError('the parameters part is not JSON', 'parameters');
    }
    if (e.statusCode === 413 || e.code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new LimitError('pattern bytes', { field: 'file', value: MAX_INFERENCE_BYTES + 1, limit: MAX_INFERENCE_BYTES, unit: 'B' }); // prettier-ignore
    }
    throw new ValidationError(`malformed multipart/form-data body: ${String(e.message).slice(0, 200)}`, 'file'); // prettier-ignore
  }
  if (params === undefined) throw new ValidationError('the request has no parameters part', 'parameters'); // prettier-ignore
  if (file === undefined) throw new ValidationError('the request has no file part', 'file');
  return { params: inferenceParameters(params), ...file };
}

async function inference(ctx: RouteContext, req: FastifyRequest) {
  const { params, bytes, name } = await readInferenceParts(req);
  const fp = params.file_params;
  const pp = params.physical_params;
  const read = async (): Promise<Pattern> => {
    if (fp.typ === 'raw') {
      try {
        return decodeRaw(bytes, fp, name);
      } catch (err) {
        const f = err instanceof ValidationError ? err.field : undefined;
        throw renamed(err, `parameters.file_params.${f === 'width' || f === 'height' ? f : 'dtype'}`); // prettier-ignore
      }
    }
    try {
      // typ dm4 is read as DM whatever the part's file name; typ file by what the bytes are
      const named = fp.typ === 'dm4' && !/\.dm[34]$/i.test(name) ? `${name}.dm4` : name;
      const p = await readPattern({ bytes, name: named });
      if (p.ny * p.nx > PATTERN_LIMITS.maxPixels) throw new ValidationError('too many pixels', 'file'); // prettier-ignore
      return p;
    } catch (err) {
      throw renamed(err, 'file');
    }
  };
  const s = await servePrediction(
    ctx,
    {
      material: pp.crystal_structure,
      // the seed's key: acceleration voltage [V] // 1000
      kv: Math.floor(pp.acceleration_voltage / 1000),
      zone: [pp.zone_axis.u, pp.zone_axis.v, pp.zone_axis.w],
      convAngle: pp.convergence_angle,
    },
    read,
    { key: 'parameters.physical_params', convAngle: 'parameters.physical_params.convergence_angle' }, // prettier-ignore
    true,
  );
  return {
    thickness: s.prediction.thickness.value,
    mistilt: s.prediction.mistilt.value,
    scale: s.prediction.scale,
    validation: Buffer.from(s.figure).toString('base64'),
    prediction: predictionJson(s),
  };
}

async function predict(ctx: RouteContext, b: Static<typeof predictBody>) {
  const path = await ctx.resolveFile(b.input, 'input.path');
  const s = await servePrediction(
    ctx,
    { material: b.material, kv: b.kv, zone: b.zone as [number, number, number], convAngle: b.convAngle }, // prettier-ignore
    async () => {
      try {
        return await readPattern(path, b.raw);
      } catch (err) {
        const f = err instanceof ValidationError ? err.field : undefined;
        throw renamed(err, b.raw !== undefined && f !== undefined ? `raw.${f}` : 'input');
      }
    },
    { key: 'material', convAngle: 'convAngle' },
  );
  return { input: b.input, ...predictionJson(s), validation: Buffer.from(s.figure).toString('base64') }; // prettier-ignore
}

/** The seed's HTTP interface at the server's root. */
export const pacbedSeedRoutes: RouteModule = {
  name: 'pacbed-inference',
  prefix: '',
  register(app, ctx) {
    app.addHook('onClose', async () => modelCacheOf(ctx).clear());
    app.post(
      '/inference/',
      {
        // a multipart stream read by the handler; the schema documents it only
        validatorCompiler: () => () => true,
        schema: {
          summary: 'PACBED-CNN’s interface: thickness, mistilt and scale of one pattern',
          description:
            'multipart/form-data: `parameters` (JSON: physical_params {acceleration_voltage [V], crystal_structure, zone_axis {u, v, w}, convergence_angle [mrad]}, file_params {typ: "raw", dtype, width, height} | {typ: "dm4"}) and `file` (the bytes)',
          tags: ['pacbed'],
          consumes: ['multipart/form-data'],
          body: Type.Object(
            {
              parameters: Type.String({ description: 'JSON (see the description)' }),
              file: Type.String({ format: 'binary' }),
            },
            { required: ['parameters', 'file'] },
          ),
          response: { 200: inferenceReply, ...errorResponses },
        },
      },
      (req) => inference(ctx, req),
    );
  },
};

/** `/api/pacbed/…` */
export const pacbedRoutes: RouteModule = {
  name: 'pacbed',
  register(app, ctx) {
    app.addHook('onClose', async () => modelCacheOf(ctx).clear());
    app.get(
      '/models',
      {
        schema: {
          summary: 'The PACBED models register: keys (material, kV, zone) and their CNNs',
          tags: ['pacbed'],
          response: { 200: modelsReply, ...errorResponses },
        },
      },
      async () => {
        const root = pacbedModelsRoot(ctx.modelsRoot);
        return { root: relative(ctx.modelsRoot, root) || '.', entries: await readRegister(root) };
      },
    );
    app.post<{ Body: Static<typeof predictBody> }>(
      '/predict',
      {
        schema: {
          summary: 'Thickness [Å], mistilt [mrad] and scale of a served or uploaded PACBED',
          tags: ['pacbed'],
          body: predictBody,
          response: { 200: predictReply, ...errorResponses },
        },
      },
      (req) => predict(ctx, req.body),
    );
  },
};
