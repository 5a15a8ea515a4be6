/**
 * The phase workflow's Web API routes (mounted under `/api/phase` by `bragg serve`):
 * `POST /predict` — an experimental map (a served file or, usually, an upload) through a model
 * of the models root → the phase map as JSON, with the `<name>_probability_pred.npz` and the
 * phase-map PNG stored as uploads (so they can be downloaded or evaluated); `POST /evaluate` —
 * what `bragg phase evaluate --json` prints for one prediction, its map and the phases' CIFs
 * (served files named `<phase>.cif`, or bundled structures by name). The work is the CLI's
 * (`predictPhaseMap`, `writePhasePrediction`, `evaluatePredictionFile`), through `ctx.heavy`.
 */
import type {} from '@fastify/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { mkdtemp, readFile, rm, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { LimitError, ValidationError } from '../../core/errors.js';
import { initBackend } from '../../ml/backend/select.js';
import { modelCacheOf } from '../../ml/store/model-cache.js';
import { findModel } from '../../ml/store/model-folders.js';
import { errorResponses, type RouteContext, type RouteModule } from '../route.js';
import { bundledStructurePath } from '../structures.js';
import { argmaxRows } from '../../ml/metrics/confusion.js';
import { evaluatePredictionFile, PRED_SUFFIX } from './evaluate.js';
import { readExperimentalMap } from './experiment.js';
import { predictPhaseMap, writePhasePrediction } from './predict.js';

/** Most pixels of a map predicted through the API (its probabilities go back as JSON). */
export const MAX_PREDICT_PIXELS = 512 * 512;
/** Most CIFs of one evaluation. */
const MAX_CIFS = 64;

const fileRef = Type.Object(
  {
    root: Type.String({ minLength: 1, maxLength: 64 }),
    path: Type.String({ maxLength: 4096 }),
  },
  { additionalProperties: false },
);

const predictBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 100, description: 'model id (GET /api/models)' }),
    input: fileRef,
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536 })),
    minOverlap: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

const predictReply = Type.Object(
  {
    shape: Type.Array(Type.Integer(), {
      minItems: 3,
      maxItems: 3,
      description: '[ny, nx, n phases]',
    }),
    phases: Type.Array(Type.String()),
    cnnId: Type.String(),
    resampled: Type.Boolean({ description: "profiles resampled onto the model's q-axis" }),
    argmax: Type.Array(Type.Integer(), { description: 'most probable phase per pixel (ny·nx)' }),
    probabilities: Type.Array(Type.Number(), { description: 'row-major (ny, nx, n)' }),
    prediction: fileRef,
    phaseMap: fileRef,
  },
  { additionalProperties: false },
);

const evaluateBody = Type.Object(
  {
    prediction: fileRef,
    experiment: fileRef,
    cifs: Type.Optional(Type.Array(fileRef, { minItems: 1, maxItems: MAX_CIFS, description: '<phase>.cif files' })), // prettier-ignore
    structures: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: MAX_CIFS, description: 'bundled structures named as the phases' }), // prettier-ignore
    ),
    minRelativeIntensity: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    matchTolerance: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Å⁻¹' })),
  },
  { additionalProperties: false },
);

const evaluateReply = Type.Object(
  {
    prediction: fileRef,
    experiment: fileRef,
    cnnId: Type.String(),
    pixels: Type.Integer(),
    qRange: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
    phases: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    meanDistance: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);

/** A temporary folder for one request, removed afterwards whatever happens. */
async function withTempDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bragg-phase-route-'));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function predict(ctx: RouteContext, b: Static<typeof predictBody>) {
  const m = await findModel(ctx.modelsRoot, b.model, 'model');
  const input = await ctx.resolveFile(b.input, 'input.path');
  return ctx.heavy(async () => {
    const map = await readExperimentalMap(input);
    if (map.ny * map.nx > MAX_PREDICT_PIXELS) {
      throw new LimitError('map pixels', {
        field: 'input',
        value: map.ny * map.nx,
        limit: MAX_PREDICT_PIXELS,
        hint: 'predict larger maps with `bragg phase predict` or a predict job',
      });
    }
    await initBackend(ctx.command.backendConfig());
    // loaded once per server (and again when the bundle changes), not per request
    const lease = await modelCacheOf(ctx).acquire(m.dir);
    const bundle = lease.bundle;
    try {
      const p = await predictPhaseMap(bundle, map, {
        ...(b.batchSize !== undefined ? { batchSize: b.batchSize } : {}),
        ...(b.minOverlap !== undefined ? { minOverlap: b.minOverlap } : {}),
      });
      const stored = await withTempDir(async (dir) => {
        const w = await writePhasePrediction(dir, map.name, p);
        const npz = await ctx.saveUpload(basename(w.npz), new Uint8Array(await readFile(w.npz)));
        const png = await ctx.saveUpload(basename(w.png), new Uint8Array(await readFile(w.png)));
        return { npz, png };
      });
      const n = p.phases.length;
      return {
        shape: [p.ny, p.nx, n],
        phases: p.phases,
        cnnId: p.cnnId,
        resampled: p.resampled,
        argmax: Array.from(argmaxRows(p.pred, n)),
        probabilities: Array.from(p.pred),
        prediction: { root: 'uploads', path: stored.npz.id },
        phaseMap: { root: 'uploads', path: stored.png.id },
      };
    } finally {
      lease.release();
    }
  });
}

/** The CIF of each reference: `<phase>.cif` files, or bundled structures by phase name. */
async function referenceCifs(
  ctx: RouteContext,
  b: Static<typeof evaluateBody>,
): Promise<{ name: string; path: string }[]> {
  if ((b.cifs === undefined) === (b.structures === undefined)) {
    throw new ValidationError('give the phases as cifs [{root, path}…] or structures [names]', 'cifs'); // prettier-ignore
  }
  const out: { name: string; path: string }[] = [];
  for (const [i, ref] of (b.cifs ?? []).entries()) {
    const path = await ctx.resolveFile(ref, `cifs[${i}].path`);
    if (extname(path).toLowerCase() !== '.cif') {
      throw new ValidationError('a phase CIF is named <phase>.cif', `cifs[${i}].path`);
    }
    out.push({ name: basename(path, extname(path)), path });
  }
  for (const name of b.structures ?? []) {
    out.push({ name: name.replace(/\.cif$/, ''), path: await bundledStructurePath(name) });
  }
  return out;
}

async function evaluate(ctx: RouteContext, b: Static<typeof evaluateBody>) {
  const pred = await ctx.resolveFile(b.prediction, 'prediction.path');
  const exp = await ctx.resolveFile(b.experiment, 'experiment.path');
  const cifs = await referenceCifs(ctx, b);
  return ctx.heavy(() =>
    // `evaluatePredictionFile` finds the map by the prediction's name and each phase's CIF as
    // `<cif dir>/<phase>.cif` (the seed's layout): links in a temporary folder give it that.
    withTempDir(async (dir) => {
      const name = basename(pred).endsWith(PRED_SUFFIX)
        ? basename(pred).slice(0, -PRED_SUFFIX.length)
        : basename(pred, extname(pred));
      await mkdir(join(dir, 'exp'));
      await mkdir(join(dir, 'cif'));
      const predLink = join(dir, `${name}${PRED_SUFFIX}`);
      await symlink(pred, predLink);
      await symlink(exp, join(dir, 'exp', `${name}${extname(exp).toLowerCase() || '.npz'}`));
      for (const c of cifs) await symlink(c.path, join(dir, 'cif', `${c.name}.cif`)).catch(() => undefined); // prettier-ignore
      const e = await evaluatePredictionFile(predLink, join(dir, 'exp'), join(dir, 'cif'), {
        ...(b.minRelativeIntensity !== undefined ? { minRelativeIntensity: b.minRelativeIntensity } : {}), // prettier-ignore
        ...(b.matchTolerance !== undefined ? { matchTolerance: b.matchTolerance } : {}),
      });
      return {
        ...e,
        prediction: b.prediction,
        experiment: b.experiment,
        // as `bragg phase evaluate --json`: without the mean profiles
        phases: e.phases.map((r) =>
          r.status === 'present' ? { ...r, meanProfile: undefined } : r,
        ) as unknown as Record<string, unknown>[],
      };
    }),
  );
}

export const phaseRoutes: RouteModule = {
  name: 'phase',
  register(app, ctx) {
    app.addHook('onClose', async () => modelCacheOf(ctx).clear());
    app.post<{ Body: Static<typeof predictBody> }>(
      '/predict',
      {
        schema: {
          summary: 'Phase map of an experimental map (npz/h5) with a model of the models root',
          tags: ['phase'],
          body: predictBody,
          response: { 200: predictReply, ...errorResponses },
        },
      },
      (req) => predict(ctx, req.body),
    );
    app.post<{ Body: Static<typeof evaluateBody> }>(
      '/evaluate',
      {
        schema: {
          summary: 'Evaluate a prediction against its map and the phases’ CIFs (as `bragg phase evaluate --json`)', // prettier-ignore
          tags: ['phase'],
          body: evaluateBody,
          response: { 200: evaluateReply, ...errorResponses },
        },
      },
      (req) => evaluate(ctx, req.body),
    );
  },
};
