/**
 * Gatan DigitalMicrograph DM3/DM4 reader (`FormatReader`). Opening parses the tag tree
 * (reading the file in windows and skipping pixel data); `read` loads one image, or one frame
 * or hyperslab of it, straight from the file into the returned typed array.
 */
import type { DataArray, Metadata } from '../../core/data-array.js';
import type { DataTypeMap, DType } from '../../core/dtype.js';
import { MAX_ELEMENTS, ndarray } from '../../core/ndarray.js';
import { NotFoundError, UnsupportedError } from '../../core/errors.js';
import { MemorySource, openSource } from '../../core/source.js';
import type { ByteSource, SourceInput, SourceOptions } from '../../core/source.js';
import type { ArrayInfo, FormatReader, OpenedFile, Selection } from '../types.js';
import { decodePixels, unpackHalfComplex } from './decode.js';
import { describeImages, type DmImage } from './images.js';
import { hyperslab, selectionRanges, selectionSpan, sliceAxes } from './select.js';
import { Cursor, DM_FORMAT } from './source.js';
import { parseTree, type DmTree } from './tags.js';
import { groupToMetadata } from './tree.js';

/** An 8-byte-aligned buffer of `n` bytes to read into, or a typed error when it cannot be allocated. */
function allocBytes(n: number, file: string): Uint8Array {
  if (n > MAX_ELEMENTS * 8) {
    throw new UnsupportedError(
      `${file}: an image of ${n} bytes is larger than bragg can hold in one array`,
    );
  }
  try {
    // Uninitialised (every byte is overwritten by the file read) and not pooled, so the
    // buffer is 8-byte aligned and owned by the returned array alone.
    const b = Buffer.allocUnsafeSlow(n);
    return new Uint8Array(b.buffer, b.byteOffset, n);
  } catch (err) {
    throw new UnsupportedError(`${file}: cannot allocate ${n} bytes for an image`, { cause: err });
  }
}

export class DmFile implements OpenedFile {
  readonly format = 'dm';
  readonly datasets: readonly ArrayInfo[];
  readonly metadata: Metadata;
  readonly defaultDataset: string | undefined;
  readonly images: readonly DmImage[];

  constructor(
    private readonly source: ByteSource,
    readonly path: string,
    readonly tree: DmTree,
  ) {
    this.images = describeImages(tree, path);
    this.datasets = this.images.map((im) => ({
      name: im.name,
      shape: [...im.shape],
      dtype: im.pixel.dtype,
      axes: im.axes.map((a) => ({ ...a })),
      intensity: { ...im.intensity },
      metadata: { ...im.metadata },
      role: im.role,
    }));
    this.metadata = {
      dmVersion: tree.version,
      byteOrder: tree.littleEndian ? 'little' : 'big',
      tags: groupToMetadata(tree.root),
    };
    this.defaultDataset = (this.images.find((im) => im.role === 'image') ?? this.images[0])?.name;
  }

  async read(name: string, selection?: Selection): Promise<DataArray> {
    const im = this.images.find((x) => x.name === name);
    if (im === undefined) {
      throw new NotFoundError(
        `${this.path}: no dataset '${name}'; available: ${this.images.map((x) => x.name).join(', ') || 'none'}`,
      );
    }
    const ranges = selectionRanges(im.shape, selection);
    const { pixel, shape } = im;
    let data: DataTypeMap[DType];
    const whole = ranges.every(([a, b], i) => a === 0 && b === shape[i]);
    if (pixel.layout === 'packedHalf') {
      const raw = allocBytes(im.data.length * im.data.elemBytes, this.path);
      this.source.readInto(im.data.offset, raw.length, raw, DM_FORMAT);
      data = unpackHalfComplex(pixel, raw, this.tree.littleEndian, im.dims);
      if (!whole) data = hyperslab(pixel.dtype, data, shape, ranges);
    } else {
      // Read only the contiguous span of the file that the selection touches.
      const [start, end] = selectionSpan(shape, ranges);
      const raw = allocBytes((end - start) * pixel.bytes, this.path);
      this.source.readInto(im.data.offset + start * pixel.bytes, raw.length, raw, DM_FORMAT);
      data = decodePixels(pixel, raw, this.tree.littleEndian, end - start);
      const spanShape = ranges.map(([a, b]) => b - a);
      if (spanShape.reduce((p, n) => p * n, 1) !== end - start) {
        data = hyperslab(pixel.dtype, data, shape, ranges, start);
      }
    }
    let outShape = ranges.map(([a, b]) => b - a);
    let axes = sliceAxes(im.axes, ranges);
    if (selection?.frame !== undefined) {
      outShape = outShape.slice(1);
      axes = axes.slice(1);
    }
    return {
      name: im.name,
      array: ndarray(pixel.dtype, outShape, data),
      axes,
      intensity: { ...im.intensity },
      metadata: { ...im.metadata },
      role: im.role,
    };
  }

  async close(): Promise<void> {
    this.source.close();
  }
}

function openDmSource(source: ByteSource): DmFile {
  try {
    return new DmFile(source, source.name, parseTree(new Cursor(source)));
  } catch (err) {
    source.close();
    throw err;
  }
}

/** Open DM bytes already in memory (tests, uploads). */
export function openDmBytes(bytes: Uint8Array, name = '<memory>'): DmFile {
  return openDmSource(new MemorySource(bytes, name));
}

/**
 * Open a DM file from a path, bytes or a stream (see src/core/source.ts); from a path, pixel
 * data stay in the file until `read`. The file owns the source and closes it on `close`.
 */
export async function openDm(input: SourceInput, options?: SourceOptions): Promise<DmFile> {
  return openDmSource(await openSource(input, options));
}

/** DM3 starts with 00 00 00 03, DM4 with 00 00 00 04 (big-endian version), then a byte-order flag 0/1. */
function sniff(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = v.getUint32(0, false);
  if (version === 3) return v.getUint32(8, false) <= 1;
  if (version === 4) return v.getUint32(12, false) <= 1;
  return false;
}

export const dmReader: FormatReader = {
  id: 'dm',
  extensions: ['dm3', 'dm4'],
  sniff,
  open: openDm,
};
