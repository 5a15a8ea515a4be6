/**
 * TIFF structure: header (classic `II*\0`/`MM\0*` and BigTIFF `II+\0`), the chain of image file
 * directories (IFDs) with loop detection, and the tags bragg needs, all read with ByteReader so
 * every offset and count is checked against the file.
 * Source: TIFF 6.0 specification (Adobe, 1992) Sections 2 and 8; BigTIFF design
 * (www.awaresystems.be/imaging/tiff/bigtiff.html).
 */
import { ByteReader } from '../../core/bytes.js';
import type { DType } from '../../core/dtype.js';
import { FormatError } from '../../core/errors.js';

/** Bytes per value of each TIFF field type (index = type code). */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8] as const;

export interface TiffPage {
  index: number;
  /** File offset of the IFD. */
  ifdOffset: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  /** 1 unsigned, 2 signed, 3 IEEE float. */
  sampleFormat: number;
  compression: number;
  photometric: number;
  /** 1 chunky (interleaved), 2 planar. */
  planar: number;
  predictor: number;
  /** Strips (tileWidth = width) or tiles. */
  tileWidth: number;
  tileHeight: number;
  tiled: boolean;
  offsets: number[];
  byteCounts: number[];
  extraSamples: number[];
  description?: string;
  software?: string;
  dateTime?: string;
  /** Pixels per resolution unit, x and y; unit 1 none, 2 inch, 3 cm. */
  xResolution?: number;
  yResolution?: number;
  resolutionUnit: number;
}

export interface TiffFile {
  littleEndian: boolean;
  bigTiff: boolean;
  pages: TiffPage[];
}

export function hasTiffMagic(h: Uint8Array): boolean {
  return (
    (h[0] === 0x49 && h[1] === 0x49 && (h[2] === 42 || h[2] === 43) && h[3] === 0) ||
    (h[0] === 0x4d && h[1] === 0x4d && h[2] === 0 && (h[3] === 42 || h[3] === 43))
  );
}

type TagValue = number[] | string;

/** Parse the header and every IFD. */
export function parseTiff(bytes: Uint8Array, file?: string): TiffFile {
  const r = new ByteReader(bytes, 'TIFF', file);
  r.need(8, 'header');
  if (!hasTiffMagic(bytes)) {
    throw r.error('not a TIFF file', {
      offset: 0,
      expected: 'II*\\0 or MM\\0*',
      found: JSON.stringify(r.ascii(4)),
    });
  }
  const le = bytes[0] === 0x49;
  r.seek(2);
  const version = r.u16(le, 'version');
  const bigTiff = version === 43;
  let next: number;
  if (bigTiff) {
    const offSize = r.u16(le, 'BigTIFF offset size');
    r.skip(2, 'BigTIFF reserved');
    if (offSize !== 8)
      throw r.error('bad BigTIFF offset size', { offset: 4, expected: '8', found: `${offSize}` });
    next = r.u64(le, 'first IFD offset');
  } else next = r.u32(le, 'first IFD offset');
  const pages: TiffPage[] = [];
  const seen = new Set<number>();
  while (next !== 0) {
    if (seen.has(next)) throw r.error('IFD chain loops', { offset: next });
    seen.add(next);
    const tags = readIfd(r, next, le, bigTiff);
    pages.push(toPage(r, pages.length, next, tags.values));
    next = tags.next;
  }
  if (pages.length === 0) throw r.error('no image directories', { offset: 4 });
  return { littleEndian: le, bigTiff, pages };
}

function readIfd(
  r: ByteReader,
  at: number,
  le: boolean,
  big: boolean,
): { values: Map<number, TagValue>; next: number } {
  r.seek(Math.min(at, r.length));
  r.need(big ? 8 : 2, 'IFD entry count', at);
  const n = big ? r.u64(le, 'IFD entry count') : r.u16(le, 'IFD entry count');
  const entrySize = big ? 20 : 12;
  r.need(n * entrySize + (big ? 8 : 4), 'IFD', r.pos);
  const values = new Map<number, TagValue>();
  for (let i = 0; i < n; i++) {
    const entryAt = r.pos;
    const tag = r.u16(le, 'tag');
    const type = r.u16(le, 'field type');
    const count = big ? r.u64(le, 'value count') : r.u32(le, 'value count');
    const size = TYPE_SIZE[type] ?? 0;
    const inline = big ? 8 : 4;
    const total = size * count;
    let valueAt = r.pos;
    if (size > 0 && total > inline)
      valueAt = big ? r.u64(le, 'value offset') : r.u32(le, 'value offset');
    r.seek(entryAt + entrySize);
    if (size === 0 || !INTERESTING.has(tag)) continue; // unknown types and tags are skipped
    r.need(total, `tag ${tag} values`, valueAt);
    values.set(tag, readValues(r, valueAt, type, count, le));
  }
  const next = big ? r.u64(le, 'next IFD offset') : r.u32(le, 'next IFD offset');
  return { values, next };
}

const INTERESTING = new Set([
  254, 256, 257, 258, 259, 262, 270, 273, 277, 278, 279, 282, 283, 284, 296, 305, 306, 317, 322,
  323, 324, 325, 338, 339,
]);

function readValues(r: ByteReader, at: number, type: number, count: number, le: boolean): TagValue {
  const v = r.view;
  if (type === 2) {
    let s = '';
    for (let i = 0; i < count; i++) {
      const c = r.bytes[at + i]!;
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }
  const out: number[] = new Array<number>(count);
  const size = TYPE_SIZE[type]!;
  for (let i = 0; i < count; i++) {
    const p = at + i * size;
    switch (type) {
      case 1:
      case 7:
        out[i] = v.getUint8(p);
        break;
      case 6:
        out[i] = v.getInt8(p);
        break;
      case 3:
        out[i] = v.getUint16(p, le);
        break;
      case 8:
        out[i] = v.getInt16(p, le);
        break;
      case 4:
      case 13:
        out[i] = v.getUint32(p, le);
        break;
      case 9:
        out[i] = v.getInt32(p, le);
        break;
      case 5:
        out[i] = v.getUint32(p, le) / v.getUint32(p + 4, le);
        break;
      case 10:
        out[i] = v.getInt32(p, le) / v.getInt32(p + 4, le);
        break;
      case 11:
        out[i] = v.getFloat32(p, le);
        break;
      case 12:
        out[i] = v.getFloat64(p, le);
        break;
      default:
        out[i] = Number(v.getBigUint64(p, le));
    }
  }
  return out;
}

function toPage(
  r: ByteReader,
  index: number,
  ifdOffset: number,
  t: Map<number, TagValue>,
): TiffPage {
  const fail = (what: string, expected?: string, found?: string): FormatError =>
    r.error(what, { offset: ifdOffset, path: `page ${index}`, expected, found });
  const nums = (tag: number, name: string, dflt?: number[]): number[] => {
    const v = t.get(tag);
    if (v === undefined) {
      if (dflt !== undefined) return dflt;
      throw fail(`missing ${name} tag (${tag})`);
    }
    if (typeof v === 'string') throw fail(`${name} tag (${tag}) is text`, 'numbers');
    return v;
  };
  const one = (tag: number, name: string, dflt?: number): number => {
    const v = nums(tag, name, dflt === undefined ? undefined : [dflt]);
    if (v.length === 0 || !Number.isFinite(v[0]!)) throw fail(`empty ${name} tag (${tag})`);
    return v[0]!;
  };
  const text = (tag: number): string | undefined => {
    const v = t.get(tag);
    return typeof v === 'string' ? v : undefined;
  };
  const width = one(256, 'ImageWidth');
  const height = one(257, 'ImageLength');
  const spp = one(277, 'SamplesPerPixel', 1);
  const bitsList = nums(258, 'BitsPerSample', [1]);
  const bits = bitsList[0]!;
  if (bitsList.some((b) => b !== bits))
    throw fail(
      'samples of different bit depths are not supported',
      'one BitsPerSample',
      bitsList.join(','),
    );
  const sampleFormat = one(339, 'SampleFormat', 1);
  const tiled = t.has(322);
  const tileWidth = tiled ? one(322, 'TileWidth') : width;
  const tileHeight = tiled
    ? one(323, 'TileLength')
    : Math.min(one(278, 'RowsPerStrip', height), height);
  const offsets = nums(tiled ? 324 : 273, tiled ? 'TileOffsets' : 'StripOffsets');
  const byteCounts = nums(tiled ? 325 : 279, tiled ? 'TileByteCounts' : 'StripByteCounts');
  if (!(width >= 1 && height >= 1 && spp >= 1 && tileWidth >= 1 && tileHeight >= 1)) {
    throw fail(
      'bad image geometry',
      'positive sizes',
      `${width}×${height}×${spp}, chunk ${tileWidth}×${tileHeight}`,
    );
  }
  const planar = one(284, 'PlanarConfiguration', 1);
  const across = Math.ceil(width / tileWidth);
  const down = Math.ceil(height / tileHeight);
  const chunks = across * down * (planar === 2 ? spp : 1);
  if (offsets.length !== chunks || byteCounts.length !== chunks) {
    throw fail(
      'strip/tile tables do not match the image',
      `${chunks} offsets and byte counts`,
      `${offsets.length} and ${byteCounts.length}`,
    );
  }
  const page: TiffPage = {
    index,
    ifdOffset,
    width,
    height,
    samplesPerPixel: spp,
    bitsPerSample: bits,
    sampleFormat,
    compression: one(259, 'Compression', 1),
    photometric: one(262, 'PhotometricInterpretation', 1),
    planar,
    predictor: one(317, 'Predictor', 1),
    tileWidth,
    tileHeight,
    tiled,
    offsets,
    byteCounts,
    extraSamples: nums(338, 'ExtraSamples', []),
    resolutionUnit: one(296, 'ResolutionUnit', 2),
  };
  const d = text(270);
  if (d !== undefined) page.description = d;
  const s = text(305);
  if (s !== undefined) page.software = s;
  const dt = text(306);
  if (dt !== undefined) page.dateTime = dt;
  const xr = t.get(282);
  const yr = t.get(283);
  if (Array.isArray(xr) && xr[0]! > 0 && Number.isFinite(xr[0])) page.xResolution = xr[0]!;
  if (Array.isArray(yr) && yr[0]! > 0 && Number.isFinite(yr[0])) page.yResolution = yr[0]!;
  pageDType(page, r.file);
  return page;
}

/** The element type of a page's samples (one sample; colour is handled by the decoder). */
export function pageDType(p: TiffPage, file?: string): DType {
  const key = `${p.sampleFormat}:${p.bitsPerSample}`;
  const t: Record<string, DType> = {
    '1:8': 'uint8',
    '1:16': 'uint16',
    '1:32': 'uint32',
    '1:64': 'uint64',
    '2:8': 'int8',
    '2:16': 'int16',
    '2:32': 'int32',
    '2:64': 'int64',
    '3:16': 'float16',
    '3:32': 'float32',
    '3:64': 'float64',
  };
  const d = t[key];
  if (d === undefined) {
    throw new FormatError('TIFF', 'unsupported sample type', {
      file,
      path: `page ${p.index}`,
      offset: p.ifdOffset,
      expected: '8/16/32/64-bit integer or 16/32/64-bit float samples',
      found: `SampleFormat ${p.sampleFormat}, ${p.bitsPerSample} bits`,
    });
  }
  return d;
}
