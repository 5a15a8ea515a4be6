/**
 * NPY and NPZ as registered formats (`FormatReader` / `FormatWriter`), for `bragg info`,
 * `bragg convert` and the workflows. An `.npy` holds one dataset named `data`; an `.npz` one
 * dataset per `.npy` member, named by its key. Axes are uncalibrated (NPY has no calibration).
 * Reading one frame of a C-order `.npy` reads only that frame's bytes from disk.
 */
import { writeFile } from 'node:fs/promises';
import { inputName, openSource, readAll, withSource } from '../../core/source.js';
import type { ByteSource, SourceInput, SourceOptions } from '../../core/source.js';
import { uncalibratedAxis } from '../../core/axes.js';
import type { Axis } from '../../core/axes.js';
import type { DataArray, Metadata } from '../../core/data-array.js';
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import { ndarray, shapeSize } from '../../core/ndarray.js';
import { sliceArray, takeFrame } from '../../core/slice.js';
import type { ArrayInfo, FormatReader, FormatWriter, OpenedFile, Selection } from '../types.js';
import { hasNpyMagic, MAX_HEADER_BYTES, parseNpyHeader } from './header.js';
import type { NpyHeader } from './header.js';
import { decodeElements, decodeNpy, resultLayout, writeNpy } from './npy.js';
import { decodeNpzMember, listNpz, npzMemberHeader, writeNpz } from './npz.js';
import type { NpzMember } from './npz.js';
import { hasZipMagic } from './zip.js';

/** Axis names by rank: images [y, x], stacks [frame, y, x], otherwise dim0, dim1, ... */
export function defaultAxes(shape: readonly number[]): Axis[] {
  const names =
    shape.length === 1
      ? ['x']
      : shape.length === 2
        ? ['y', 'x']
        : shape.length === 3
          ? ['frame', 'y', 'x']
          : shape.map((_, i) => `dim${i}`);
  return shape.map((n, i) => uncalibratedAxis(names[i]!, n));
}

function headerMetadata(h: NpyHeader, fields: string[] | undefined): Metadata {
  const m: Metadata = {
    npyVersion: h.version,
    npyDescr: h.type.descr,
    fortranOrder: h.fortranOrder,
  };
  if (fields) m.fields = fields;
  if (h.type.kind === 'simple' && h.type.timeUnit !== undefined) m.timeUnit = h.type.timeUnit;
  return m;
}

function infoOf(name: string, h: NpyHeader, file: string, path?: string): ArrayInfo {
  const { type, shape, fields } = resultLayout(h, file, path);
  return {
    name,
    shape,
    dtype: type.dtype,
    axes: defaultAxes(shape),
    metadata: headerMetadata(h, fields),
  };
}

/** Apply a selection to an array read whole. */
export function select(a: NDArray, sel: Selection | undefined): NDArray {
  if (sel === undefined) return a;
  let out = a;
  if (sel.frame !== undefined) out = takeFrame(out, sel.frame);
  if (sel.ranges !== undefined) out = sliceArray(out, sel.ranges);
  return out;
}

function toDataset(
  name: string,
  a: NDArray,
  info: ArrayInfo,
  sel: Selection | undefined,
): DataArray {
  const axes = sel?.frame !== undefined ? info.axes.slice(1) : info.axes;
  const ranges = sel?.ranges;
  return {
    name,
    array: a,
    axes: axes.map((ax, i) => {
      const r = ranges?.[i];
      return r
        ? { ...ax, size: r[1] - r[0], offset: ax.offset + ax.scale * r[0] }
        : { ...ax, size: a.shape[i] ?? ax.size };
    }),
    metadata: info.metadata,
  };
}

function unknownDataset(path: string, name: string, names: readonly string[]): NotFoundError {
  return new NotFoundError(`${path}: no dataset '${name}'; datasets: ${names.join(', ')}`);
}

/**
 * An `.npy` from a path, bytes or a stream: the header is parsed on opening, the data read on
 * `read` (one frame of a C-order array reads only that frame's bytes from a file).
 */
async function openNpy(input: SourceInput, options?: SourceOptions): Promise<OpenedFile> {
  const source = await openSource(input, options);
  const path = source.name;
  let header: NpyHeader;
  let info: ArrayInfo;
  try {
    header = parseNpyHeader(source.read(0, Math.min(source.size, MAX_HEADER_BYTES + 12)), path);
    info = infoOf('data', header, path);
    // A file shorter than its header promises is damaged: said on opening (`bragg info`
    // would list a shape whose data is not there), with the sizes.
    const avail = source.size - header.dataOffset;
    if (avail < header.dataBytes) {
      throw new FormatError('NPY', 'truncated array data', {
        file: path,
        offset: source.size,
        expected: `${header.dataBytes} bytes for shape (${header.shape.join(', ')}) of ${header.type.descr}`,
        found: `${Math.max(0, avail)} bytes`,
      });
    }
  } catch (err) {
    source.close();
    throw err;
  }
  return {
    format: 'npy',
    path,
    datasets: [info],
    metadata: info.metadata,
    defaultDataset: 'data',
    async read(name, sel) {
      if (name !== 'data') throw unknownDataset(path, name, ['data']);
      const cOrder = !header.fortranOrder || header.shape.length <= 1;
      if (
        sel?.frame !== undefined &&
        header.type.kind === 'simple' &&
        cOrder &&
        header.shape.length >= 1
      ) {
        const a = readNpyFrame(source, header, sel.frame);
        return toDataset(name, select(a, { ranges: sel.ranges }), info, sel);
      }
      const a = decodeNpy(readAll(source, 'NPY'), path).array;
      return toDataset(name, select(a, sel), info, sel);
    },
    async close() {
      source.close();
    },
  };
}

function readNpyFrame(source: ByteSource, h: NpyHeader, frame: number): NDArray {
  const path = source.name;
  if (h.type.kind !== 'simple')
    throw new ValidationError('frame reads need a simple dtype', 'frame');
  const n = h.shape[0]!;
  if (!Number.isSafeInteger(frame) || frame < 0 || frame >= n) {
    throw new ValidationError(
      `frame ${frame} is out of range: the first axis has ${n} frames (0..${n - 1})`,
      'frame',
    );
  }
  const rest = h.shape.slice(1);
  const per = shapeSize(rest) * h.type.itemSize;
  if (h.dataOffset + h.dataBytes > source.size) {
    // let the whole-file decoder report the truncation with its offsets (reads ≤ the file)
    decodeNpy(readAll(source, 'NPY'), path);
  }
  const at = h.dataOffset + frame * per;
  const buf = source.read(at, per, 'NPY');
  return ndarray(
    h.type.dtype,
    rest,
    decodeElements(buf, h.type, shapeSize(rest), path, undefined, at),
  );
}

/** An `.npz` from a path, bytes or a stream: the archive is held in memory once opened. */
async function openNpz(input: SourceInput, options?: SourceOptions): Promise<OpenedFile> {
  const bytes = await withSource(input, (s) => readAll(s, 'NPZ'), options);
  const path = inputName(input);
  const all = listNpz(bytes, path).filter((m) => m.entry.name.endsWith('.npy'));
  // Members bragg refuses (object arrays, mixed structured dtypes, corrupt headers) are listed
  // in the file metadata with the reason, so that the rest of the archive stays usable.
  const members: NpzMember[] = [];
  const infos: ArrayInfo[] = [];
  const refused: Metadata[] = [];
  let firstError: FormatError | undefined;
  for (const m of all) {
    try {
      infos.push(infoOf(m.key, npzMemberHeader(bytes, m, path), path, m.entry.name));
      members.push(m);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      firstError ??= err;
      refused.push({ member: m.key, reason: err.message });
    }
  }
  if (firstError !== undefined && members.length === 0) throw firstError;
  const names = infos.map((i) => i.name);
  const metadata: Metadata = { members: names };
  if (refused.length > 0) metadata.refused = refused;
  return {
    format: 'npz',
    path,
    datasets: infos,
    metadata,
    // several members (e.g. a phase map's `x` and `y`): no guess, the user chooses
    defaultDataset: names.length === 1 ? names[0] : undefined,
    async read(name, sel) {
      const i = names.indexOf(name);
      if (i < 0) throw unknownDataset(path, name, names);
      const a = decodeNpzMember(bytes, members[i]!, path).array;
      return toDataset(name, select(a, sel), infos[i]!, sel);
    },
    async close() {},
  };
}

export const npyReader: FormatReader = {
  id: 'npy',
  extensions: ['npy'],
  sniff: hasNpyMagic,
  open: openNpy,
};

export const npzReader: FormatReader = {
  id: 'npz',
  extensions: ['npz'],
  // ZIP magic alone is not NPZ: only claim it for .npz names (extension fallback in the registry).
  sniff: () => false,
  open: openNpz,
};

export const npyWriter: FormatWriter = {
  id: 'npy',
  extensions: ['npy'],
  async write(path, datasets) {
    const d = datasets[0];
    if (d === undefined) throw new ValidationError('nothing to write', 'datasets');
    await writeFile(path, writeNpy(d.array));
  },
};

/** DataArray names become keys: a leading `/` is dropped, inner `/` kept (as DESIGN.md's npz contract). */
export function npzKey(name: string): string {
  return name.replace(/^\/+/, '') || 'data';
}

export const npzWriter: FormatWriter = {
  id: 'npz',
  extensions: ['npz'],
  async write(path, datasets) {
    if (datasets.length === 0) throw new ValidationError('nothing to write', 'datasets');
    const arrays: Record<string, NDArray> = {};
    for (const d of datasets) {
      const k = npzKey(d.name);
      if (k in arrays)
        throw new ValidationError(`two datasets map to the npz key '${k}'`, 'datasets');
      arrays[k] = d.array;
    }
    await writeFile(path, writeNpz(arrays, { compress: true }));
  },
};

export { hasZipMagic };
