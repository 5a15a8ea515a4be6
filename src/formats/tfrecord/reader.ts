/**
 * TFRecord as a registered format. Opening reads the records once, one at a time (an index
 * pass: offsets, features, the layout), never the whole file; `read` decodes the records again,
 * only the one asked for when a frame is selected (by offset in an uncompressed file).
 *
 * Data arrays: a file in the single-shot layout (`layout.ts`) holds `images` (n, h, w) uint16
 * and `labels` (n, c) int16; every other feature that each record has with the same kind and
 * length is an array named by its key, (n, length): int64 → `int64`, float → `float32`, one
 * byte string of fixed size → `uint8`. Features and record counts are listed in the metadata.
 */
import { basename } from 'node:path';
import { openSource, readHead } from '../../core/source.js';
import type { ByteSource, SourceInput, SourceOptions } from '../../core/source.js';
import { uncalibratedAxis } from '../../core/axes.js';
import type { DataArray } from '../../core/data-array.js';
import type { DType } from '../../core/dtype.js';
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import { ndarray } from '../../core/ndarray.js';
import { sliceArray } from '../../core/slice.js';
import type { ArrayInfo, FormatReader, OpenedFile, Selection } from '../types.js';
import type { Compression } from './framing.js';
import { detectCompression, readRecordAt, readRecords, TFRECORD } from './framing.js';
import type { Example, FeatureMap } from './example.js';
import { decodeExampleRecord } from './example.js';
import type { FeatureSummary, SingleShot, TfrecordLayout } from './layout.js';
import { bunchId, LayoutScan, SEED_LAYOUT } from './layout.js';

export const TFRECORD_EXTENSIONS = ['tfrecord', 'tfrecords', 'tfr'] as const;

/** What the index pass learned. */
interface Index {
  compression: Compression;
  /** Header offsets of the records (uncompressed files only). */
  offsets: number[];
  scan: LayoutScan;
}

async function indexFile(
  source: ByteSource,
  compression: Compression,
  layout: TfrecordLayout,
): Promise<Index> {
  const scan = new LayoutScan(layout);
  const offsets: number[] = [];
  for await (const r of readRecords(source, compression)) {
    if (compression === 'none') offsets.push(r.offset);
    scan.add(
      decodeExampleRecord(r.data, {
        file: source.name,
        index: r.index,
        offset: compression === 'none' ? r.offset : undefined,
      }),
    );
  }
  return { compression, offsets, scan };
}

function frameAxes(shape: readonly number[], names: readonly string[]): ArrayInfo['axes'] {
  return shape.map((n, i) => uncalibratedAxis(names[i] ?? `dim${i}`, n));
}

/** A planned data array: its listing and how to fill one record's part of it. */
interface Plan {
  info: ArrayInfo;
  /** Elements per record. */
  per: number;
  fill(features: FeatureMap, into: NDArray, at: number, index: number): void;
}

function mismatch(file: string, index: number, key: string, what: string): FormatError {
  return new FormatError(
    TFRECORD,
    `record ${index}: feature '${key}' ${what}, unlike the records before it`,
    {
      file,
      path: `record ${index}/${key}`,
    },
  );
}

function singleShotPlans(file: string, n: number, s: SingleShot, l: TfrecordLayout): Plan[] {
  const px = s.height * s.width;
  const plans: Plan[] = [
    {
      info: {
        name: 'images',
        shape: [n, s.height, s.width],
        dtype: 'uint16',
        axes: frameAxes([n, s.height, s.width], ['frame', 'y', 'x']),
        metadata: { feature: l.image, encoding: 'raw uint16 little-endian' },
        role: 'image',
      },
      per: px,
      fill(m, into, at, index) {
        const f = m[l.image];
        const b = f?.kind === 'bytes' && f.value.length === 1 ? f.value[0]! : undefined;
        if (b?.length !== 2 * px) throw mismatch(file, index, l.image, `is not ${2 * px} bytes`);
        const v = new DataView(b.buffer, b.byteOffset, b.length);
        const out = into.data as Uint16Array;
        for (let i = 0; i < px; i++) out[at + i] = v.getUint16(2 * i, true);
      },
    },
  ];
  if (s.classes > 0) {
    plans.push({
      info: {
        name: 'labels',
        shape: [n, s.classes],
        dtype: 'int16',
        axes: frameAxes([n, s.classes], ['frame', 'class']),
        metadata: { feature: l.label, encoding: 'raw int16 little-endian multi-hot' },
      },
      per: s.classes,
      fill(m, into, at, index) {
        const f = m[l.label];
        const b = f?.kind === 'bytes' && f.value.length === 1 ? f.value[0]! : undefined;
        if (b?.length !== 2 * s.classes)
          throw mismatch(file, index, l.label, `is not ${2 * s.classes} bytes`);
        const v = new DataView(b.buffer, b.byteOffset, b.length);
        const out = into.data as Int16Array;
        for (let i = 0; i < s.classes; i++) out[at + i] = v.getInt16(2 * i, true);
      },
    });
  }
  if (l.bunch !== undefined) {
    const key = l.bunch;
    plans.push({
      info: {
        name: 'bunch_id',
        shape: [n],
        dtype: 'int32',
        axes: frameAxes([n], ['frame']),
        metadata: { feature: key, encoding: 'int32 bunch id (raw little-endian or int64)' },
      },
      per: 1,
      fill(m, into, at, index) {
        const v = bunchId(m[key]);
        if (v === undefined) throw mismatch(file, index, key, 'is not an int32 bunch id');
        (into.data as Int32Array)[at] = v;
      },
    });
  }
  return plans;
}

function uniformPlan(file: string, n: number, s: FeatureSummary): Plan {
  const bytes = s.kind === 'bytes';
  const per = bytes ? s.minBytes! : s.minLength;
  const dtype: DType = s.kind === 'int64' ? 'int64' : s.kind === 'float' ? 'float32' : 'uint8';
  return {
    info: {
      name: s.name,
      shape: [n, per],
      dtype,
      axes: frameAxes([n, per], ['frame', bytes ? 'byte' : 'value']),
      metadata: { feature: s.name, kind: s.kind },
    },
    per,
    fill(m, into, at, index) {
      const f = m[s.name];
      if (f === undefined || f.kind !== s.kind || f.kind === 'none')
        throw mismatch(file, index, s.name, 'is missing or of another kind');
      const v = f.kind === 'bytes' ? (f.value.length === 1 ? f.value[0] : undefined) : f.value;
      if (v === undefined || v.length !== per) {
        throw mismatch(file, index, s.name, `does not hold ${per} values`);
      }
      (into.data as Uint8Array | Float32Array | BigInt64Array).set(v as never, at);
    },
  };
}

function selectRanges(a: NDArray, sel: Selection | undefined): NDArray {
  return sel?.ranges === undefined ? a : sliceArray(a, sel.ranges);
}

/** True when `input` starts like a TFRecord file (a record header with a valid length CRC). */
export async function isTfrecord(input: SourceInput): Promise<boolean> {
  const source = await openSource(input);
  try {
    return detectCompression(readHead(source)) !== undefined;
  } finally {
    source.close();
  }
}

/**
 * Open `path` with `open` (any format), or, when a `layout` is given (a `--layout` option,
 * parsed by `parseTfrecordLayout`), as a TFRecord file read in that layout: the one way every
 * command that takes `--layout` opens its inputs. A layout for a file that is not TFRecord is
 * a ValidationError on `field`.
 */
export async function openInLayout(
  path: string,
  layout: TfrecordLayout | undefined,
  open: (path: string) => Promise<OpenedFile>,
  field = 'layout',
): Promise<OpenedFile> {
  if (layout === undefined) return open(path);
  if (!(await isTfrecord(path))) {
    throw new ValidationError(`${basename(path)}: --layout applies to TFRecord files only`, field);
  }
  return openTfrecord(path, undefined, layout);
}

/**
 * Open a TFRecord file from a path, bytes or a stream; `layout` maps other feature keys onto
 * the single-shot roles (default: the seed's keys).
 */
export async function openTfrecord(
  input: SourceInput,
  options?: SourceOptions,
  layout: TfrecordLayout = SEED_LAYOUT,
): Promise<OpenedFile> {
  const source = await openSource(input, options);
  const file = source.name;
  let index: Index;
  try {
    const compression = detectCompression(readHead(source));
    if (compression === undefined) {
      throw new FormatError(
        TFRECORD,
        'not a TFRecord file (no record header with a valid length CRC, uncompressed or GZIP/zlib)',
        {
          file,
          offset: 0,
        },
      );
    }
    index = await indexFile(source, compression, layout);
  } catch (err) {
    source.close();
    throw err;
  }
  const n = index.scan.records;
  const single = index.scan.singleShot();
  const plans: Plan[] = [
    ...(single ? singleShotPlans(file, n, single, layout) : []),
    ...index.scan.uniform().map((s) => uniformPlan(file, n, s)),
  ];
  const names = plans.map((p) => p.info.name);

  async function* records(from: number): AsyncGenerator<{ index: number; features: FeatureMap }> {
    if (index.compression === 'none') {
      for (let i = from; i < n; i++) {
        const offset = index.offsets[i]!;
        const { data } = readRecordAt(source, i, offset);
        yield { index: i, features: featuresOf(data, i, offset) };
      }
      return;
    }
    for await (const r of readRecords(source, index.compression, from)) {
      yield { index: r.index, features: featuresOf(r.data, r.index, undefined) };
    }
  }

  function featuresOf(data: Uint8Array, i: number, offset: number | undefined): FeatureMap {
    const r = decodeExampleRecord(data, { file, index: i, offset });
    return r.type === 'example' ? r.features : r.context;
  }

  return {
    format: 'tfrecord',
    path: file,
    datasets: plans.map((p) => p.info),
    metadata: { ...index.scan.metadata(), compression: index.compression },
    defaultDataset: single ? 'images' : names[0],
    async read(name: string, sel?: Selection): Promise<DataArray> {
      const plan = plans.find((p) => p.info.name === name);
      if (!plan) {
        throw new NotFoundError(
          `${file}: no dataset '${name}'; datasets: ${names.join(', ') || '(none)'}`,
          {
            what: 'dataset',
            resource: name,
          },
        );
      }
      const info = plan.info;
      if (sel?.frame !== undefined) {
        const frame = sel.frame;
        if (!Number.isSafeInteger(frame) || frame < 0 || frame >= n) {
          throw new ValidationError(
            `frame ${frame} is out of range: the file has ${n} records (0..${n - 1})`,
            'frame',
          );
        }
        const a = ndarray(info.dtype, info.shape.slice(1));
        for await (const r of records(frame)) {
          plan.fill(r.features, a, 0, r.index);
          break;
        }
        const out = selectRanges(a, sel);
        return {
          name,
          array: out,
          axes: frameAxes(
            out.shape,
            info.axes.slice(1).map((x) => x.name),
          ),
          metadata: info.metadata,
          role: info.role,
        };
      }
      const a = ndarray(info.dtype, info.shape);
      for await (const r of records(0)) plan.fill(r.features, a, r.index * plan.per, r.index);
      const out = selectRanges(a, sel);
      return {
        name,
        array: out,
        axes: frameAxes(
          out.shape,
          info.axes.map((x) => x.name),
        ),
        metadata: info.metadata,
        role: info.role,
      };
    },
    async close() {
      source.close();
    },
  };
}

export const tfrecordReader: FormatReader = {
  id: 'tfrecord',
  extensions: TFRECORD_EXTENSIONS,
  sniff(head) {
    // an empty head is not claimed by sniffing (the extension decides)
    return head.length >= 12 && detectCompression(head) !== undefined;
  },
  open: (input, options) => openTfrecord(input, options),
};

/** Every record of a TFRecord file decoded (for tools and tests; holds them all in memory). */
export async function readExamples(
  input: SourceInput,
  options?: SourceOptions,
): Promise<Example[]> {
  const source = await openSource(input, options);
  try {
    const compression = detectCompression(readHead(source));
    if (compression === undefined)
      throw new FormatError(TFRECORD, 'not a TFRecord file', { file: source.name, offset: 0 });
    const out: Example[] = [];
    for await (const r of readRecords(source, compression)) {
      const d = decodeExampleRecord(r.data, { file: source.name, index: r.index });
      out.push({ features: d.type === 'example' ? d.features : d.context });
    }
    return out;
  } finally {
    source.close();
  }
}
