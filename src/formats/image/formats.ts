/**
 * PNG and TIFF as registered formats. A PNG holds one dataset `image`; a TIFF one dataset per
 * page (`page 0`, `page 1`, ...) and, when it has several pages of one shape and type, a
 * `stack` [n, h, w] (the default; `--frame N` reads page N of it). TIFF resolution tags become
 * the x/y axis scale (1 / pixels-per-unit, in the file's unit; ImageJ's `unit=` is honoured).
 */
import { writeFile } from 'node:fs/promises';
import { readAll, withSource } from '../../core/source.js';
import type { ByteSource, SourceInput, SourceOptions } from '../../core/source.js';
import type { Axis } from '../../core/axes.js';
import { uncalibratedAxis } from '../../core/axes.js';
import type { DataArray, Metadata } from '../../core/data-array.js';
import { componentsPerElement } from '../../core/dtype.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import { ndarray, shapeSize } from '../../core/ndarray.js';
import { allocate } from '../../core/dtype.js';
import { select } from '../npy/reader.js';
import type { ArrayInfo, FormatReader, FormatWriter, OpenedFile } from '../types.js';
import type { PngWriteOptions } from './png.js';
import { decodePng, encodePng, hasPngMagic } from './png.js';
import { decodePage, pageLayout } from './tiff.js';
import type { TiffPage } from './tiff-ifd.js';
import { hasTiffMagic, parseTiff } from './tiff-ifd.js';
import { encodeTiff } from './tiff-write.js';

function imageAxes(shape: readonly number[]): Axis[] {
  const names = ['y', 'x', 'channel'];
  return shape.map((n, i) => uncalibratedAxis(names[i] ?? `dim${i}`, n));
}

function withSelection(name: string, a: NDArray, info: ArrayInfo, frame: boolean): DataArray {
  const axes = (frame ? info.axes.slice(1) : info.axes).map((ax, i) => ({
    ...ax,
    size: a.shape[i] ?? ax.size,
  }));
  return { name, array: a, axes: axes.slice(0, a.shape.length), metadata: info.metadata };
}

/** The whole file and its name; the source is closed (PNG and TIFF are decoded from memory). */
async function load(
  input: SourceInput,
  format: string,
  options?: SourceOptions,
): Promise<{ bytes: Uint8Array; path: string }> {
  return withSource(input, (s: ByteSource) => ({ bytes: readAll(s, format), path: s.name }), options); // prettier-ignore
}

async function openPng(input: SourceInput, options?: SourceOptions): Promise<OpenedFile> {
  const { bytes, path } = await load(input, 'PNG', options);
  const { array, header } = decodePng(bytes, path);
  const metadata: Metadata = {
    bitDepth: header.bitDepth,
    colorType: header.colorType,
    interlaced: header.interlaced,
  };
  if (Object.keys(header.text).length > 0) metadata.text = header.text;
  const info: ArrayInfo = {
    name: 'image',
    shape: [...array.shape],
    dtype: array.dtype,
    axes: imageAxes(array.shape),
    metadata,
    role: 'image',
  };
  return {
    format: 'png',
    path,
    datasets: [info],
    metadata,
    defaultDataset: 'image',
    async read(name, sel) {
      if (name !== 'image')
        throw new NotFoundError(`${path}: no dataset '${name}'; datasets: image`);
      return withSelection(name, select(array, sel), info, sel?.frame !== undefined);
    },
    async close() {},
  };
}

const UNITS: Record<number, string> = { 1: '', 2: 'inch', 3: 'cm' };

function tiffAxes(p: TiffPage, shape: readonly number[]): Axis[] {
  const axes = imageAxes(shape);
  let unit = UNITS[p.resolutionUnit] ?? '';
  const ij = p.description?.startsWith('ImageJ=')
    ? /(?:^|\n)unit=([^\n]*)/.exec(p.description)
    : null;
  if (ij) unit = ij[1]!.replace(/\\u00B5/g, 'µ').replace(/^micron$/, 'µm');
  if (p.xResolution !== undefined && p.yResolution !== undefined && unit !== '') {
    axes[0] = { ...axes[0]!, scale: 1 / p.yResolution, units: unit };
    axes[1] = { ...axes[1]!, scale: 1 / p.xResolution, units: unit };
  }
  return axes;
}

function pageMetadata(p: TiffPage): Metadata {
  const m: Metadata = {
    compression: p.compression,
    photometric: p.photometric,
    bitsPerSample: p.bitsPerSample,
    samplesPerPixel: p.samplesPerPixel,
  };
  if (p.description !== undefined) m.description = p.description;
  if (p.software !== undefined) m.software = p.software;
  if (p.dateTime !== undefined) m.dateTime = p.dateTime;
  return m;
}

async function openTiff(input: SourceInput, options?: SourceOptions): Promise<OpenedFile> {
  const { bytes, path } = await load(input, 'TIFF', options);
  const tiff = parseTiff(bytes, path);
  const infos: ArrayInfo[] = tiff.pages.map((p) => {
    const { dtype, shape } = pageLayout(p, path);
    return {
      name: `page ${p.index}`,
      shape,
      dtype,
      axes: tiffAxes(p, shape),
      metadata: pageMetadata(p),
      role: 'image',
    };
  });
  const first = infos[0]!;
  const stackable =
    infos.length > 1 &&
    infos.every((i) => i.dtype === first.dtype && i.shape.join() === first.shape.join());
  if (stackable) {
    // the pages are views of the stack: marked so that whole-file conversions skip them
    for (const i of infos) i.role = 'page';
    infos.unshift({
      name: 'stack',
      shape: [infos.length, ...first.shape],
      dtype: first.dtype,
      axes: [uncalibratedAxis('frame', infos.length), ...first.axes],
      metadata: { pages: infos.length },
      role: 'signal',
    });
  }
  const page = (i: number): NDArray => decodePage(bytes, tiff.pages[i]!, tiff.littleEndian, path);
  return {
    format: 'tiff',
    path,
    datasets: infos,
    metadata: { littleEndian: tiff.littleEndian, bigTiff: tiff.bigTiff, pages: tiff.pages.length },
    defaultDataset: stackable ? 'stack' : 'page 0',
    async read(name, sel) {
      const info = infos.find((d) => d.name === name);
      if (info === undefined)
        throw new NotFoundError(
          `${path}: no dataset '${name}'; datasets: ${infos.map((d) => d.name).join(', ')}`,
        );
      if (name === 'stack') {
        if (sel?.frame !== undefined) {
          const n = tiff.pages.length;
          if (!Number.isSafeInteger(sel.frame) || sel.frame < 0 || sel.frame >= n) {
            throw new ValidationError(
              `frame ${sel.frame} is out of range: the stack has ${n} pages (0..${n - 1})`,
              'frame',
            );
          }
          return withSelection(name, select(page(sel.frame), { ranges: sel.ranges }), info, true);
        }
        const per = shapeSize(first.shape) * componentsPerElement(first.dtype);
        const data = allocate(first.dtype, shapeSize(info.shape));
        for (let i = 0; i < tiff.pages.length; i++)
          (data as Uint8Array).set(page(i).data as Uint8Array, i * per);
        return withSelection(
          name,
          select(ndarray(first.dtype, info.shape, data), sel),
          info,
          false,
        );
      }
      const a = page(Number(name.slice(5)));
      return withSelection(name, select(a, sel), info, sel?.frame !== undefined);
    },
    async close() {},
  };
}

export const pngReader: FormatReader = {
  id: 'png',
  extensions: ['png'],
  sniff: hasPngMagic,
  open: openPng,
};
export const tiffReader: FormatReader = {
  id: 'tiff',
  extensions: ['tif', 'tiff'],
  sniff: hasTiffMagic,
  open: openTiff,
};

function only(datasets: readonly DataArray[], what: string): DataArray {
  const d = datasets[0];
  if (d === undefined) throw new ValidationError(`nothing to write as ${what}`, 'datasets');
  return d;
}

/** A PNG writer with fixed scaling/colormap options (used by `bragg convert`). */
export function createPngWriter(o: PngWriteOptions = {}): FormatWriter {
  return {
    id: 'png',
    extensions: ['png'],
    async write(path, datasets) {
      await writeFile(path, encodePng(only(datasets, 'PNG').array, o));
    },
  };
}

export const pngWriter: FormatWriter = createPngWriter();

export const tiffWriter: FormatWriter = {
  id: 'tiff',
  extensions: ['tif', 'tiff'],
  async write(path, datasets) {
    const d = only(datasets, 'TIFF');
    const nd = d.array.shape.length;
    const colour = d.array.dtype === 'rgb8' || d.array.dtype === 'rgba8';
    // the image axes are the last two (y, x) of [y, x] or [n, y, x]
    const ay = d.axes[colour ? 0 : nd - 2];
    const ax = d.axes[colour ? 1 : nd - 1];
    const pixelSize =
      ay !== undefined && ax !== undefined && ay.units === ax.units && ax.units !== ''
        ? { y: Math.abs(ay.scale), x: Math.abs(ax.scale), unit: ax.units }
        : undefined;
    await writeFile(path, encodeTiff(d.array, pixelSize ? { pixelSize } : {}));
  },
};
