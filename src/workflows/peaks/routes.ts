/**
 * The peaks workflow's Web API (mounted under `/api/peaks` by `bragg serve`), for a served or
 * uploaded scan (`{root, path}`: NeXus/HDF5, NPY or TIFF stack; `dataset` names the stack as
 * `--dataset` does):
 *
 * - `POST /scan` — the stack's shape, dataset path, pixel mask and scan axis;
 * - `POST /predict` — a frame (`frame`) or a frame range (`frames: [a, b)`) through the classic
 *   finder or a trained model of the models root (`model: <id>`, `GET /api/models`): per frame
 *   the peak table (id, centroid, bbox, area, intensity, confidence) and the instance masks as
 *   run lengths (`rle`: triples start, length, id over the row-major frame, background left
 *   out); with `npy: true` also the masks (n, h, w) uint16 as an NPY upload;
 * - `POST /overlay` — one frame as a PNG: the log image with the instance masks at α 0.25
 *   (`style: frame`, the default) or the seed's 2×2 figure (`style: figure`).
 *
 * The work is `predictScan`'s (the CLI's `bragg peaks predict`), into a temporary folder whose
 * mask file is read back, so the answer is what the CLI writes for the same frames; it runs
 * through `ctx.heavy` and is bounded: at most `MAX_PREDICT_FRAMES` frames and
 * `MAX_PREDICT_VOXELS` voxels a request (413 LIMIT with the field beyond).
 */
import type {} from '@fastify/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { BraggError, LimitError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { applyColormap } from '../../formats/image/colormap.js';
import { encodePng } from '../../formats/image/png.js';
import { writeNpy } from '../../formats/npy/npy.js';
import { initBackend } from '../../ml/backend/select.js';
import { findModel } from '../../ml/store/model-folders.js';
import { errorResponses, type RouteContext, type RouteModule } from '../route.js';
import type { ClassicOptions } from './classic/finder.js';
import { openMaskFile } from './labels/label-file.js';
import type { PeakRow } from './labels/peak-table.js';
import { OVERLAY_ALPHA, overlayPng } from './predict/overlay.js';
import { predictScan, type PredictOptions } from './predict/predict.js';
import { openScan, type ScanInfo } from './scan/input.js';
import { minMaxNormalise } from './scan/preprocess.js';

/** Most frames of one `POST /predict` (larger ranges: `bragg peaks predict` or a job). */
export const MAX_PREDICT_FRAMES = 64;
/** Most voxels (frames × rows × columns) of one request: 64 Pilatus 100K frames. */
export const MAX_PREDICT_VOXELS = 64 * 195 * 487;

const fileRef = Type.Object(
  {
    root: Type.String({ minLength: 1, maxLength: 64 }),
    path: Type.String({ maxLength: 4096 }),
  },
  { additionalProperties: false },
);

const classicOptions = Type.Object(
  {
    snr: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6 })),
    radius: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    grid: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
    minPixels: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    maxPixels: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false, description: 'classic finder options (classic/finder.ts)' },
);

const methodFields = {
  input: fileRef,
  dataset: Type.Optional(
    Type.String({ minLength: 1, maxLength: 4096, description: 'the frame stack in the file' }),
  ),
  method: Type.Optional(
    Type.Union([Type.Literal('classic'), Type.Literal('model')], {
      description: 'classic (default) or model (needs `model`)',
    }),
  ),
  model: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'peaks model id (GET /api/models)' }),
  ),
  threshold: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1,
      description: "model: smallest confidence kept (default: the model's tuned threshold)",
    }),
  ),
  nmsIou: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, description: 'model: mask IoU of the NMS (0.5)' }),
  ),
  gate: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1000,
      description:
        'model: run the network only near 3×3 sums this many σ above the local background (as `--gate`; default: everywhere)',
    }),
  ),
  classic: Type.Optional(classicOptions),
};

const scanBody = Type.Object(
  { input: fileRef, dataset: methodFields.dataset },
  { additionalProperties: false },
);

const scanReply = Type.Object(
  {
    input: fileRef,
    dataset: Type.String(),
    frames: Type.Integer(),
    height: Type.Integer(),
    width: Type.Integer(),
    pixelMask: Type.Optional(Type.String({ description: 'the pixel_mask dataset used' })),
    scanAxis: Type.Optional(
      Type.Object({ name: Type.String(), units: Type.String(), values: Type.Array(Type.Number()) }),
    ),
  },
  { additionalProperties: false },
);

const predictBody = Type.Object(
  {
    ...methodFields,
    frame: Type.Optional(Type.Integer({ minimum: 0, description: 'one frame (or `frames`)' })),
    frames: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0 }), {
        minItems: 2,
        maxItems: 2,
        description: `frames [a, b) (default all; at most ${MAX_PREDICT_FRAMES})`,
      }),
    ),
    npy: Type.Optional(
      Type.Boolean({ description: 'also store the masks (n, h, w) uint16 as an NPY upload' }),
    ),
  },
  { additionalProperties: false },
);

const peak = Type.Object(
  {
    id: Type.Integer({ description: "instance id in the frame's mask" }),
    centroid: Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: '[y, x] px' }),
    bbox: Type.Array(Type.Integer(), {
      minItems: 4,
      maxItems: 4,
      description: '[y0, x0, y1, x1): rows y0..y1−1, columns x0..x1−1',
    }),
    area: Type.Integer({ description: 'pixels' }),
    intensity: Type.Number({ description: 'counts above the local background' }),
    confidence: Type.Number(),
  },
  { additionalProperties: false },
);

const frameResult = Type.Object(
  {
    frame: Type.Integer(),
    peaks: Type.Array(peak),
    rle: Type.Array(Type.Integer(), {
      description: 'the instance mask: triples (start, length, id) over the row-major frame',
    }),
  },
  { additionalProperties: false },
);

const predictReply = Type.Object(
  {
    input: fileRef,
    dataset: Type.String(),
    shape: Type.Array(Type.Integer(), { description: 'the scan: [frames, height, width]' }),
    frames: Type.Array(Type.Integer(), { minItems: 2, maxItems: 2, description: '[a, b)' }),
    method: Type.String({ description: 'classic or model <id>' }),
    peaks: Type.Integer({ description: 'peaks over the frames' }),
    results: Type.Array(frameResult),
    masks: Type.Optional(fileRef),
    elapsedS: Type.Number(),
  },
  { additionalProperties: false },
);

const overlayBody = Type.Object(
  {
    ...methodFields,
    frame: Type.Integer({ minimum: 0 }),
    style: Type.Optional(
      Type.Union([Type.Literal('frame'), Type.Literal('figure')], {
        description: 'frame: log image + masks at α 0.25; figure: the seed’s 2×2 figure',
      }),
    ),
  },
  { additionalProperties: false },
);

type MethodFields = Static<typeof scanBody> & {
  method?: 'classic' | 'model';
  model?: string;
  threshold?: number;
  nmsIou?: number;
  gate?: number;
  classic?: ClassicOptions;
};

/** Run-length triples (start, length, id) of the non-zero runs of a mask. */
export function encodeRle(mask: ArrayLike<number>): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < mask.length) {
    const v = mask[i]!;
    let j = i + 1;
    while (j < mask.length && mask[j] === v) j++;
    if (v !== 0) out.push(i, j - i, v);
    i = j;
  }
  return out;
}

/** The mask of `pixels` pixels that `encodeRle` encoded. */
export function decodeRle(rle: readonly number[], pixels: number): Uint16Array {
  const m = new Uint16Array(pixels);
  for (let k = 0; k + 2 < rle.length; k += 3) m.fill(rle[k + 2]!, rle[k]!, rle[k]! + rle[k + 1]!);
  return m;
}

async function withTempDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bragg-peaks-route-'));
  try {
    return await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A reader's or predictor's ValidationError renamed to the request's field. */
function renamed(err: unknown, field: string): unknown {
  if (err instanceof ValidationError && err.field !== field) {
    return new ValidationError(err.reason, field, { cause: err });
  }
  return err;
}

const CLASSIC_FIELDS = new Set(['snr', 'radius', 'grid', 'minPixels', 'maxPixels']);

/** `predictScan`'s method from the request (a model id resolved in the models root). */
async function methodOf(
  ctx: RouteContext,
  b: MethodFields,
): Promise<{ method: PredictOptions['method']; label: string }> {
  const wantsModel = b.method === 'model' || b.model !== undefined;
  if (!wantsModel) {
    const f = (['threshold', 'nmsIou', 'gate'] as const).find((k) => b[k] !== undefined);
    if (f !== undefined)
      throw new ValidationError('threshold, nmsIou and gate apply to a model only', f);
    return { method: 'classic', label: 'classic' };
  }
  if (b.method === 'classic')
    throw new ValidationError("method 'classic' takes no model; leave one out", 'model');
  if (b.model === undefined) throw new ValidationError("method 'model' needs a model id", 'model');
  if (b.classic !== undefined)
    throw new ValidationError('classic options apply to method classic only', 'classic');
  const m = await findModel(ctx.modelsRoot, b.model, 'model');
  return {
    method: {
      model: m.dir,
      ...(b.threshold !== undefined ? { threshold: b.threshold } : {}),
      ...(b.nmsIou !== undefined ? { nmsIou: b.nmsIou } : {}),
      ...(b.gate !== undefined ? { gate: b.gate } : {}),
    },
    label: `model ${m.meta.id}`,
  };
}

async function scanInfo(path: string, dataset: string | undefined): Promise<ScanInfo> {
  try {
    const s = await openScan(path, dataset !== undefined ? { dataset } : {});
    await s.close();
    return s.info;
  } catch (err) {
    if (err instanceof ValidationError) throw renamed(err, dataset !== undefined ? 'dataset' : 'input'); // prettier-ignore
    // a missing or unreadable stack is the request's fault: name the field (the file's own
    // problem, e.g. a missing external file, keeps its message)
    if (err instanceof BraggError && (err.code === 'NOT_FOUND' || err.code === 'FORMAT'))
      throw new ValidationError(err.message, dataset !== undefined ? 'dataset' : 'input', { cause: err }); // prettier-ignore
    throw err;
  }
}

/** Frames [a, b) of a request, checked against the scan and the limits. */
function frameRange(info: ScanInfo, b: { frame?: number; frames?: number[] }): [number, number] {
  if (b.frame !== undefined && b.frames !== undefined)
    throw new ValidationError('give frame or frames, not both', 'frames');
  let r: [number, number];
  let field = 'frames';
  if (b.frame !== undefined) {
    r = [b.frame, b.frame + 1];
    field = 'frame';
  } else if (b.frames !== undefined) r = [b.frames[0]!, b.frames[1]!];
  else r = [0, info.frames];
  const [a, z] = r;
  if (!(a < z && z <= info.frames))
    throw new ValidationError(
      `frames ${a}:${z} are empty or past the scan's ${info.frames} frames (0:${info.frames})`,
      field,
    );
  const n = z - a;
  const hint = 'predict larger ranges with `bragg peaks predict` (frames are streamed there)';
  if (n > MAX_PREDICT_FRAMES)
    throw new LimitError('frames', { field, value: n, limit: MAX_PREDICT_FRAMES, hint });
  const voxels = n * info.height * info.width;
  if (voxels > MAX_PREDICT_VOXELS)
    throw new LimitError('voxels (frames × rows × columns)', { field, value: voxels, limit: MAX_PREDICT_VOXELS, hint }); // prettier-ignore
  return r;
}

interface Predicted {
  info: ScanInfo;
  frames: [number, number];
  label: string;
  masks: Uint16Array;
  rows: PeakRow[];
  stem: string;
  elapsedS: number;
}

/** `predictScan` on frames of the request's scan, its mask file read back. */
async function predictFrames(
  ctx: RouteContext,
  b: MethodFields & { frame?: number; frames?: number[] },
): Promise<Predicted> {
  const { method, label } = await methodOf(ctx, b);
  const path = await ctx.resolveFile(b.input, 'input.path');
  return ctx.heavy(async () => {
    const info = await scanInfo(path, b.dataset);
    const frames = frameRange(info, b);
    if (typeof method === 'object') await initBackend(ctx.command.backendConfig());
    return withTempDir(async (dir) => {
      let r;
      try {
        r = await predictScan({
          scan: path,
          outDir: dir,
          method,
          frames,
          overlays: 0,
          signal: ctx.signal,
          ...(b.classic !== undefined ? { classic: b.classic } : {}),
          ...(b.dataset !== undefined ? { dataset: b.dataset } : {}),
        });
      } catch (err) {
        const f = err instanceof ValidationError ? err.field : undefined;
        if (f !== undefined && CLASSIC_FIELDS.has(f)) throw renamed(err, `classic.${f}`);
        throw err;
      }
      const m = await openMaskFile(r.masks);
      try {
        return {
          info,
          frames,
          label,
          masks: await m.read(0, frames[1] - frames[0]),
          rows: m.peaks,
          stem: basename(path, extname(path)),
          elapsedS: r.elapsedS,
        };
      } finally {
        await m.close();
      }
    });
  });
}

function peakJson(r: PeakRow) {
  return {
    id: r.id,
    centroid: [r.cy, r.cx],
    bbox: [r.y0, r.x0, r.y1, r.x1],
    area: r.area,
    intensity: r.intensity,
    confidence: r.confidence,
  };
}

async function predict(ctx: RouteContext, b: Static<typeof predictBody>) {
  const p = await predictFrames(ctx, b as MethodFields & typeof b);
  const { height: h, width: w } = p.info;
  const [a, z] = p.frames;
  const results = Array.from({ length: z - a }, (_, k) => ({
    frame: a + k,
    peaks: p.rows.filter((r) => r.frame === a + k).map(peakJson),
    rle: encodeRle(p.masks.subarray(k * h * w, (k + 1) * h * w)),
  }));
  let masks: { root: string; path: string } | undefined;
  if (b.npy === true) {
    const bytes = writeNpy(ndarray('uint16', [z - a, h, w], p.masks));
    const rec = await ctx.saveUpload(`${p.stem}_masks_${a}-${z}.npy`, bytes);
    masks = { root: 'uploads', path: rec.id };
  }
  return {
    input: b.input,
    dataset: p.info.dataset,
    shape: [p.info.frames, h, w],
    frames: [a, z],
    method: p.label,
    peaks: p.rows.length,
    results,
    ...(masks ? { masks } : {}),
    elapsedS: p.elapsedS,
  };
}

/** Instance colours (RGB), cycled by id — as in the 2×2 figure (predict/overlay.ts). */
const PALETTE: readonly [number, number, number][] = [
  [255, 64, 64], [64, 255, 64], [255, 255, 64], [255, 64, 255], [64, 255, 255], [255, 160, 32],
]; // prettier-ignore

/** One frame's log image (log(x + 1e-5), min–max, viridis) with its masks at α 0.25, as PNG. */
export function frameOverlayPng(
  frame: Float32Array,
  mask: Uint16Array,
  height: number,
  width: number,
): Uint8Array {
  const log = minMaxNormalise(Float32Array.from(frame, (v) => Math.log(Math.max(v, 0) + 1e-5)));
  const rgb = applyColormap(log, 'viridis');
  for (let i = 0; i < mask.length; i++) {
    const id = mask[i]!;
    if (id === 0) continue;
    const c = PALETTE[(id - 1) % PALETTE.length]!;
    for (let k = 0; k < 3; k++)
      rgb[3 * i + k] = Math.round((1 - OVERLAY_ALPHA) * rgb[3 * i + k]! + OVERLAY_ALPHA * c[k]!);
  }
  return encodePng(ndarray('rgb8', [height, width], rgb));
}

async function overlay(ctx: RouteContext, b: Static<typeof overlayBody>): Promise<Uint8Array> {
  const p = await predictFrames(ctx, b as MethodFields & typeof b);
  const path = await ctx.resolveFile(b.input, 'input.path');
  const s = await openScan(path, b.dataset !== undefined ? { dataset: b.dataset } : {});
  try {
    const f = await s.read(b.frame, b.frame + 1);
    const { height: h, width: w } = p.info;
    return b.style === 'figure'
      ? overlayPng(f.data, p.masks, h, w)
      : frameOverlayPng(f.data, p.masks, h, w);
  } finally {
    await s.close();
  }
}

const png = {
  description: 'image/png',
  content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
};

/** `/api/peaks/…` */
export const peaksRoutes: RouteModule = {
  name: 'peaks',
  register(app, ctx) {
    app.post<{ Body: Static<typeof scanBody> }>(
      '/scan',
      {
        schema: {
          summary: "A scan's frame stack: dataset, frames, rows, columns, pixel mask, scan axis",
          tags: ['peaks'],
          body: scanBody,
          response: { 200: scanReply, ...errorResponses },
        },
      },
      async (req) => {
        const b = req.body;
        const path = await ctx.resolveFile(b.input, 'input.path');
        const i = await ctx.heavy(() => scanInfo(path, b.dataset));
        return {
          input: b.input,
          dataset: i.dataset,
          frames: i.frames,
          height: i.height,
          width: i.width,
          ...(i.pixelMaskPath !== undefined ? { pixelMask: i.pixelMaskPath } : {}),
          ...(i.scanAxis
            ? { scanAxis: { name: i.scanAxis.name, units: i.scanAxis.units, values: Array.from(i.scanAxis.values) } } // prettier-ignore
            : {}),
        };
      },
    );
    app.post<{ Body: Static<typeof predictBody> }>(
      '/predict',
      {
        schema: {
          summary: 'Peaks of a frame or frame range of a served or uploaded scan',
          description: `Per frame the peak table and the instance masks (run lengths); at most ${MAX_PREDICT_FRAMES} frames and ${MAX_PREDICT_VOXELS} voxels a request (413 LIMIT beyond).`,
          tags: ['peaks'],
          body: predictBody,
          response: { 200: predictReply, ...errorResponses },
        },
      },
      (req) => predict(ctx, req.body),
    );
    app.post<{ Body: Static<typeof overlayBody> }>(
      '/overlay',
      {
        schema: {
          summary: 'One frame with its predicted masks at α 0.25, as a PNG',
          tags: ['peaks'],
          body: overlayBody,
          response: { 200: png, ...errorResponses },
        },
      },
      async (req, reply) => {
        const bytes = await overlay(ctx, req.body);
        return reply
          .type('image/png')
          .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      },
    );
  },
};
