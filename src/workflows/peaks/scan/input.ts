/**
 * Opening a detector scan for the peaks workflow: a frame stack (frames × rows × columns) in a
 * NeXus/HDF5 file (`entry1/pil3_100k/data` of Diamond I16, else any NXdetector `data` or rank-3
 * NXdata signal), an NPY array or a multi-page TIFF. Frames are read in ranges, never the whole
 * stack; dead pixels and the detector's `pixel_mask` are repaired on the way
 * (`fixDeadPixels`). A stack stored in a missing external file fails with the reader's error
 * naming that file.
 */
import { FormatError, NotFoundError, ValidationError } from '../../../core/errors.js';
import { toFloat32 } from '../../../core/ndarray.js';
import { openAny } from '../../../formats/registry.js';
import type { OpenedFile } from '../../../formats/types.js';
import { fixDeadPixels } from './preprocess.js';

/** The I16 Pilatus 100K stack (DiPID reads this path). */
export const I16_STACK = '/entry1/pil3_100k/data';

export interface ScanInfo {
  /** The file as opened. */
  file: string;
  /** The frame stack inside it (`/entry1/pil3_100k/data`, `data`, `stack`). */
  dataset: string;
  frames: number;
  height: number;
  width: number;
  /** Where the bad-pixel mask came from (`/entry1/instrument/pil3_100k/pixel_mask`), if any. */
  pixelMaskPath?: string;
  /** Name and values of the scan axis (e.g. `eta`, degrees) when the file has one. */
  scanAxis?: { name: string; units: string; values: Float64Array };
}

export interface Frames {
  /** First frame index of the block. */
  start: number;
  count: number;
  /** Frames × rows × columns, counts with bad pixels repaired. */
  data: Float32Array;
}

export interface Scan {
  readonly info: ScanInfo;
  /** Pixels flagged bad (1) by the file's pixel mask; undefined without one. */
  readonly pixelMask: Uint8Array | undefined;
  /** Frames [start, stop), repaired. */
  read(start: number, stop: number): Promise<Frames>;
  close(): Promise<void>;
}

export interface OpenScanOptions {
  /** The stack's path or name inside the file (default: the I16 path, else the first stack). */
  dataset?: string;
}

type HdfLike = OpenedFile & { frameStacks?: string[] };

function chooseStack(f: HdfLike, wanted: string | undefined): string {
  if (wanted !== undefined) return wanted;
  if (f.format === 'hdf5') {
    const names = new Set(f.datasets.map((d) => d.name));
    const links = (f.metadata.unresolvedLinks ?? []) as { path: string }[];
    if (names.has(I16_STACK) || links.some((l) => l.path === I16_STACK)) return I16_STACK;
    const stacks = f.frameStacks ?? [];
    if (stacks[0] !== undefined) return stacks[0];
  }
  const d = f.defaultDataset;
  if (d === undefined) throw new NotFoundError(`${f.path}: no frame stack found`);
  return d;
}

async function readPixelMask(
  f: OpenedFile,
  dataset: string,
  h: number,
  w: number,
): Promise<{ mask: Uint8Array; path: string } | undefined> {
  if (f.format !== 'hdf5') return undefined;
  const candidates = f.datasets.filter(
    (d) =>
      /\/pixel_mask$/.test(d.name) && d.shape.length === 2 && d.shape[0] === h && d.shape[1] === w,
  );
  if (candidates.length === 0) return undefined;
  // Prefer the mask in the stack's own group, else the first.
  const dir = dataset.slice(0, dataset.lastIndexOf('/'));
  const pick = candidates.find((c) => c.name.startsWith(`${dir}/`)) ?? candidates[0]!;
  const a = await f.read(pick.name);
  const v = toFloat32(a.array);
  const mask = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) mask[i] = v[i] !== 0 ? 1 : 0;
  return { mask, path: pick.name };
}

async function scanAxisOf(f: OpenedFile, dataset: string): Promise<ScanInfo['scanAxis']> {
  const info = f.datasets.find((d) => d.name === dataset);
  const a = info?.axes[0];
  const values = info?.metadata.axisValues as Record<string, number[]> | undefined;
  if (!a || (a.scale === 1 && a.offset === 0 && a.units === '')) return undefined;
  const list = values?.[a.name];
  const n = info!.shape[0]!;
  return {
    name: a.name,
    units: a.units,
    values: list
      ? Float64Array.from(list)
      : Float64Array.from({ length: n }, (_, i) => a.offset + a.scale * i),
  };
}

/** Open a scan; the caller closes it. */
export async function openScan(path: string, o: OpenScanOptions = {}): Promise<Scan> {
  const f = (await openAny(path)) as HdfLike;
  try {
    const dataset = chooseStack(f, o.dataset);
    const info = f.datasets.find((d) => d.name === dataset);
    if (!info) {
      // An unresolved link (external file absent): reading it names the missing file.
      await f.read(dataset, { frame: 0 });
      throw new NotFoundError(`${f.path}: no frame stack '${dataset}'`);
    }
    if (info.shape.length !== 3) {
      throw new FormatError('scan', 'the frame stack is not frames × rows × columns', {
        file: f.path,
        path: dataset,
        expected: 'rank 3',
        found: `shape [${info.shape.join(', ')}]`,
      });
    }
    if (
      info.dtype === 'string' ||
      info.dtype.startsWith('complex') ||
      info.dtype.startsWith('rgb')
    ) {
      throw new FormatError('scan', 'frames are not real numbers', {
        file: f.path,
        path: dataset,
        found: info.dtype,
      });
    }
    const [frames, height, width] = info.shape as [number, number, number];
    const pm = await readPixelMask(f, dataset, height, width);
    const scanAxis = await scanAxisOf(f, dataset);
    const si: ScanInfo = { file: f.path, dataset, frames, height, width };
    if (pm) si.pixelMaskPath = pm.path;
    if (scanAxis) si.scanAxis = scanAxis;
    return makeScan(f, si, pm?.mask);
  } catch (err) {
    await f.close();
    throw err;
  }
}

function makeScan(f: OpenedFile, info: ScanInfo, pixelMask: Uint8Array | undefined): Scan {
  const px = info.height * info.width;
  return {
    info,
    pixelMask,
    async read(start, stop) {
      if (
        !Number.isInteger(start) ||
        !Number.isInteger(stop) ||
        start < 0 ||
        stop > info.frames ||
        start >= stop
      ) {
        throw new ValidationError(
          `frames ${start}:${stop} are outside the scan's ${info.frames} frames (0:${info.frames})`,
          'frames',
        );
      }
      const count = stop - start;
      const data = new Float32Array(count * px);
      if (f.format === 'hdf5') {
        const a = await f.read(info.dataset, { ranges: [[start, stop]] });
        data.set(toFloat32(a.array));
      } else {
        for (let k = 0; k < count; k++) {
          const a = await f.read(info.dataset, { frame: start + k });
          data.set(toFloat32(a.array), k * px);
        }
      }
      for (let k = 0; k < count; k++) {
        fixDeadPixels(data.subarray(k * px, (k + 1) * px), info.height, info.width, pixelMask);
      }
      return { start, count, data };
    },
    close: () => f.close(),
  };
}

/** Parse `a:b` (frames a … b−1; either side may be empty) against a scan of `frames` frames. */
export function parseFrameRange(text: string | undefined, frames: number): [number, number] {
  if (text === undefined) return [0, frames];
  const m = /^\s*(\d*)\s*:\s*(\d*)\s*$/.exec(text);
  if (!m) throw new ValidationError(`frame range '${text}' is not a:b`, 'frames');
  const a = m[1] === '' ? 0 : Number(m[1]);
  const b = m[2] === '' ? frames : Number(m[2]);
  if (a >= b || b > frames) {
    throw new ValidationError(
      `frame range ${a}:${b} is empty or past the scan's ${frames} frames`,
      'frames',
    );
  }
  return [a, b];
}
