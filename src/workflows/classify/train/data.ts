/**
 * Labelled single-shot images for training and evaluation, streamed with bounded memory: a
 * dataset folder (`manifest.json` + TFRecord shards, split by the manifest), a folder of
 * TFRecord files (`*eval*` names are the evaluation split), or TFRecord / HDF5 / NPZ stacks
 * holding `images` (n, h, w) and `labels` (n, classes) multi-hot. Only the labels are held in
 * memory (n × classes); images are read one record at a time, a batch at a time.
 *
 * Preprocessing (AiryNet's input pipeline): centre crop or zero pad to 256 × 256 px (or to a
 * model's `crop`, see {@link cropOf}), area-average (else bilinear) resize to the target size,
 * raw counts as float32 (the logarithmic first activation compresses them), and for training
 * random horizontal and vertical flips seeded by (seed, epoch, image).
 */
import * as tf from '@tensorflow/tfjs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../../../core/errors.js';
import { createRng, deriveSeed } from '../../../core/rng.js';
import { openAny } from '../../../formats/registry.js';
import { openInLayout, type TfrecordLayout } from '../../../formats/tfrecord/index.js';
import type { OpenedFile } from '../../../formats/types.js';
import type { DataSource } from '../../../ml/train/data.js';
import { HELIUM_CLASSES } from '../../../simulate/single-shot/classes.js';
import { MANIFEST_NAME } from '../dataset/run.js';

/** Side [px] images are cropped or padded to before resizing (the seed's 256). */
export const CROP_SIZE = 256;

export const CLASSIFY_PREPROCESSING = classifyPreprocessing(CROP_SIZE);

/**
 * The preprocessing text of a model trained on centre `crop`² regions (`classify/2`; the crop
 * side itself is `classify.crop` in the bundle, read by {@link cropOf}).
 */
export function classifyPreprocessing(crop: number): string {
  return `classify/2: centre crop / zero pad to ${crop}², area-average to the target size when ${crop} is a multiple of it (else bilinear), raw counts as float32`;
}

/**
 * The side [px] a model's images are centre-cropped / zero-padded to before the resize to its
 * input: `classify.crop` of its bundle, else the seed's {@link CROP_SIZE}. A crop smaller
 * than 256 keeps the centre of the pattern (where the rings are) at a finer sampling for the
 * same input size: 128² area-averaged to 64² keeps rings 3–8 input pixels apart that 256² →
 * 64² would blur.
 */
export function cropOf(meta: object, field = 'model'): number {
  const c = (meta as { classify?: { crop?: unknown } }).classify?.crop;
  if (c === undefined) return CROP_SIZE;
  if (!(typeof c === 'number' && Number.isInteger(c) && c >= 1 && c <= 4096))
    throw new ValidationError(
      `classify.crop must be an integer in [1, 4096], got ${String(c)}`,
      field,
    );
  return c;
}

/**
 * The crop (CROP_SIZE²) → network input resize of a model's preprocessing. A plain bilinear
 * resize from 256² to 64² reads 4 of every 16 pixels and aliases rings spaced under 8 px (and
 * loses spheroid ellipticity), so `classify/2` averages f×f blocks (a box antialiasing filter)
 * when the factor f is an integer; `classify/1` bundles (trained with the bilinear resize)
 * keep it, so they predict as they were trained.
 */
export function resizeToInput(
  t: tf.Tensor4D,
  side: number,
  preprocessing: string = CLASSIFY_PREPROCESSING,
): tf.Tensor4D {
  // prettier-ignore
  const from = t.shape[1];
  if (from === side) return t;
  const f = from / side;
  if (!preprocessing.startsWith('classify/1') && Number.isInteger(f) && f > 1) {
    return tf.avgPool(t, f, f, 'valid');
  }
  return tf.image.resizeBilinear(t, [side, side]);
}

export interface ImageRef {
  file: number;
  frame: number;
}

export interface LabelledImages {
  files: OpenedFile[];
  classes: string[];
  train: ImageRef[];
  eval: ImageRef[];
  /** Multi-hot labels, keyed `file:frame`. */
  labels: Map<string, Float32Array>;
  /** Dataset ids from manifests. */
  datasetIds: string[];
  close(): Promise<void>;
}

const key = (r: ImageRef): string => `${r.file}:${r.frame}`;

/** `images` / `labels` as they are named in TFRecord, NPZ, HDF5 or NeXus (`/entry/images/data`). */
export function isMember(name: string, member: 'images' | 'labels'): boolean {
  const n = name.replace(/^\//, '');
  return n === member || n.endsWith(`/${member}`) || n.endsWith(`${member}/data`);
}

interface Listed {
  path: string;
  split: 'train' | 'eval';
}

async function listInputs(
  inputs: readonly string[],
): Promise<{ files: Listed[]; ids: string[]; classes?: string[] }> {
  const files: Listed[] = [];
  const ids: string[] = [];
  let classes: string[] | undefined;
  for (const raw of inputs) {
    const p = resolve(raw);
    const st = await stat(p).catch(() => undefined);
    if (st === undefined) throw new NotFoundError(`${raw}: no such file or folder`);
    if (!st.isDirectory()) {
      files.push({ path: p, split: /eval/i.test(basename(p)) ? 'eval' : 'train' });
      continue;
    }
    const mpath = join(p, MANIFEST_NAME);
    const mtext = await readFile(mpath, 'utf8').catch(() => undefined);
    if (mtext !== undefined) {
      let m: { id?: unknown; classes?: unknown; shards?: unknown };
      try {
        m = JSON.parse(mtext) as typeof m;
      } catch {
        throw new ValidationError(`${mpath}: not JSON`, 'data');
      }
      if (!Array.isArray(m.shards)) throw new ValidationError(`${mpath}: no shards list`, 'data');
      if (typeof m.id === 'string') ids.push(m.id);
      if (Array.isArray(m.classes)) classes = m.classes.map(String);
      for (const s of m.shards as { file?: unknown; split?: unknown }[]) {
        if (typeof s.file !== 'string')
          throw new ValidationError(`${mpath}: a shard has no file`, 'data');
        files.push({ path: join(p, s.file), split: s.split === 'eval' ? 'eval' : 'train' });
      }
      continue;
    }
    const names = (await readdir(p)).filter((n) => /\.(tfrecords?|tfr)$/i.test(n)).sort();
    if (names.length === 0) {
      throw new ValidationError(
        `${raw}: a folder with neither ${MANIFEST_NAME} nor TFRecord files`,
        'data',
      );
    }
    for (const n of names)
      files.push({ path: join(p, n), split: /eval/i.test(n) ? 'eval' : 'train' });
  }
  return { files, ids, ...(classes ? { classes } : {}) };
}

/** Open the inputs and read their labels (not their images). */
export async function openLabelledImages(
  inputs: readonly string[],
  o: {
    requireTrain?: boolean;
    /** TFRecord feature keys of another layout (`--layout`), for every input file. */
    layout?: TfrecordLayout;
  } = {},
): Promise<LabelledImages> {
  if (inputs.length === 0) throw new ValidationError('give at least one dataset', 'data');
  const listed = await listInputs(inputs);
  const opened: OpenedFile[] = [];
  const close = async (): Promise<void> => {
    for (const f of opened) await f.close();
  };
  try {
    const out: LabelledImages = {
      files: opened,
      classes: listed.classes ?? [...HELIUM_CLASSES],
      train: [],
      eval: [],
      labels: new Map(),
      datasetIds: listed.ids,
      close,
    };
    for (const l of listed.files) {
      const f = await openInLayout(l.path, o.layout, openAny);
      opened.push(f);
      const names = f.datasets.map((d) => d.name);
      const img = f.datasets.find((d) => isMember(d.name, 'images'));
      const lab = f.datasets.find((d) => isMember(d.name, 'labels'));
      if (img === undefined || lab === undefined) {
        throw new ValidationError(
          `${l.path}: needs datasets 'images' (n, h, w) and 'labels' (n, classes); it has ${names.join(', ') || 'none'}`,
          'data',
        );
      }
      if (img.shape.length < 3 || lab.shape.length !== 2 || img.shape[0] !== lab.shape[0]) {
        throw new ValidationError(
          `${l.path}: images ${JSON.stringify(img.shape)} and labels ${JSON.stringify(lab.shape)} are not (n, h, w) and (n, classes)`,
          'data',
        );
      }
      const c = lab.shape[1]!;
      if (c !== out.classes.length) {
        if (listed.classes === undefined && opened.length === 1) {
          out.classes = Array.from({ length: c }, (_, i) => String(i));
        } else {
          throw new ValidationError(
            `${l.path}: ${c} label columns, expected ${out.classes.length}`,
            'data',
          );
        }
      }
      const labels = (await f.read(lab.name)).array.data as ArrayLike<number>;
      const fi = opened.length - 1;
      for (let i = 0; i < lab.shape[0]!; i++) {
        const row = new Float32Array(c);
        for (let k = 0; k < c; k++) {
          const v = Number(labels[i * c + k]);
          if (v !== 0 && v !== 1) {
            throw new ValidationError(
              `${l.path}: label [${i}, ${k}] is ${v}, not 0 or 1 (multi-hot)`,
              'data',
            );
          }
          row[k] = v;
        }
        const ref = { file: fi, frame: i };
        out.labels.set(key(ref), row);
        out[l.split].push(ref);
      }
    }
    if (out.train.length === 0 && o.requireTrain !== false)
      throw new ValidationError('no training images in the inputs', 'data');
    return out;
  } catch (err) {
    await close();
    throw err;
  }
}

/** True when every image has exactly one label (then softmax + categorical cross-entropy). */
export function singleLabel(d: LabelledImages): boolean {
  for (const row of d.labels.values()) if (row.reduce((a, b) => a + b, 0) !== 1) return false;
  return true;
}

/** Centre crop / zero pad (h, w) to CROP_SIZE² as float32. */
export function cropPad(
  src: ArrayLike<number>,
  h: number,
  w: number,
  side = CROP_SIZE,
): Float32Array {
  const out = new Float32Array(side * side);
  const dy = Math.floor((h - side) / 2);
  const dx = Math.floor((w - side) / 2);
  for (let y = 0; y < side; y++) {
    const sy = y + dy;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < side; x++) {
      const sx = x + dx;
      if (sx >= 0 && sx < w) out[y * side + x] = Number(src[sy * w + sx]);
    }
  }
  return out;
}

export async function readImage(
  d: LabelledImages,
  r: ImageRef,
  side = CROP_SIZE,
): Promise<Float32Array> {
  const f = d.files[r.file]!;
  const name = f.datasets.find((x) => isMember(x.name, 'images'))!.name;
  const a = (await f.read(name, { frame: r.frame })).array;
  const h = a.shape[0]!;
  const w = a.shape[1]!;
  return cropPad(a.data as ArrayLike<number>, h, w, side);
}

export interface SourceOptions {
  refs: readonly ImageRef[];
  size: number;
  batchSize: number;
  seed: number;
  /** Shuffle and flip (training). */
  augment: boolean;
  /**
   * Side the images are centre-cropped / zero-padded to before the resize (default
   * {@link CROP_SIZE}, the seed's 256).
   */
  cropSize?: number;
  /**
   * Train/eval cycles (the seed's `--steps_per_eval`): call `k` of the source yields the global
   * batches k·stepsPerEval … (k+1)·stepsPerEval − 1 of the endless stream of shuffled data epochs
   * (data epoch e = the same order and flips as without cycles). Unset: call e is data epoch e.
   */
  stepsPerEval?: number;
}

/** Batches per pass over `n` images. */
export function batchesPerEpoch(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}

/** Batches x (n, size, size, 1) and y (n, classes) for the trainer; a pure function of the epoch (or cycle). */
export function classifySource(d: LabelledImages, o: SourceOptions): DataSource {
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1))
    throw new ValidationError(`must be a positive integer, got ${o.batchSize}`, 'batchSize');
  const side = o.cropSize ?? CROP_SIZE;
  if (!(Number.isInteger(side) && side >= 1 && side <= 4096))
    throw new ValidationError(`must be an integer in [1, 4096], got ${side}`, 'cropSize');
  const spe = o.stepsPerEval;
  if (spe !== undefined && !(Number.isInteger(spe) && spe >= 1))
    throw new ValidationError(`must be a positive integer, got ${spe}`, 'stepsPerEval');
  const c = d.classes.length;
  const bpe = batchesPerEpoch(o.refs.length, o.batchSize);
  const orderOf = (epoch: number): ImageRef[] => {
    const order = o.refs.slice();
    if (o.augment) createRng(deriveSeed(o.seed, 'classify-shuffle', epoch)).shuffle(order);
    return order;
  };
  // the (data epoch, batch) pairs of call k
  const windows = (k: number): Array<[number, number]> => {
    if (spe === undefined) return Array.from({ length: bpe }, (_, j) => [k, j]);
    return Array.from({ length: spe }, (_, s) => {
      const g = k * spe + s;
      return [Math.floor(g / bpe), g % bpe];
    });
  };
  return (k: number) => ({
    async *[Symbol.asyncIterator]() {
      if (o.refs.length === 0) return;
      let cached: [number, ImageRef[]] | undefined;
      for (const [epoch, j] of windows(k)) {
        if (cached?.[0] !== epoch) cached = [epoch, orderOf(epoch)];
        const refs = cached[1].slice(j * o.batchSize, (j + 1) * o.batchSize);
        const raw = new Float32Array(refs.length * side * side);
        const y = new Float32Array(refs.length * c);
        for (let i = 0; i < refs.length; i++) {
          const r = refs[i]!;
          const img = await readImage(d, r, side);
          if (o.augment)
            flip(img, createRng(deriveSeed(o.seed, 'classify-flip', epoch, r.file, r.frame)), side);
          raw.set(img, i * side * side);
          y.set(d.labels.get(key(r))!, i * c);
        }
        const x = tf.tidy(() => {
          const t = tf.tensor4d(raw, [refs.length, side, side, 1]);
          return resizeToInput(t, o.size);
        });
        yield { x, y: tf.tensor2d(y, [refs.length, c]) };
      }
    },
  });
}

function flip(img: Float32Array, rng: { next(): number }, n = CROP_SIZE): void {
  if (rng.next() < 0.5) {
    for (let y = 0; y < n; y++) img.subarray(y * n, (y + 1) * n).reverse();
  }
  if (rng.next() < 0.5) {
    for (let y = 0; y < Math.floor(n / 2); y++) {
      const a = img.slice(y * n, (y + 1) * n);
      img.copyWithin(y * n, (n - 1 - y) * n, (n - y) * n);
      img.set(a, (n - 1 - y) * n);
    }
  }
}
