/**
 * `GET /api/files/data`: part of one dataset of a file, as JSON, NPY or PNG. The selection is a
 * frame (an index of the first axis) and a numpy-like slice over the remaining axes (`"0:10,5,:"`:
 * per axis an index, which drops the axis, or `start:stop` with either end left out and negative
 * ends counted from the end; no steps). It becomes per-axis `[start, stop)` ranges, checked
 * against the dataset's shape and the format's element limit *before* anything is read, and the
 * reader reads only that hyperslab. `bin` (a 2D selection) answers its block means instead — an
 * overview of an image of any size up to `MAX_BINNED_READ`, read in tiles within the NPY limit.
 */
import type { Axis } from '../core/axes.js';
import { BraggError, NotFoundError, UnsupportedError, ValidationError } from '../core/errors.js';
import type { NDArray } from '../core/ndarray.js';
import { ndarray, reshape, toFloat64 } from '../core/ndarray.js';
import { componentsPerElement } from '../core/dtype.js';
import { sliceArray } from '../core/slice.js';
import { encodePng } from '../formats/image/png.js';
import type { ColormapName } from '../formats/image/colormap.js';
import type { Scaling } from '../formats/image/scale.js';
import { writeNpy } from '../formats/npy/npy.js';
import type { ArrayInfo, OpenedFile } from '../formats/types.js';
import type { ServerLimits } from './context.js';

/** One axis of a slice: an index (the axis is dropped) or a `[start, stop)` range. */
export type SliceItem = { index: number } | { start?: number; stop?: number };

const INT = /^-?\d{1,15}$/;

/** Parses `"0:10,5,:"`; throws `ValidationError('slice')`. */
export function parseSlice(text: string): SliceItem[] {
  if (text.length > 1000) throw new ValidationError('is longer than 1000 characters', 'slice');
  if (text.trim() === '') return [];
  return text.split(',').map((raw, i) => {
    const s = raw.trim();
    const bad = (why: string) =>
      new ValidationError(`item ${i} '${s.slice(0, 40)}': ${why}`, 'slice');
    const parts = s.split(':');
    if (parts.length === 1) {
      if (!INT.test(s)) throw bad('expected an integer or start:stop');
      return { index: Number(s) };
    }
    if (parts.length > 2) throw bad('steps (a:b:c) are not supported');
    const [a = '', b = ''] = parts.map((p) => p.trim());
    if ((a !== '' && !INT.test(a)) || (b !== '' && !INT.test(b))) throw bad('expected integers');
    return { ...(a === '' ? {} : { start: Number(a) }), ...(b === '' ? {} : { stop: Number(b) }) };
  });
}

export interface PlannedSelection {
  /** Per-axis `[start, stop)` over the whole dataset. */
  ranges: [number, number][];
  /** Shape of the result (indexed axes dropped). */
  shape: number[];
  /** Axes of the result, their offsets moved to the first selected sample. */
  axes: Axis[];
  elements: number;
  /** The dataset axes the result keeps (not indexed), in order. */
  kept: number[];
}

/** The ranges, shape and axes that `frame` and `slice` select from `info`. */
export function planSelection(
  info: ArrayInfo,
  frame: number | undefined,
  slice: readonly SliceItem[],
): PlannedSelection {
  const items: SliceItem[] = [];
  if (frame !== undefined) {
    if (info.shape.length === 0) throw new ValidationError('a scalar has no frames', 'frame');
    items.push({ index: frame });
  }
  items.push(...slice);
  if (items.length > info.shape.length) {
    throw new ValidationError(
      `selects ${items.length} axes of a dataset with ${info.shape.length} ([${info.shape.join(', ')}])`,
      frame !== undefined && slice.length === 0 ? 'frame' : 'slice',
    );
  }
  const ranges: [number, number][] = [];
  const shape: number[] = [];
  const axes: Axis[] = [];
  const kept: number[] = [];
  let elements = 1;
  for (const [d, n] of info.shape.entries()) {
    const item = items[d] ?? {};
    const field = frame !== undefined && d === 0 ? 'frame' : 'slice';
    const axis = info.axes[d];
    if ('index' in item) {
      const i = item.index < 0 ? n + item.index : item.index;
      if (i < 0 || i >= n) {
        throw new ValidationError(`index ${item.index} is outside axis ${d} of size ${n}`, field);
      }
      ranges.push([i, i + 1]);
      continue;
    }
    const clamp = (v: number) => Math.min(n, Math.max(0, v < 0 ? n + v : v));
    const start = clamp(item.start ?? 0);
    const stop = Math.max(start, clamp(item.stop ?? n));
    ranges.push([start, stop]);
    kept.push(d);
    shape.push(stop - start);
    elements *= stop - start;
    if (axis !== undefined) {
      axes.push({ ...axis, size: stop - start, offset: axis.offset + axis.scale * start });
    } else {
      axes.push({ name: `axis${d}`, size: stop - start, scale: 1, offset: 0, units: '' });
    }
  }
  return { ranges, shape, axes, elements, kept };
}

export type DataFormat = 'json' | 'npy' | 'png';

export interface DataRequest {
  dataset?: string;
  frame?: number;
  slice?: string;
  format: DataFormat;
  scale?: Scaling;
  colormap?: ColormapName;
  /** Block-mean downsampling of a 2D selection: `bin` × `bin` pixels → one (1: none). */
  bin?: number;
}

/** The dataset `name` of `f` (default: the file's default dataset, else its first). */
export function pickDataset(f: OpenedFile, name: string | undefined): ArrayInfo {
  const want = name ?? f.defaultDataset ?? f.datasets[0]?.name;
  const info = f.datasets.find((d) => d.name === want);
  if (info === undefined) {
    const known = f.datasets.map((d) => d.name);
    const list = known.slice(0, 20).join(', ') + (known.length > 20 ? ', …' : '');
    throw new NotFoundError(
      want === undefined
        ? 'the file holds no datasets'
        : `no dataset '${want.slice(0, 200)}' in the file; it has: ${list}`,
      { what: 'dataset', resource: (want ?? '').slice(0, 200) },
    );
  }
  return info;
}

function limitError(what: string, n: number, max: number, hint: string): BraggError {
  return new BraggError(
    'LIMIT',
    `${what}: the selection has ${n} elements, more than the ${max} this format returns (limit ${max}); ${hint}`,
  );
}

/** Checks the planned selection against the format's limit (before reading). */
export function checkLimits(
  plan: PlannedSelection,
  info: ArrayInfo,
  format: DataFormat,
  limits: ServerLimits,
): void {
  const hint = 'choose a frame or a smaller slice';
  const per = info.dtype === 'string' ? 1 : componentsPerElement(info.dtype);
  const n = plan.elements * per;
  if (format === 'json' && n > limits.jsonElements) {
    throw limitError('json', n, limits.jsonElements, `${hint}, or ask for format=npy`);
  }
  if (format === 'npy' && n > limits.npyElements)
    throw limitError('npy', n, limits.npyElements, hint);
  if (format === 'png') {
    if (plan.shape.length !== 2) {
      throw new ValidationError(
        `png needs a 2D selection; this one has shape [${plan.shape.join(', ')}] — choose a frame or a slice`,
        plan.shape.length > 2 ? 'frame' : 'slice',
      );
    }
    const [h = 0, w = 0] = plan.shape;
    if (h > limits.pngSide || w > limits.pngSide) {
      throw new BraggError(
        'LIMIT',
        `png: the selection is ${h} × ${w} px, more than ${limits.pngSide} px a side (limit ${limits.pngSide}); choose a smaller slice`,
      );
    }
    if (info.dtype === 'string')
      throw new UnsupportedError('png of a string dataset', { feature: 'png of strings' });
  }
}

/** JSON of a selected array: numbers (NaN/±∞ as null), strings; complex and colour as components. */
export function jsonData(a: NDArray): { shape: number[]; data: (number | string)[] } {
  const shape = [...a.shape];
  switch (a.dtype) {
    case 'string':
      return { shape, data: [...(a.data as string[])] };
    case 'rgb8':
    case 'rgba8':
      return {
        shape: [...shape, componentsPerElement(a.dtype)],
        data: Array.from(a.data as Uint8Array),
      };
    case 'complex64':
    case 'complex128':
      return { shape: [...shape, 2], data: Array.from(a.data as Float32Array | Float64Array) };
    default:
      return { shape, data: Array.from(toFloat64(a)) };
  }
}

/** Reads the planned selection: the hyperslab, with the indexed axes dropped. */
export async function readSelection(
  f: OpenedFile,
  info: ArrayInfo,
  plan: PlannedSelection,
): Promise<NDArray> {
  const whole = plan.ranges.every(([s, e], d) => s === 0 && e === info.shape[d]);
  const got = await f.read(info.name, whole ? {} : { ranges: plan.ranges });
  const sizes = plan.ranges.map(([s, e]) => e - s);
  const exact =
    got.array.shape.length === sizes.length && got.array.shape.every((n, d) => n === sizes[d]);
  // a reader that read more than the hyperslab: select here
  const part = exact ? got.array : sliceArray(got.array, plan.ranges, 'slice');
  return reshape(part, plan.shape);
}

/** The response for `req.format`: a JSON document, NPY bytes or PNG bytes. */
export function encodeSelection(
  a: NDArray,
  plan: PlannedSelection,
  req: DataRequest,
): { type: string; body: Uint8Array } | { json: unknown } {
  if (req.format === 'npy') return { type: 'application/octet-stream', body: writeNpy(a) };
  if (req.format === 'png') {
    return {
      type: 'image/png',
      body: encodePng(a, { scale: req.scale ?? 'linear', colormap: req.colormap ?? 'viridis' }),
    };
  }
  const { shape, data } = jsonData(a);
  return {
    json: {
      shape,
      dtype: a.dtype,
      data,
      axes: plan.axes.map((x) => ({
        ...(x.name === '' ? {} : { name: x.name }),
        ...(x.units === '' ? {} : { units: x.units }),
        offset: x.offset,
        scale: x.scale,
      })),
    },
  };
}

/**
 * Most elements a binned request reads (in tiles, each within the NPY limit): 256 Mi, a
 * 16384² image. The answer itself is held to the format's limits as any other.
 */
export const MAX_BINNED_READ = 1 << 28;

/**
 * The selection `plan` seen through `bin` × `bin` block means: a 2D selection of h × w becomes
 * ⌈h/bin⌉ × ⌈w/bin⌉ (the last blocks of a side may be partial, averaged over what they hold);
 * each axis' scale × bin, its offset moved to the first block's centre. Checked against
 * `MAX_BINNED_READ` (before reading); the caller checks the result's format limits.
 */
export function planBinned(plan: PlannedSelection, info: ArrayInfo, bin: number): PlannedSelection {
  if (plan.shape.length !== 2) {
    throw new ValidationError(
      `bin needs a 2D selection; this one has shape [${plan.shape.join(', ')}] — choose a frame or a slice`,
      'bin',
    );
  }
  if (info.dtype === 'string' || componentsPerElement(info.dtype) !== 1) {
    throw new UnsupportedError(`bin of a ${info.dtype} dataset`, {
      feature: `bin of ${info.dtype}`,
    });
  }
  if (plan.elements > MAX_BINNED_READ) {
    throw new BraggError(
      'LIMIT',
      `bin: the selection has ${plan.elements} elements, more than the ${MAX_BINNED_READ} a binned view reads (limit ${MAX_BINNED_READ}); choose a smaller slice`,
    );
  }
  const shape = plan.shape.map((n) => Math.ceil(n / bin));
  return {
    ranges: plan.ranges,
    shape,
    kept: plan.kept,
    elements: shape[0]! * shape[1]!,
    axes: plan.axes.map((a, i) => ({
      ...a,
      size: shape[i]!,
      scale: a.scale * bin,
      offset: a.offset + (a.scale * (bin - 1)) / 2,
    })),
  };
}

/**
 * Reads `plan` (2D) and block-means it by `bin` (`binned` = `planBinned(plan, info, bin)`): in
 * tiles of at most `stripElements` elements each (as many whole rows as fit; a row longer than
 * that is read in pieces), so memory stays at one tile and the answer whatever `bin` and the
 * row length. NaN pixels are left out of their block's mean (a block of NaNs is NaN).
 */
export async function readBinned(
  f: OpenedFile,
  info: ArrayInfo,
  plan: PlannedSelection,
  binned: PlannedSelection,
  bin: number,
  stripElements: number,
): Promise<NDArray> {
  const [h, w] = plan.shape as [number, number];
  const [oh, ow] = binned.shape as [number, number];
  const [rowDim, colDim] = plan.kept as [number, number];
  const [r0] = plan.ranges[rowDim]!;
  const [c0] = plan.ranges[colDim]!;
  const limit = Math.max(1, Math.floor(stripElements));
  const tileCols = Math.min(w, limit);
  const tileRows = Math.max(1, Math.floor(limit / tileCols));
  const sum = new Float64Array(oh * ow);
  const count = new Uint32Array(oh * ow);
  for (let y0 = 0; y0 < h; y0 += tileRows) {
    const y1 = Math.min(h, y0 + tileRows);
    for (let x0 = 0; x0 < w; x0 += tileCols) {
      const x1 = Math.min(w, x0 + tileCols);
      const tw = x1 - x0;
      const ranges = plan.ranges.map((r, d): [number, number] =>
        d === rowDim ? [r0 + y0, r0 + y1] : d === colDim ? [c0 + x0, c0 + x1] : r,
      );
      const tile = toFloat64(
        await readSelection(f, info, {
          ...plan,
          ranges,
          shape: [y1 - y0, tw],
          elements: (y1 - y0) * tw,
        }),
      );
      for (let y = 0; y < y1 - y0; y++) {
        const orow = (((y0 + y) / bin) | 0) * ow;
        for (let x = 0; x < tw; x++) {
          const v = tile[y * tw + x]!;
          if (Number.isNaN(v)) continue;
          const o = orow + (((x0 + x) / bin) | 0);
          sum[o] = sum[o]! + v;
          count[o] = count[o]! + 1;
        }
      }
    }
  }
  const out = new Float64Array(oh * ow);
  for (let i = 0; i < out.length; i++) out[i] = count[i] ? sum[i]! / count[i]! : NaN;
  return ndarray('float64', [oh, ow], out);
}
