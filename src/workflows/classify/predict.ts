/**
 * `bragg classify predict`: a classify bundle on single-shot images (TFRecord, HDF5/NPZ/NPY
 * stacks (n, h, w) or one image (h, w)) → `OUT/predictions.h5` in the AiryNet seed's layout
 * (a group per image id with `img` (target², float32, the network input), `prediction`
 * (classes, uint8 multi-hot at the bundle's threshold), `probability` (classes, float32) and
 * per-class subgroups `"0"` … `"n-1"` holding `grad_cam` (target², float32, Grad-CAM++ of that
 * class alone, scaled to [0, 1])), the seed's `predictions.txt`, and overlay PNGs of the first
 * images' most probable class. A batch at a time: memory is bounded by the batch.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BraggError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import { h5Client as h5 } from '../../formats/hdf5/index.js';
import type { WorkerRequest } from '../../formats/hdf5/protocol.js';
import { encodePng } from '../../formats/image/png.js';
import { openAny } from '../../formats/registry.js';
import { Explainer, type CamMethod } from '../../ml/explain/gradcam.js';
import type { ModelBundle } from '../../ml/store/bundle.js';
import { camLayerOf } from './train/train.js';
import { cropPad, isMember } from './train/data.js';

export interface ClassifyPredictOptions {
  input: string;
  outDir: string;
  batchSize?: number;
  /** Overlay PNGs for this many images (default 4). */
  overlays?: number;
  method?: CamMethod;
}

export interface ClassifyPredictResult {
  images: number;
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

export async function predictClassify(
  bundle: ModelBundle,
  o: ClassifyPredictOptions,
): Promise<ClassifyPredictResult> {
  const { model, meta } = bundle;
  if (meta.workflow !== 'classify')
    throw new ValidationError(
      `${bundle.dir} is a ${meta.workflow} model, not a classify one`,
      'model',
    );
  const side = meta.input.shape[0]!;
  const labels = meta.labels;
  const cls = (
    meta as { classify?: { camLayer?: string; threshold?: number; multiLabel?: boolean } }
  ).classify;
  const threshold = cls?.threshold ?? 0.5;
  const multi = cls?.multiLabel ?? true;
  const explainer = new Explainer(model, {
    layer: cls?.camLayer ?? camLayerOf(model),
    method: o.method ?? 'gradcam++',
  });
  const f = await openAny(o.input);
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
    const ds =
      f.datasets.find((d) => isMember(d.name, 'images')) ??
      f.datasets.find((d) => d.name === f.defaultDataset);
    if (ds === undefined || ds.shape.length < 2 || ds.shape.length > 3) {
      throw new ValidationError(
        `${o.input}: needs an image stack (n, h, w) or one image (h, w); datasets: ${f.datasets.map((d) => `${d.name} [${d.shape.join(', ')}]`).join(', ')}`,
        'input',
      );
    }
    const stack = ds.shape.length === 3;
    const n = stack ? ds.shape[0]! : 1;
    const bs = o.batchSize ?? 16;
    await txt.write(`# id\t${labels.join('\t')}\tpredicted\n`);
    for (let s = 0; s < n; s += bs) {
      const k = Math.min(bs, n - s);
      const raw = new Float32Array(k * 256 * 256);
      for (let j = 0; j < k; j++) {
        const a = (await f.read(ds.name, stack ? { frame: s + j } : undefined)).array;
        raw.set(cropPad(a.data as ArrayLike<number>, a.shape[0]!, a.shape[1]!), j * 256 * 256);
      }
      const x = tf.tidy(() =>
        tf.image.resizeBilinear(tf.tensor4d(raw, [k, 256, 256, 1]), [side, side]),
      );
      const prob = tf.tidy(() => model.predict(x) as tf.Tensor2D);
      const { maps, scores } = explainer.explain(x);
      const xs = (await x.data()) as Float32Array;
      const ps = (await prob.data()) as Float32Array;
      const ms = await Promise.all(maps.map((m) => m.data() as Promise<Float32Array>));
      tf.dispose([x, prob, scores, ...maps]);
      const nc = labels.length;
      for (let j = 0; j < k; j++) {
        const id = String(s + j);
        const p = ps.subarray(j * nc, (j + 1) * nc);
        let best = 0;
        for (let q = 1; q < nc; q++) if (p[q]! > p[best]!) best = q;
        const pred = Uint8Array.from(p, (v, q) => (multi ? +(v >= threshold) : +(q === best)));
        const img = xs.subarray(j * side * side, (j + 1) * side * side);
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
          const cam = ms[q]!.subarray(j * side * side, (j + 1) * side * side);
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
          await writeFile(
            png,
            overlayPng(img, ms[best]!.subarray(j * side * side, (j + 1) * side * side), side),
          );
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
    return { images: n, h5: h5path, txt: txtPath, overlays };
  } finally {
    await txt.close();
    await f.close();
    if (h5.generation === gen) await h5.call({ op: 'close', handle: c.handle }, h5path, 'closing');
  }
}
