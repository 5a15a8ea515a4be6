/**
 * HDF5 / NeXus writer (`FormatWriter`, used by `bragg convert`): each dataset becomes an
 * NXdata group `/entry/<name>` with `@signal="data"`, `@axes` (one field per calibrated
 * dimension, `.` for uncalibrated ones) and `@<axis>_indices` (NIAC2014 convention); the root
 * and entry carry `@default`, so NeXus readers find the first dataset as the plottable data.
 *
 * Element types: numbers as themselves; complex as the h5py compound {r, i}; rgb8/rgba8 as
 * compound {R, G, B[, A]} of uint8; strings as variable-length UTF-8; bool as uint8 with
 * `@bragg_dtype="bool"`; float16 as float32 with `@bragg_dtype="float16"`. Stacks of rank ≥ 3
 * are chunked one frame per chunk (random frame access) and written frame by frame.
 */
import { resolve } from 'node:path';
import { axisValues, type Axis } from '../../core/axes.js';
import type { DataArray } from '../../core/data-array.js';
import { componentsPerElement, type DType } from '../../core/dtype.js';
import { ValidationError } from '../../core/errors.js';
import { toFloat32 } from '../../core/ndarray.js';
import type { FormatWriter } from '../types.js';
import { h5 } from './client.js';
import type { CompoundColumns, WorkerRequest, WriteAttr } from './protocol.js';

/** Arrays larger than this are written frame by frame (bounded WebAssembly memory). */
const ONE_SHOT_BYTES = 64 * 2 ** 20;

const NUMERIC: Partial<Record<DType, string>> = {
  int8: '<b',
  uint8: '<B',
  int16: '<h',
  uint16: '<H',
  int32: '<i',
  uint32: '<I',
  int64: '<q',
  uint64: '<Q',
  float32: '<f',
  float64: '<d',
  bool: '<B',
};

/** HDF5/NeXus-safe name: letters, digits and `_`, not starting with a digit. */
export function safeName(name: string, fallback: string): string {
  const last =
    name
      .split('/')
      .filter((s) => s.length > 0)
      .pop() ?? '';
  let s = last.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = fallback;
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

function unique(name: string, used: Set<string>): string {
  let n = name;
  for (let i = 1; used.has(n); i++) n = `${name}_${i}`;
  used.add(n);
  return n;
}

interface Prepared {
  dtype: string;
  shape: number[];
  data: ArrayBufferView | string[] | CompoundColumns;
  attrs: WriteAttr[];
}

function deinterleave(
  data: ArrayLike<number>,
  k: number,
  make: (n: number) => Float32Array | Float64Array | Uint8Array,
): ArrayBufferView[] {
  const n = data.length / k;
  const cols = Array.from({ length: k }, () => make(n));
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) cols[c]![i] = data[i * k + c]!;
  return cols;
}

/** Element data in the form the worker writes. */
function prepare(ds: DataArray): Prepared {
  const a = ds.array;
  const shape = [...a.shape];
  const attrs: WriteAttr[] = [];
  switch (a.dtype) {
    case 'string':
      return { dtype: 'vlen-str', shape, data: a.data as string[], attrs };
    case 'float16':
      attrs.push({ name: 'bragg_dtype', value: 'float16' });
      return { dtype: '<f', shape, data: toFloat32(a), attrs };
    case 'complex64':
    case 'complex128': {
      const big = a.dtype === 'complex128';
      const cols = deinterleave(a.data as Float32Array | Float64Array, 2, (n) =>
        big ? new Float64Array(n) : new Float32Array(n),
      );
      const data: CompoundColumns = {
        names: ['r', 'i'],
        columns: cols,
        memberDtype: big ? '<d' : '<f',
      };
      return { dtype: 'compound', shape, data, attrs };
    }
    case 'rgb8':
    case 'rgba8': {
      const k = componentsPerElement(a.dtype);
      const cols = deinterleave(a.data as Uint8Array, k, (n) => new Uint8Array(n));
      const names = ['R', 'G', 'B', 'A'].slice(0, k);
      return { dtype: 'compound', shape, data: { names, columns: cols, memberDtype: '<B' }, attrs };
    }
    case 'bool':
      attrs.push({ name: 'bragg_dtype', value: 'bool' });
      return { dtype: '<B', shape, data: a.data as Uint8Array, attrs };
    default: {
      const dtype = NUMERIC[a.dtype];
      if (dtype === undefined) throw new ValidationError(`cannot write dtype ${a.dtype}`, 'dtype');
      return { dtype, shape, data: a.data as ArrayBufferView, attrs };
    }
  }
}

function isCalibrated(a: Axis): boolean {
  return a.scale !== 1 || a.offset !== 0 || a.units !== '';
}

function frameView(data: ArrayBufferView, frame: number, frameLen: number): ArrayBufferView {
  const t = data as unknown as { subarray(a: number, b: number): ArrayBufferView };
  return t.subarray(frame * frameLen, (frame + 1) * frameLen);
}

/** Write `datasets` as a NeXus file at `path` (overwritten). */
export async function writeNexus(path: string, datasets: readonly DataArray[]): Promise<void> {
  if (datasets.length === 0) throw new ValidationError('nothing to write', 'datasets');
  const file = resolve(path);
  const call = (req: WorkerRequest, what: string, h5path?: string, timeout?: number) =>
    h5.call(req, file, what, timeout, [], h5path);
  const c = await call({ op: 'create', path: file }, 'creating');
  if (c.op !== 'create') throw new ValidationError('unexpected worker answer', 'writer');
  const handle = c.handle;
  const gen = h5.generation;
  try {
    const used = new Set<string>();
    const names = datasets.map((d, i) => unique(safeName(d.name, `data${i}`), used));
    const root: WriteAttr[] = [
      { name: 'NX_class', value: 'NXroot' },
      { name: 'default', value: 'entry' },
      { name: 'creator', value: 'bragg' },
    ];
    await call(
      {
        op: 'group',
        handle,
        path: '/entry',
        attrs: [
          { name: 'NX_class', value: 'NXentry' },
          { name: 'default', value: names[0]! },
        ],
      },
      'writing',
      '/entry',
    );
    for (const [i, ds] of datasets.entries()) {
      await writeOne(call, handle, `/entry/${names[i]!}`, ds);
    }
    await call({ op: 'attrs', handle, path: '/', attrs: root }, 'writing', '/');
  } finally {
    if (h5.generation === gen) await call({ op: 'close', handle }, 'closing');
  }
}

type Call = (
  req: WorkerRequest,
  what: string,
  h5path?: string,
  timeout?: number,
) => Promise<unknown>;

async function writeOne(call: Call, handle: number, group: string, ds: DataArray): Promise<void> {
  const p = prepare(ds);
  const axisNames: string[] = [];
  const attrs: WriteAttr[] = [
    { name: 'NX_class', value: 'NXdata' },
    { name: 'signal', value: 'data' },
  ];
  const used = new Set(['data']);
  const axisFields: { name: string; axis: Axis }[] = [];
  ds.axes.forEach((a, d) => {
    if (!isCalibrated(a) || d >= p.shape.length) {
      axisNames.push('.');
      return;
    }
    const name = unique(safeName(a.name, `axis${d}`), used);
    axisNames.push(name);
    axisFields.push({ name, axis: a });
    attrs.push({ name: `${name}_indices`, value: new Int32Array([d]), dtype: '<i' });
  });
  while (axisNames.length < p.shape.length) axisNames.push('.');
  if (axisNames.length > 0) attrs.push({ name: 'axes', value: axisNames });
  await call({ op: 'group', handle, path: group, attrs }, 'writing', group);

  const dataAttrs = [...p.attrs];
  if (ds.intensity?.units) dataAttrs.push({ name: 'units', value: ds.intensity.units });
  if (Object.keys(ds.metadata).length > 0) {
    const json = JSON.stringify(ds.metadata, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    dataAttrs.push({ name: 'bragg_metadata', value: json });
  }
  const path = `${group}/data`;
  const rank = p.shape.length;
  const frames = rank >= 3 ? p.shape[0]! : 1;
  const frameLen = rank >= 3 ? p.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
  const chunks = rank >= 3 && frameLen > 0 && frames > 0 ? [1, ...p.shape.slice(1)] : undefined;
  const bytes = ArrayBuffer.isView(p.data) ? p.data.byteLength : 0;
  if (chunks && ArrayBuffer.isView(p.data) && bytes > ONE_SHOT_BYTES) {
    // Frame by frame: create with one frame, grow, then write each frame.
    await call(
      {
        op: 'dataset',
        handle,
        path,
        dtype: p.dtype,
        shape: [1, ...p.shape.slice(1)],
        maxshape: p.shape,
        chunks,
        data: frameView(p.data, 0, frameLen),
        attrs: dataAttrs,
      },
      'writing',
      path,
    );
    await call({ op: 'resize', handle, path, shape: p.shape }, 'writing', path);
    for (let f = 1; f < frames; f++) {
      const start = [f, ...p.shape.slice(1).map(() => 0)];
      const count = [1, ...p.shape.slice(1)];
      await call(
        { op: 'writeSlice', handle, path, start, count, data: frameView(p.data, f, frameLen) },
        'writing',
        path,
      );
    }
  } else {
    const req: WorkerRequest = {
      op: 'dataset',
      handle,
      path,
      dtype: p.dtype,
      shape: p.shape,
      data: p.data,
      attrs: dataAttrs,
    };
    if (chunks) req.chunks = chunks;
    await call(req, 'writing', path, 30_000 + bytes / 5000);
  }
  for (const { name, axis } of axisFields) {
    await call(
      {
        op: 'dataset',
        handle,
        path: `${group}/${name}`,
        dtype: '<d',
        shape: [axis.size],
        data: axisValues(axis),
        attrs: axis.units ? [{ name: 'units', value: axis.units }] : [],
      },
      'writing',
      `${group}/${name}`,
    );
  }
}

export const hdf5Writer: FormatWriter = {
  id: 'hdf5',
  extensions: ['h5', 'hdf5', 'nxs'],
  write: writeNexus,
};
