/**
 * The classify workflow's Web API (mounted under `/api/classify` by `bragg serve`):
 *
 * - `GET /models` — the classify models of the models root: id, labels (the class names),
 *   architecture, target size, multi-label mode and threshold, the held-out metrics.
 * - `POST /predict` — served or uploaded images (`{root, path}`, an upload is `{root: 'uploads',
 *   path: <id>}`; PNG/TIFF/NPY single images, HDF5/CXI/NPZ stacks, TFRecord in AiryNet's layout:
 *   whatever `bragg classify predict` reads; optionally one `frame` of a stack) and a model id →
 *   per image the probabilities, the decided classes, the network input as a PNG and Grad-CAM++
 *   (or Grad-CAM) overlays as **base64 PNGs in the JSON** (`overlays: {<class>: <base64>}`) for
 *   the chosen classes (`overlay`: `predicted` (default: the decided classes and the most
 *   probable one), `all`, `none`, or a list of class names).
 *
 * The work is the CLI's (`ClassifyPredictor`, as `predictClassify`), through `ctx.heavy`. At most
 * `MAX_IMAGES` images and `MAX_OVERLAYS` overlays a request (413 naming `inputs` / `overlay`);
 * larger sets go through `predictClassifyBatch` (a batch job).
 */
import type {} from '@fastify/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { basename, relative } from 'node:path';
import { BraggError, LimitError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { encodePng } from '../../formats/image/png.js';
import { parseTfrecordLayout } from '../../formats/tfrecord/index.js';
import type { OpenedFile } from '../../formats/types.js';
import { initBackend } from '../../ml/backend/select.js';
import { loadBundle } from '../../ml/store/bundle.js';
import { findModel, findModels } from '../../ml/store/model-folders.js';
import { errorResponses, type RouteContext, type RouteModule } from '../route.js';
import {
  bunchIds,
  ClassifyPredictor,
  imageDataset,
  openClassifyInput,
  overlayPng,
  readCropped,
  type ClassifiedImage,
} from './predict.js';

/** Most images of one request (all inputs and frames together). */
export const MAX_IMAGES = 64;
/** Most overlay PNGs of one request. */
export const MAX_OVERLAYS = 256;
/** Most pixels of one input image (before the crop/pad to 256²). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

const input = Type.Object(
  {
    root: Type.String({ minLength: 1, maxLength: 64 }),
    path: Type.String({ maxLength: 4096 }),
    frame: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'only this image of a stack' }),
    ),
  },
  { additionalProperties: false },
);

const predictBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 100, description: 'model id (GET /api/classify/models)' }), // prettier-ignore
    inputs: Type.Array(input, { minItems: 1, maxItems: MAX_IMAGES }),
    method: Type.Optional(Type.Union([Type.Literal('gradcam++'), Type.Literal('gradcam')])),
    layout: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2000, description: 'TFRecord feature keys: image=…,label=…,height=…,width=…,bunch=… (as `bragg classify predict --layout`)' }), // prettier-ignore
    ),
    overlay: Type.Optional(
      Type.Union(
        [
          Type.Literal('predicted'),
          Type.Literal('all'),
          Type.Literal('none'),
          Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 256 }),
        ],
        { description: "classes with an overlay: 'predicted' (default), 'all', 'none' or names" },
      ),
    ),
  },
  { additionalProperties: false },
);

const imageReply = Type.Object(
  {
    input: Type.Integer({ description: 'index into inputs' }),
    frame: Type.Integer({ description: 'image index in its file (0 for a single image)' }),
    name: Type.String({ description: 'file name, with [frame] for a stack' }),
    bunchId: Type.Optional(Type.Integer({ description: "the record's int32 bunch id (the seed's predict mode)" })), // prettier-ignore
    probabilities: Type.Array(Type.Number(), { description: 'one per class (labels order)' }),
    prediction: Type.Array(Type.Integer(), { description: 'multi-hot decision per class' }),
    classes: Type.Array(Type.String(), { description: 'the decided classes' }),
    best: Type.String({ description: 'the most probable class' }),
    image: Type.String({ description: 'base64 PNG: the network input (log-scaled gray)' }),
    overlays: Type.Record(Type.String(), Type.String(), {
      description: 'class → base64 PNG of the Grad-CAM(++) map over the image',
    }),
  },
  { additionalProperties: false },
);

const predictReply = Type.Object(
  {
    model: Type.String(),
    labels: Type.Array(Type.String()),
    targetSize: Type.Integer(),
    method: Type.String(),
    images: Type.Array(imageReply),
    timings: Type.Record(Type.String(), Type.Number(), { description: 'ms' }),
  },
  { additionalProperties: false },
);

const modelsReply = Type.Object(
  {
    models: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          dir: Type.String({ description: "relative to the server's models root" }),
          labels: Type.Array(Type.String()),
          architecture: Type.String(),
          config: Type.Record(Type.String(), Type.Unknown()),
          targetSize: Type.Integer(),
          multiLabel: Type.Boolean(),
          threshold: Type.Number(),
          createdAt: Type.Optional(Type.String()),
          metrics: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A gray PNG of a network input (log-scaled, as the overlays' background). */
export function imagePng(img: Float32Array, side: number): Uint8Array {
  const g = img.map((v) => Math.log1p(Math.max(0, v)));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of g) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const px = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) {
    const v = Math.round(hi > lo ? (255 * (g[i]! - lo)) / (hi - lo) : 0);
    px[3 * i] = v;
    px[3 * i + 1] = v;
    px[3 * i + 2] = v;
  }
  return encodePng(ndarray('rgb8', [side, side], px));
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** A reader's error about input `i` as a ValidationError naming `inputs[i]`. */
function inputError(err: unknown, i: number, name: string): unknown {
  if (err instanceof LimitError || !(err instanceof BraggError) || err.code === 'BUSY') return err;
  const reason = err instanceof ValidationError ? err.reason : err.message;
  return new ValidationError(`${name}: ${reason}`, `inputs[${i}]`, { cause: err });
}

interface Planned {
  input: number;
  file: OpenedFile;
  ds: ReturnType<typeof imageDataset>;
  frames: number[];
  name: string;
  bunch: Int32Array | undefined;
}

/** The classes that get an overlay for one image. */
function overlayClasses(
  o: Static<typeof predictBody>['overlay'],
  labels: readonly string[],
  r: ClassifiedImage,
): number[] {
  if (o === 'none') return [];
  if (o === 'all') return labels.map((_, q) => q);
  if (o === undefined || o === 'predicted') {
    const qs = labels.map((_, q) => q).filter((q) => r.prediction[q] === 1);
    return qs.includes(r.best) ? qs : [r.best, ...qs];
  }
  return o.map((c) => labels.indexOf(c));
}

async function predict(ctx: RouteContext, b: Static<typeof predictBody>) {
  const m = await findModel(ctx.modelsRoot, b.model, 'model');
  if (m.meta.workflow !== 'classify') {
    throw new ValidationError(`model ${b.model} is a ${m.meta.workflow} model, not a classify one`, 'model'); // prettier-ignore
  }
  if (Array.isArray(b.overlay)) {
    for (const [k, c] of b.overlay.entries()) {
      if (!m.meta.labels.includes(c)) {
        throw new ValidationError(`'${c.slice(0, 80)}' is not a class of the model (${m.meta.labels.join(', ')})`, `overlay[${k}]`); // prettier-ignore
      }
    }
  }
  const layout = b.layout !== undefined ? parseTfrecordLayout(b.layout, 'layout') : undefined;
  const paths: string[] = [];
  for (const [i, ref] of b.inputs.entries()) {
    paths.push(await ctx.resolveFile({ root: ref.root, path: ref.path }, `inputs[${i}].path`));
  }
  return ctx.heavy(async () => {
    const t0 = performance.now();
    const plans: Planned[] = [];
    try {
      let total = 0;
      for (const [i, path] of paths.entries()) {
        const ref = b.inputs[i]!;
        const name = basename(path);
        let file: OpenedFile;
        try {
          file = await openClassifyInput(path, {
            ...(layout !== undefined ? { layout } : {}),
            classes: m.meta.labels.length,
            field: `inputs[${i}]`,
          });
        } catch (err) {
          throw inputError(err, i, name);
        }
        const opened = { input: i, file, name };
        let ds: ReturnType<typeof imageDataset>;
        let bunch: Int32Array | undefined;
        try {
          ds = imageDataset(file, name, `inputs[${i}]`);
          bunch = await bunchIds(file, `inputs[${i}]`);
        } catch (err) {
          await file.close();
          throw inputError(err, i, name);
        }
        const p: Planned = { ...opened, ds, frames: [], bunch };
        plans.push(p);
        if (p.ds.height * p.ds.width > MAX_IMAGE_PIXELS) {
          throw new LimitError('image pixels', { field: `inputs[${i}]`, value: p.ds.height * p.ds.width, limit: MAX_IMAGE_PIXELS }); // prettier-ignore
        }
        if (ref.frame !== undefined && ref.frame >= p.ds.n) {
          throw new ValidationError(`${name} has ${p.ds.n} image${p.ds.n === 1 ? '' : 's'}; no frame ${ref.frame}`, `inputs[${i}].frame`); // prettier-ignore
        }
        p.frames =
          ref.frame !== undefined ? [ref.frame] : Array.from({ length: p.ds.n }, (_, k) => k);
        total += p.frames.length;
        if (total > MAX_IMAGES) {
          throw new LimitError('images', {
            field: 'inputs',
            value: total,
            limit: MAX_IMAGES,
            hint: 'predict larger sets with `bragg classify predict` or a classify-predict job',
          });
        }
      }
      await initBackend(ctx.command.backendConfig());
      const t1 = performance.now();
      const bundle = await loadBundle(m.dir);
      try {
        const predictor = new ClassifyPredictor(bundle, b.method ?? 'gradcam++');
        const { labels, side } = predictor.decision;
        const t2 = performance.now();
        const images: Static<typeof imageReply>[] = [];
        let overlays = 0;
        for (const p of plans) {
          for (let s = 0; s < p.frames.length; s += 16) {
            const frames = p.frames.slice(s, s + 16);
            const raws: Float32Array[] = [];
            for (const k of frames) {
              try {
                raws.push(await readCropped(p.file, p.ds, k, predictor.crop));
              } catch (err) {
                throw inputError(err, p.input, p.name);
              }
            }
            const items = await predictor.classify(raws);
            for (const [j, r] of items.entries()) {
              const qs = overlayClasses(b.overlay, labels, r);
              overlays += qs.length;
              if (overlays > MAX_OVERLAYS) {
                throw new LimitError('overlays', { field: 'overlay', value: overlays, limit: MAX_OVERLAYS, hint: "choose fewer classes or 'predicted'" }); // prettier-ignore
              }
              const frame = frames[j]!;
              images.push({
                input: p.input,
                frame,
                name: p.ds.stack ? `${p.name}[${frame}]` : p.name,
                ...(p.bunch ? { bunchId: p.bunch[frame]! } : {}),
                probabilities: Array.from(r.probabilities),
                prediction: Array.from(r.prediction),
                classes: labels.filter((_, q) => r.prediction[q] === 1),
                best: labels[r.best]!,
                image: b64(imagePng(r.img, side)),
                overlays: Object.fromEntries(
                  qs.map((q) => [labels[q]!, b64(overlayPng(r.img, r.cams[q]!, side))]),
                ),
              });
            }
          }
        }
        const t3 = performance.now();
        return {
          model: bundle.meta.id,
          labels,
          targetSize: side,
          method: b.method ?? 'gradcam++',
          images,
          timings: { readMs: t1 - t0, loadMs: t2 - t1, predictMs: t3 - t2, totalMs: t3 - t0 },
        };
      } finally {
        bundle.model.dispose();
      }
    } finally {
      for (const p of plans) await p.file.close();
    }
  });
}

async function models(ctx: RouteContext) {
  const found = (await findModels(ctx.modelsRoot)).filter((m) => m.meta.workflow === 'classify');
  return {
    models: found.map(({ dir, meta }) => {
      const cls = (meta as { classify?: { threshold?: number; multiLabel?: boolean } }).classify;
      const metrics = (meta as { metrics?: Record<string, unknown> }).metrics;
      const { perClass: _, ...summary } = metrics ?? {};
      return {
        id: meta.id,
        dir: relative(ctx.modelsRoot, dir) || '.',
        labels: [...meta.labels],
        architecture: meta.architecture.name,
        config: { ...meta.architecture.config },
        targetSize: meta.input.shape[0]!,
        multiLabel: cls?.multiLabel ?? true,
        threshold: cls?.threshold ?? 0.5,
        ...(typeof meta.createdAt === 'string' ? { createdAt: meta.createdAt } : {}),
        ...(metrics ? { metrics: summary } : {}),
      };
    }),
  };
}

/** `/api/classify/…` */
export const classifyRoutes: RouteModule = {
  name: 'classify',
  register(app, ctx) {
    app.get(
      '/models',
      {
        schema: {
          summary: 'The classify models of the models root: classes, architecture, target size',
          tags: ['classify'],
          response: { 200: modelsReply, ...errorResponses },
        },
      },
      () => models(ctx),
    );
    app.post<{ Body: Static<typeof predictBody> }>(
      '/predict',
      {
        schema: {
          summary:
            'Classes, probabilities and Grad-CAM++ overlays (base64 PNG) of served or uploaded single-shot images',
          tags: ['classify'],
          body: predictBody,
          response: { 200: predictReply, ...errorResponses },
        },
      },
      (req) => predict(ctx, req.body),
    );
  },
};
