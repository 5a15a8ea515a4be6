/**
 * Writing TFRecord files: records from Examples, whole files (uncompressed or GZIP), and the
 * registered writer for `bragg convert`, which turns arrays back into records: `images`
 * (n, h, w) or (n, h, w, 1) and `labels` (n, c) become the single-shot layout (`layout.ts`);
 * every other array with n rows becomes a feature named after it, one row per record
 * (floats → float_list, integers → int64_list, strings → bytes_list).
 */
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { DataArray } from '../../core/data-array.js';
import { ValidationError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import type { FormatWriter } from '../types.js';
import type { Example, Feature, FeatureMap } from './example.js';
import { encodeExample } from './example.js';
import type { Compression } from './framing.js';
import { encodeRecord } from './framing.js';
import { KEY_FORMAT, KEY_HEIGHT, KEY_IMAGE, KEY_LABEL, KEY_WIDTH } from './layout.js';
import { TFRECORD_EXTENSIONS } from './reader.js';

/** Frame record payloads into a file's bytes, compressed as asked. */
export function tfrecordBytes(
  payloads: Iterable<Uint8Array>,
  compression: Compression = 'none',
): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const p of payloads) {
    const r = encodeRecord(p);
    parts.push(r);
    total += r.length;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  if (compression === 'none') return all;
  if (compression === 'gzip') return new Uint8Array(gzipSync(all));
  throw new ValidationError(
    `writing ${compression} TFRecord is not supported; use 'none' or 'gzip'`,
    'compression',
  );
}

/** Examples as the bytes of a TFRecord file. */
export function examplesToTfrecord(
  examples: Iterable<Example>,
  compression: Compression = 'none',
): Uint8Array {
  return tfrecordBytes(
    (function* () {
      for (const e of examples) yield encodeExample(e);
    })(),
    compression,
  );
}

/** One single-shot record: raw uint16 pixels (h × w), an int16 multi-hot label. */
export function singleShotExample(
  pixels: Uint16Array,
  height: number,
  width: number,
  label?: Int16Array,
): Example {
  if (pixels.length !== height * width) {
    throw new ValidationError(`${pixels.length} pixels for a ${height}×${width} image`, 'images');
  }
  const img = new Uint8Array(2 * pixels.length);
  const v = new DataView(img.buffer);
  for (let i = 0; i < pixels.length; i++) v.setUint16(2 * i, pixels[i]!, true);
  const features: FeatureMap = {
    [KEY_IMAGE]: { kind: 'bytes', value: [img] },
    [KEY_FORMAT]: { kind: 'bytes', value: [new TextEncoder().encode('raw')] },
    [KEY_HEIGHT]: { kind: 'int64', value: BigInt64Array.of(BigInt(height)) },
    [KEY_WIDTH]: { kind: 'int64', value: BigInt64Array.of(BigInt(width)) },
  };
  if (label !== undefined) {
    const lb = new Uint8Array(2 * label.length);
    const lv = new DataView(lb.buffer);
    for (let i = 0; i < label.length; i++) lv.setInt16(2 * i, label[i]!, true);
    features[KEY_LABEL] = { kind: 'bytes', value: [lb] };
  }
  return { features };
}

/**
 * The feature name of an array: the last part of its path, or the part before a NeXus
 * signal's `data` (`/entry/images/data` → `images`, which is how bragg writes HDF5 stacks).
 */
function baseName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '');
  const last = parts[parts.length - 1] ?? name;
  return last === 'data' && parts.length > 1 ? parts[parts.length - 2]! : last;
}

/** Element `i` of a numeric array as a number (bigints converted; complex and strings refused). */
function numberAt(a: NDArray, i: number): number {
  const v = (a.data as ArrayLike<number | bigint>)[i]!;
  return typeof v === 'bigint' ? Number(v) : v;
}

function integral(a: NDArray, name: string, min: number, max: number, what: string): void {
  const n = a.data.length;
  for (let i = 0; i < n; i++) {
    const x = numberAt(a, i);
    if (!Number.isInteger(x) || x < min || x > max) {
      throw new ValidationError(
        `element ${i} is ${x}: ${what} must be whole numbers in ${min}..${max}`,
        name,
      );
    }
  }
}

const NUMERIC_INT = new Set([
  'bool',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
]);
const NUMERIC_FLOAT = new Set(['float32', 'float64']);

function rowFeature(a: NDArray, row: number, per: number, name: string): Feature {
  if (a.dtype === 'string') {
    const s = (a.data as string[]).slice(row * per, (row + 1) * per);
    return { kind: 'bytes', value: s.map((x) => new TextEncoder().encode(x)) };
  }
  if (NUMERIC_FLOAT.has(a.dtype)) {
    return {
      kind: 'float',
      value: Float32Array.from(
        (a.data as Float32Array | Float64Array).subarray(row * per, (row + 1) * per),
      ),
    };
  }
  if (NUMERIC_INT.has(a.dtype)) {
    const out = new BigInt64Array(per);
    for (let i = 0; i < per; i++) {
      const v = (a.data as ArrayLike<number | bigint>)[row * per + i]!;
      out[i] = BigInt.asIntN(64, typeof v === 'bigint' ? v : BigInt(v));
    }
    return { kind: 'int64', value: out };
  }
  throw new ValidationError(`arrays of ${a.dtype} cannot be written as TFRecord features`, name);
}

/**
 * Examples from data arrays (see the module comment). Every array needs the same first
 * dimension (the records).
 */
export function arraysToExamples(datasets: readonly DataArray[]): Example[] {
  if (datasets.length === 0) throw new ValidationError('nothing to write', 'datasets');
  const byName = new Map(datasets.map((d) => [baseName(d.name), d]));
  const images = byName.get('images');
  const labels = byName.get('labels');
  const n = (images ?? datasets[0]!).array.shape[0];
  if (n === undefined)
    throw new ValidationError('a scalar cannot be split into records', 'datasets');
  for (const d of datasets) {
    if (d.array.shape[0] !== n) {
      throw new ValidationError(
        `'${d.name}' has ${d.array.shape[0] ?? 0} rows, the records are ${n}`,
        baseName(d.name),
      );
    }
  }
  let h = 0;
  let w = 0;
  let c = 0;
  if (images) {
    const s = images.array.shape;
    if (!(s.length === 3 || (s.length === 4 && s[3] === 1))) {
      throw new ValidationError(
        `expected (n, h, w) or (n, h, w, 1), got [${s.join(', ')}]`,
        'images',
      );
    }
    if (!NUMERIC_INT.has(images.array.dtype) && !NUMERIC_FLOAT.has(images.array.dtype)) {
      throw new ValidationError(
        `expected whole numbers 0..65535, got ${images.array.dtype}`,
        'images',
      );
    }
    if (images.array.dtype !== 'uint16')
      integral(images.array, 'images', 0, 65535, 'uint16 pixels');
    h = s[1]!;
    w = s[2]!;
  }
  if (labels) {
    const s = labels.array.shape;
    if (s.length !== 2)
      throw new ValidationError(`expected (n, classes), got [${s.join(', ')}]`, 'labels');
    if (!NUMERIC_INT.has(labels.array.dtype) && !NUMERIC_FLOAT.has(labels.array.dtype)) {
      throw new ValidationError(`expected whole numbers, got ${labels.array.dtype}`, 'labels');
    }
    if (labels.array.dtype !== 'int16')
      integral(labels.array, 'labels', -32768, 32767, 'int16 labels');
    c = s[1]!;
  }
  const others = datasets.filter((d) => !(images && d === images) && !(labels && d === labels));
  const out: Example[] = [];
  for (let i = 0; i < n; i++) {
    const features: FeatureMap = {};
    if (images) {
      const px = new Uint16Array(h * w);
      for (let k = 0; k < px.length; k++) px[k] = numberAt(images.array, i * h * w + k);
      let label: Int16Array | undefined;
      if (labels) {
        label = new Int16Array(c);
        for (let k = 0; k < c; k++) label[k] = numberAt(labels.array, i * c + k);
      }
      Object.assign(features, singleShotExample(px, h, w, label).features);
    }
    for (const d of others) {
      const per = n === 0 ? 0 : d.array.data.length / n;
      features[baseName(d.name)] = rowFeature(d.array, i, per, baseName(d.name));
    }
    out.push({ features });
  }
  return out;
}

/** A TFRecord writer for `bragg convert` (and the API), uncompressed by default. */
export function createTfrecordWriter(o: { compression?: Compression } = {}): FormatWriter {
  return {
    id: 'tfrecord',
    extensions: TFRECORD_EXTENSIONS,
    async write(path, datasets) {
      await writeFile(
        path,
        examplesToTfrecord(arraysToExamples(datasets), o.compression ?? 'none'),
      );
    },
  };
}

export const tfrecordWriter: FormatWriter = createTfrecordWriter();
