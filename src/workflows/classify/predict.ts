/**
 * `bragg classify predict`: a classify bundle on single-shot images (TFRecord, HDF5/NPZ/NPY
 * stacks (n, h, w) or one image (h, w)) → `OUT/predictions.h5` in the AiryNet seed's layout
 * (a group per image id with `img` (target², float32, the network input), `prediction`
 * (classes, uint8 multi-hot at the bundle's threshold), `probability` (classes, float32) and
 * per-class subgroups `"0"` … `"n-1"` holding `grad_cam` (target², float32, Grad-CAM++ of that
 * class alone, scaled to [0, 1])), the seed's `predictions.txt`, and overlay PNGs of the first
 * images' most probable class. A batch at a time: memory is bounded by the batch.
 * `ClassifyPredictor` is the shared core (also of the Web API, `routes.ts`); `predictClassifyBatch`
 * runs several inputs with one model (for a batch job).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BraggError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { h5Client as h5 } from '../../formats/hdf5/index.js';
import type { WorkerRequest } from '../../formats/hdf5/protocol.js';
import { encodePng } from '../../formats/image/png.js';
import { openAny } from '../../formats/registry.js';
import {
  openInLayout,
  openTfrecord,
  SEED_LAYOUT,
  type TfrecordLayout,
} from '../../formats/tfrecord/index.js';
import type { OpenedFile } from '../../formats/types.js';
import { Explainer, type CamMethod } from '../../ml/explain/gradcam.js';
import { loadBundle, type ModelBundle } from '../../ml/store/bundle.js';
import { camLayerOf } from './train/train.js';
import { CROP_SIZE, cropOf, cropPad, isMember, resizeToInput } from './train/data.js';
import { interruptedError } from '../command.js';

export interface ClassifyPredictOptions {
  input: string;
  outDir: string;
  batchSize?: number;
  /** Overlay PNGs for this many images (default 4). */
  overlays?: number;
  method?: CamMethod;
  /** Feature keys of a TFRecord input in another layout (`parseTfrecordLayout`). */
  layout?: TfrecordLayout;
}

export interface ClassifyPredictResult {
  images: number;
  /** The groups and lines are named by the records' bunch ids (the seed's predict mode). */
  bunchIds: boolean;
  h5: string;
  txt: string;
  overlays: string[];
}

/** A gray image (log-scaled) with the map over it in red–yellow. */
export function overlayPng(img: Float32Array, cam: Float32Array, side: number): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  const g = img.map((v) => Math.log1p(Math.max(0, v)));
  for (const v of g) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) {
    const gray = hi > lo ? (g[i]! - lo) / (hi - lo) : 0;
    const c = Math.min(1, Math.max(0, cam[i]!));
    rgb[3 * i] = Math.round(255 * (0.55 * gray + 0.45 * c));
    rgb[3 * i + 1] = Math.round(255 * (0.55 * gray + 0.45 * c * c));
    rgb[3 * i + 2] = Math.round(255 * 0.55 * gray);
  }
  return encodePng(ndarray('rgb8', [side, side], rgb));
}

/** How a classify bundle decides: its labels, input side, threshold and multi-label mode. */
export interface ClassifyDecision {
  labels: string[];
  side: number;
  threshold: number;
  multiLabel: boolean;
}

/** One image through the model and the explainer. */
export interface ClassifiedImage {
  /** The network input (side², float32, after crop/pad to 256² and the resize). */
  img: Float32Array;
  probabilities: Float32Array;
  /** Multi-hot at the threshold (multi-label) or the arg-max (single-label). */
  prediction: Uint8Array;
  /** Index of the most probable class. */
  best: number;
  /** Grad-CAM(++) map of each class on its own (side², [0, 1]). */
  cams: Float32Array[];
}

/** The decision parameters of a classify bundle; a ValidationError (field `field`) otherwise. */
export function classifyDecision(bundle: ModelBundle, field = 'model'): ClassifyDecision {
  const { meta } = bundle;
  if (meta.workflow !== 'classify')
    throw new ValidationError(`${bundle.dir} is a ${meta.workflow} model, not a classify one`, field); // prettier-ignore
  const cls = (meta as { classify?: { threshold?: number; multiLabel?: boolean } }).classify;
  return {
    labels: [...meta.labels],
    side: meta.input.shape[0]!,
    threshold: cls?.threshold ?? 0.5,
    multiLabel: cls?.multiLabel ?? true,
  };
}

/**
 * A classify bundle ready to predict: batches of images (each already cropped/padded to 256²)
 * → probabilities, decisions and a Grad-CAM(++) map per class. `bragg classify predict`, the
 * Web API and the batch function all go through it.
 */
export class ClassifyPredictor {
  readonly decision: ClassifyDecision;
  private readonly explainer: Explainer;
  private readonly preprocessing: string;
  /** Side the images are cropped / padded to before the resize (`cropOf` the bundle). */
  readonly crop: number;

  constructor(
    private readonly bundle: ModelBundle,
    method: CamMethod = 'gradcam++',
    field = 'model',
  ) {
    this.decision = classifyDecision(bundle, field);
    // `classify/1` bundles were trained with the bilinear resize: they keep it
    this.preprocessing = bundle.meta.input.preprocessing;
    this.crop = cropOf(bundle.meta, field);
    const cls = (bundle.meta as { classify?: { camLayer?: string } }).classify;
    this.explainer = new Explainer(bundle.model, {
      layer: cls?.camLayer ?? camLayerOf(bundle.model),
      method,
    });
  }

  /** `raws`: images cropped/padded to {@link crop}² (`readCropped(…, predictor.crop)`). */
  async classify(raws: readonly Float32Array[]): Promise<ClassifiedImage[]> {
    const k = raws.length;
    if (k === 0) return [];
    const { side, labels, threshold, multiLabel } = this.decision;
    const c = this.crop;
    const raw = new Float32Array(k * c * c);
    raws.forEach((r, j) => {
      if (r.length !== c * c)
        throw new ValidationError(`image ${j} has ${r.length} pixels, expected ${c}² (the model's crop)`, 'images'); // prettier-ignore
      raw.set(r, j * c * c);
    });
    const x = tf.tidy(() =>
      resizeToInput(tf.tensor4d(raw, [k, c, c, 1]), side, this.preprocessing),
    );
    const prob = tf.tidy(() => this.bundle.model.predict(x) as tf.Tensor2D);
    const { maps, scores } = this.explainer.explain(x);
    const xs = (await x.data()) as Float32Array;
    const ps = (await prob.data()) as Float32Array;
    const ms = await Promise.all(maps.map((m) => m.data() as Promise<Float32Array>));
    tf.dispose([x, prob, scores, ...maps]);
    const nc = labels.length;
    const px = side * side;
    const out: ClassifiedImage[] = [];
    for (let j = 0; j < k; j++) {
      const p = ps.slice(j * nc, (j + 1) * nc);
      let best = 0;
      for (let q = 1; q < nc; q++) if (p[q]! > p[best]!) best = q;
      out.push({
        img: xs.slice(j * px, (j + 1) * px),
        probabilities: p,
        prediction: Uint8Array.from(p, (v, q) => (multiLabel ? +(v >= threshold) : +(q === best))),
        best,
        cams: ms.map((m) => m.slice(j * px, (j + 1) * px)),
      });
    }
    return out;
  }
}

/** The image stack (n, h, w) or single image (h, w) of an opened file; a ValidationError otherwise. */
export function imageDataset(
  f: OpenedFile,
  input: string,
  field = 'input',
): { name: string; n: number; stack: boolean; height: number; width: number } {
  const ds =
    f.datasets.find((d) => isMember(d.name, 'images')) ??
    f.datasets.find((d) => d.name === f.defaultDataset);
  if (ds === undefined || ds.shape.length < 2 || ds.shape.length > 3) {
    throw new ValidationError(
      `${input}: needs an image stack (n, h, w) or one image (h, w); datasets: ${f.datasets.map((d) => `${d.name} [${d.shape.join(', ')}]`).join(', ')}`,
      field,
    );
  }
  const stack = ds.shape.length === 3;
  return {
    name: ds.name,
    n: stack ? ds.shape[0]! : 1,
    stack,
    height: ds.shape[stack ? 1 : 0]!,
    width: ds.shape[stack ? 2 : 1]!,
  };
}

/**
 * Open an input to predict on. A TFRecord is read in `layout` (default the seed's); in the
 * default layout a file whose records hold a 4-byte `image/class/label` — an int32 bunch id,
 * the seed's predict mode — while the model has other than 2 classes is read with that feature
 * as the bunch id (`bunch_id`). Other formats as `openAny`; a layout for them is refused.
 */
export async function openClassifyInput(
  path: string,
  o: { layout?: TfrecordLayout; classes?: number; field?: string } = {},
): Promise<OpenedFile> {
  const field = o.field ?? 'input';
  if (o.layout !== undefined) return openInLayout(path, o.layout, openAny, field);
  const f = await openAny(path);
  if (f.format !== 'tfrecord' || o.classes === 2) return f;
  const labels = f.datasets.find((d) => d.name === 'labels');
  if (labels?.shape[1] !== 2 || !f.datasets.some((d) => d.name === 'images')) return f;
  await f.close();
  return openTfrecord(path, undefined, { ...SEED_LAYOUT, bunch: SEED_LAYOUT.label });
}

/** The bunch ids of an opened input (its `bunch_id` array), if it has them. */
export async function bunchIds(f: OpenedFile, field = 'input'): Promise<Int32Array | undefined> {
  if (!f.datasets.some((d) => d.name === 'bunch_id')) return undefined;
  const ids = (await f.read('bunch_id')).array.data as Int32Array;
  const seen = new Set<number>();
  for (const [i, v] of ids.entries()) {
    if (seen.has(v)) throw new ValidationError(`record ${i} repeats bunch id ${v}`, field);
    seen.add(v);
  }
  return ids;
}

/** Image `i` of `ds` centre-cropped/padded to `side`² (a model's crop, `ClassifyPredictor.crop`). */
export async function readCropped(
  f: OpenedFile,
  ds: ReturnType<typeof imageDataset>,
  i: number,
  side = CROP_SIZE,
): Promise<Float32Array> {
  const a = (await f.read(ds.name, ds.stack ? { frame: i } : undefined)).array;
  return cropPad(a.data as ArrayLike<number>, a.shape[0]!, a.shape[1]!, side);
}

export async function predictClassify(
  bundle: ModelBundle,
  o: ClassifyPredictOptions,
): Promise<ClassifyPredictResult> {
  const predictor = new ClassifyPredictor(bundle, o.method ?? 'gradcam++');
  const { side, labels } = predictor.decision;
  const f = await openClassifyInput(o.input, {
    ...(o.layout !== undefined ? { layout: o.layout } : {}),
    classes: labels.length,
  });
  const out = resolve(o.outDir);
  await mkdir(out, { recursive: true });
  const h5path = join(out, 'predictions.h5');
  const txtPath = join(out, 'predictions.txt');
  const c = await h5.call({ op: 'create', path: h5path }, h5path, 'creating');
  if (c.op !== 'create') throw new BraggError('INTERNAL', 'unexpected HDF5 worker answer');
  const gen = h5.generation;
  const call = (req: WorkerRequest, where: string): Promise<unknown> =>
    h5.call(req, h5path, 'writing', undefined, [], where);
  const txt = await open(txtPath, 'w');
  const overlays: string[] = [];
  try {
    const ds = imageDataset(f, o.input);
    const n = ds.n;
    const bunch = await bunchIds(f);
    const bs = o.batchSize ?? 16;
    await txt.write(`# ${bunch ? 'bunch_id' : 'id'}\t${labels.join('\t')}\tpredicted\n`);
    for (let s = 0; s < n; s += bs) {
      const k = Math.min(bs, n - s);
      const raws: Float32Array[] = [];
      for (let j = 0; j < k; j++) raws.push(await readCropped(f, ds, s + j, predictor.crop));
      const items = await predictor.classify(raws);
      const nc = labels.length;
      for (let j = 0; j < k; j++) {
        const id = String(bunch ? bunch[s + j]! : s + j);
        const { img, probabilities: p, prediction: pred, best, cams } = items[j]!;
        await call({ op: 'group', handle: c.handle, path: `/${id}`, attrs: [] }, `/${id}`);
        await call(
          {
            op: 'dataset',
            handle: c.handle,
            path: `/${id}/img`,
            dtype: '<f',
            shape: [side, side],
            data: img,
            attrs: [],
          },
          `/${id}/img`,
        );
        await call(
          {
            op: 'dataset',
            handle: c.handle,
            path: `/${id}/prediction`,
            dtype: '<B',
            shape: [nc],
            data: pred,
            attrs: [],
          },
          `/${id}/prediction`,
        );
        await call(
          {
            op: 'dataset',
            handle: c.handle,
            path: `/${id}/probability`,
            dtype: '<f',
            shape: [nc],
            data: p.slice(),
            attrs: [],
          },
          `/${id}/probability`,
        );
        for (let q = 0; q < nc; q++) {
          const cam = cams[q]!;
          await call(
            {
              op: 'group',
              handle: c.handle,
              path: `/${id}/${q}`,
              attrs: [{ name: 'class', value: labels[q]! }],
            },
            `/${id}/${q}`,
          );
          await call(
            {
              op: 'dataset',
              handle: c.handle,
              path: `/${id}/${q}/grad_cam`,
              dtype: '<f',
              shape: [side, side],
              data: cam.slice(),
              attrs: [],
            },
            `/${id}/${q}/grad_cam`,
          );
        }
        const names = labels.filter((_, q) => pred[q] === 1);
        await txt.write(
          `${id}\t${Array.from(p, (v) => v.toFixed(4)).join('\t')}\t${names.join(',') || '-'}\n`,
        );
        if (overlays.length < (o.overlays ?? 4)) {
          const png = join(
            out,
            `overlay-${id}-${labels[best]!.replace(/[^A-Za-z0-9]+/g, '_')}.png`,
          );
          await writeFile(png, overlayPng(img, cams[best]!, side));
          overlays.push(png);
        }
      }
    }
    await call(
      {
        op: 'attrs',
        handle: c.handle,
        path: '/',
        attrs: [
          { name: 'labels', value: labels },
          { name: 'creator', value: 'bragg classify predict' },
        ],
      },
      '/',
    );
    return { images: n, bunchIds: bunch !== undefined, h5: h5path, txt: txtPath, overlays };
  } finally {
    await txt.close();
    await f.close();
    if (h5.generation === gen) await h5.call({ op: 'close', handle: c.handle }, h5path, 'closing');
  }
}

export interface ClassifyBatchOptions {
  /** The classify model bundle's folder. */
  model: string;
  /** Image files (TFRecord, HDF5/NPZ/NPY stacks, PNG/TIFF/NPY images); each its own output. */
  inputs: readonly string[];
  /** Output folder: `<outDir>/<k>-<input name>/predictions.{h5,txt}` and overlays per input. */
  outDir: string;
  batchSize?: number;
  overlays?: number;
  method?: CamMethod;
  /** Feature keys of TFRecord inputs in another layout. */
  layout?: TfrecordLayout;
  /** Called after each input (its index and result). */
  onInput?: (k: number, r: { input: string; dir: string } & ClassifyPredictResult) => void;
  /** Checked before each input: a stop ends the batch with an interrupted error. */
  signal?: AbortSignal;
}

export interface ClassifyBatchResult {
  model: string;
  images: number;
  outputs: ({ input: string; dir: string } & ClassifyPredictResult)[];
}

/**
 * Batch prediction for a job (`classify-predict`): `predictClassify` on each input with the
 * model loaded once. The caller selects the tfjs backend first (`initBackend`), as the CLI does.
 */
export async function predictClassifyBatch(o: ClassifyBatchOptions): Promise<ClassifyBatchResult> {
  if (o.inputs.length === 0) throw new ValidationError('give at least one input', 'inputs');
  const bundle = await loadBundle(o.model);
  try {
    classifyDecision(bundle);
    const outputs: ClassifyBatchResult['outputs'] = [];
    for (const [k, input] of o.inputs.entries()) {
      if (o.signal?.aborted) throw interruptedError('interrupted');
      const stem = basename(input)
        .replace(/\.[^.]*$/, '')
        .replace(/[^A-Za-z0-9_.-]+/g, '_');
      const dir = join(resolve(o.outDir), `${k}-${stem || 'input'}`);
      const r = await predictClassify(bundle, {
        input,
        outDir: dir,
        ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
        ...(o.overlays !== undefined ? { overlays: o.overlays } : {}),
        ...(o.method !== undefined ? { method: o.method } : {}),
        ...(o.layout !== undefined ? { layout: o.layout } : {}),
      });
      outputs.push({ input, dir, ...r });
      o.onInput?.(k, outputs[k]!);
    }
    return { model: bundle.meta.id, images: outputs.reduce((a, r) => a + r.images, 0), outputs };
  } finally {
    bundle.model.dispose();
  }
}
