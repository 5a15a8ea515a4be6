/**
 * One PACBED pattern from a file as a float image: any format the registry reads (DM3/DM4,
 * TIFF, PNG, NPY, …; the default data array, its first frame, the first channel of colour
 * data), or raw bytes of a given dtype, width and height (the seed's web API `typ: "raw"`).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PATTERN_LIMITS, limitError } from './limits.js';
import { ValidationError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import type { SourceInput } from '../../core/source.js';
import { openAny } from '../../formats/registry.js';

export interface Pattern {
  /** Row-major intensities. */
  data: Float64Array;
  ny: number;
  nx: number;
  /** Where it came from (a file name). */
  source: string;
}

/** Raw pixel layouts: numpy's dtype names and codes, little-endian unless `>` says otherwise. */
const RAW: Record<string, [size: number, get: (v: DataView, o: number, le: boolean) => number]> = {
  uint8: [1, (v, o) => v.getUint8(o)],
  int8: [1, (v, o) => v.getInt8(o)],
  uint16: [2, (v, o, le) => v.getUint16(o, le)],
  int16: [2, (v, o, le) => v.getInt16(o, le)],
  uint32: [4, (v, o, le) => v.getUint32(o, le)],
  int32: [4, (v, o, le) => v.getInt32(o, le)],
  float32: [4, (v, o, le) => v.getFloat32(o, le)],
  float64: [8, (v, o, le) => v.getFloat64(o, le)],
};
const CODES: Record<string, string> = {
  u1: 'uint8',
  i1: 'int8',
  u2: 'uint16',
  i2: 'int16',
  u4: 'uint32',
  i4: 'int32',
  f4: 'float32',
  f8: 'float64',
};

export interface RawLayout {
  dtype: string;
  width: number;
  height: number;
}

/** Decode raw pixel bytes (row-major, height × width). */
export function decodeRaw(bytes: Uint8Array, layout: RawLayout, source = 'raw'): Pattern {
  const m = /^([<>=|]?)(.+)$/.exec(layout.dtype.trim().toLowerCase())!;
  const name = CODES[m[2]!] ?? m[2]!;
  const entry = RAW[name];
  if (entry === undefined) {
    throw new ValidationError(
      `unsupported raw dtype '${layout.dtype}'; use ${Object.keys(RAW).join(', ')} (or <u2, >f4, …)`,
      'dtype',
    );
  }
  const { width: w, height: h } = layout;
  for (const [k, v] of [
    ['width', w],
    ['height', h],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1 && v <= 16384)) {
      throw new ValidationError(`must be an integer in 1…16384, got ${v}`, k);
    }
  }
  const [size, get] = entry;
  if (bytes.byteLength !== w * h * size) {
    throw new ValidationError(
      `${source} has ${bytes.byteLength} bytes; ${h}×${w} ${name} needs ${w * h * size}`,
      'dtype',
    );
  }
  const le = m[1] !== '>';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float64Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = get(view, i * size, le);
  return { data, ny: h, nx: w, source };
}

/** An array's first 2D image: frame 0 of a stack, channel 0 of colour. */
export function firstImage(a: NDArray, source: string): Pattern {
  const shape = a.shape;
  if (a.dtype === 'rgb8' || a.dtype === 'rgba8') {
    const c = a.dtype === 'rgb8' ? 3 : 4;
    const [ny, nx] = shape as [number, number];
    const d = a.data as Uint8Array;
    const data = new Float64Array(ny * nx);
    for (let i = 0; i < data.length; i++) data[i] = d[c * i]!;
    return { data, ny, nx, source };
  }
  if (a.dtype === 'string' || a.dtype === 'bool' || a.dtype.startsWith('complex')) {
    throw new ValidationError(
      `${source}: a pattern must be real numbers, not ${a.dtype}`,
      'pattern',
    );
  }
  let ny: number;
  let nx: number;
  let step = 1;
  if (shape.length === 2) [ny, nx] = shape as [number, number];
  else if (shape.length === 3 && (shape[2] === 3 || shape[2] === 4)) {
    // channels last (RGB): the first channel, as the seed takes it
    [ny, nx, step] = shape as [number, number, number];
  } else if (shape.length === 3) [, ny, nx] = shape as [number, number, number];
  else {
    throw new ValidationError(
      `${source}: expected a 2D pattern, got shape [${shape.join(', ')}]`,
      'pattern',
    );
  }
  if (ny * nx > PATTERN_LIMITS.maxPixels) throw limitError(source, ny, nx);
  const d = a.data as ArrayLike<number | bigint>;
  const data = new Float64Array(ny * nx);
  for (let i = 0; i < data.length; i++) data[i] = Number(d[i * step]!);
  return { data, ny, nx, source };
}

/** Read a pattern from a path or bytes; `raw` describes raw bytes (no format detection then). */
export async function readPattern(input: SourceInput, raw?: RawLayout): Promise<Pattern> {
  const name =
    typeof input === 'string' ? basename(input) : 'name' in input ? String(input.name) : 'pattern';
  if (raw !== undefined) {
    if (typeof input === 'string')
      return decodeRaw(new Uint8Array(await readFile(input)), raw, name);
    if ('bytes' in input && input.bytes instanceof Uint8Array) {
      return decodeRaw(input.bytes, raw, name);
    }
    throw new ValidationError('raw patterns are read from a path or bytes', 'pattern');
  }
  const f = await openAny(input);
  try {
    const ds = f.defaultDataset ?? f.datasets[0]?.name;
    if (ds === undefined) throw new ValidationError(`${name} holds no image`, 'pattern');
    const info = f.datasets.find((d) => d.name === ds);
    const frame = info !== undefined && info.shape.length === 3 && info.shape[2]! > 4;
    const arr = await f.read(ds, frame ? { frame: 0 } : undefined);
    return firstImage(arr.array, name);
  } finally {
    await f.close();
  }
}
