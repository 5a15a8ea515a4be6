/**
 * PNG read (via `pngjs`, after a bounds-checked walk of the chunks) and write (arrays scaled
 * through a colormap, or colour images as they are).
 *
 * Read results: gray → [h, w] uint8 (uint16 for 16-bit; 1/2/4-bit samples keep their raw
 * values 0..2^d−1); gray+alpha → [h, w, 2]; RGB → `rgb8` [h, w] (16-bit: uint16 [h, w, 3]);
 * RGBA → `rgba8` [h, w] (16-bit: uint16 [h, w, 4]); palette → `rgb8`, or `rgba8` with a tRNS
 * chunk. pngjs sets pixels matching a tRNS colour of gray/RGB images to 0.
 * PNG spec: https://www.w3.org/TR/png/ (IHDR §11.2.2, Adam7 §8.2).
 */
import pngjs from 'pngjs';
import { ByteReader } from '../../core/bytes.js';
import type { NDArray } from '../../core/ndarray.js';
import { MAX_ELEMENTS, ndarray, toFloat64 } from '../../core/ndarray.js';
import { FormatError, ValidationError } from '../../core/errors.js';
import { inflateBounded, MAX_DEFLATE_RATIO } from '../../core/inflate.js';
import type { ColormapName } from './colormap.js';
import { applyColormap } from './colormap.js';
import type { ScaleOptions } from './scale.js';
import { normalize } from './scale.js';

const { PNG } = pngjs;

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export function hasPngMagic(head: Uint8Array): boolean {
  return PNG_SIGNATURE.every((b, i) => head[i] === b);
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  /** Total bytes of IDAT data. */
  idatBytes: number;
  /** Text chunks (tEXt) as key → value. */
  text: Record<string, string>;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Walk the chunks: IHDR checks and IDAT total, without decompressing anything. */
export function scanPng(bytes: Uint8Array, file?: string): PngHeader {
  const r = new ByteReader(bytes, 'PNG', file);
  r.need(8, 'signature');
  if (!hasPngMagic(bytes)) {
    throw r.error('not a PNG file', {
      offset: 0,
      expected: '\\x89PNG\\r\\n\\x1a\\n',
      found: JSON.stringify(r.ascii(8)),
    });
  }
  r.seek(8);
  let header: Omit<PngHeader, 'idatBytes' | 'text'> | undefined;
  let idatBytes = 0;
  const text: Record<string, string> = {};
  for (;;) {
    const at = r.pos;
    const len = r.u32(false, 'chunk length');
    const type = r.ascii(4, 'chunk type');
    if (len > 0x7fffffff)
      throw r.error('chunk length too large', { offset: at, expected: '< 2^31', found: `${len}` });
    r.need(len + 4, `${type} chunk`);
    if (header === undefined && type !== 'IHDR') {
      throw r.error('first chunk is not IHDR', {
        offset: at,
        expected: 'IHDR',
        found: JSON.stringify(type),
      });
    }
    if (type === 'IHDR') {
      if (len !== 13)
        throw r.error('bad IHDR length', { offset: at, expected: '13', found: `${len}` });
      const width = r.u32(false, 'width');
      const height = r.u32(false, 'height');
      const bitDepth = r.u8('bit depth');
      const colorType = r.u8('colour type');
      const comp = r.u8('compression');
      const filter = r.u8('filter');
      const interlace = r.u8('interlace');
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
        throw r.error('bad image size', {
          offset: at + 8,
          expected: '1..2^31−1 × 1..2^31−1',
          found: `${width} × ${height}`,
        });
      }
      if (!(DEPTHS[colorType] ?? []).includes(bitDepth)) {
        throw r.error('bad colour type / bit depth', {
          offset: at + 16,
          found: `colour type ${colorType}, depth ${bitDepth}`,
        });
      }
      if (comp !== 0 || filter !== 0 || interlace > 1) {
        throw r.error('bad compression, filter or interlace method', {
          offset: at + 18,
          found: `${comp}/${filter}/${interlace}`,
        });
      }
      header = { width, height, bitDepth, colorType, interlaced: interlace === 1 };
    } else if (type === 'IDAT') {
      idatBytes += len;
      r.skip(len);
    } else if (type === 'tEXt' && len < 1 << 16) {
      const raw = r.take(len);
      const nul = raw.indexOf(0);
      if (nul > 0) text[latin1(raw.subarray(0, nul))] = latin1(raw.subarray(nul + 1));
    } else {
      r.skip(len);
    }
    r.skip(4, 'CRC');
    if (type === 'IEND') break;
  }
  if (header === undefined || idatBytes === 0) throw r.error('no image data (IDAT)', { offset: 8 });
  const need = rawSize(header);
  if (need > idatBytes * MAX_DEFLATE_RATIO + 1024) {
    throw r.error('declared image size is more than the compressed data can hold', {
      offset: 16,
      expected: `≤ ${MAX_DEFLATE_RATIO} × ${idatBytes} bytes`,
      found: `${header.width} × ${header.height} (${need} bytes)`,
    });
  }
  if (header.width * header.height * 4 > MAX_ELEMENTS) {
    throw r.error('image too large', { offset: 16, found: `${header.width} × ${header.height}` });
  }
  return { ...header, idatBytes, text };
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Bytes of filtered scanlines the header implies (all Adam7 passes when interlaced). */
function rawSize(h: Omit<PngHeader, 'idatBytes' | 'text'>): number {
  const bits = CHANNELS[h.colorType]! * h.bitDepth;
  const row = (w: number): number => (w === 0 ? 0 : 1 + Math.ceil((w * bits) / 8));
  if (!h.interlaced) return h.height * row(h.width);
  // Adam7 passes: [x0, y0, dx, dy]
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const;
  let n = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil(Math.max(0, h.width - x0) / dx);
    const ph = Math.ceil(Math.max(0, h.height - y0) / dy);
    n += ph * row(pw);
  }
  return n;
}

export interface DecodedPng {
  array: NDArray;
  header: PngHeader;
}

/** Decode a PNG held in memory. */
export function decodePng(bytes: Uint8Array, file?: string): DecodedPng {
  const header = scanPng(bytes, file);
  if (header.interlaced) {
    // pngjs inflates interlaced images without an output limit: check the stream first.
    const idat = collectIdat(bytes, file);
    inflateBounded(idat, rawSize(header), { format: 'PNG', file, zlib: true, path: 'IDAT' });
  }
  let png: { width: number; height: number; data: Uint8Array | Uint16Array; alpha: boolean };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      skipRescale: true,
    }) as unknown as typeof png;
  } catch (err) {
    throw new FormatError('PNG', `corrupt PNG (${(err as Error).message})`, { file, cause: err });
  }
  const { width: w, height: h } = header;
  const src = png.data;
  const n = w * h;
  const wide = header.bitDepth === 16;
  const ct = header.colorType;
  const pick = (ch: number[]): NDArray => {
    const out = wide ? new Uint16Array(n * ch.length) : new Uint8Array(n * ch.length);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < ch.length; k++) out[i * ch.length + k] = src[4 * i + ch[k]!]!;
    if (ch.length === 1)
      return wide
        ? ndarray('uint16', [h, w], out as Uint16Array)
        : ndarray('uint8', [h, w], out as Uint8Array);
    if (wide) return ndarray('uint16', [h, w, ch.length], out as Uint16Array);
    if (ch.length === 3) return ndarray('rgb8', [h, w], out as Uint8Array);
    if (ch.length === 4) return ndarray('rgba8', [h, w], out as Uint8Array);
    return ndarray('uint8', [h, w, ch.length], out as Uint8Array);
  };
  let array: NDArray;
  if (ct === 0) array = pick([0]);
  else if (ct === 4) array = pick([0, 3]);
  else if (ct === 2) array = pick([0, 1, 2]);
  else if (ct === 6) array = pick([0, 1, 2, 3]);
  else array = pick(png.alpha ? [0, 1, 2, 3] : [0, 1, 2]);
  return { array, header };
}

function collectIdat(bytes: Uint8Array, file?: string): Uint8Array {
  const r = new ByteReader(bytes, 'PNG', file);
  r.seek(8);
  const parts: Uint8Array[] = [];
  for (;;) {
    const len = r.u32(false, 'chunk length');
    const type = r.ascii(4, 'chunk type');
    const body = r.take(len, `${type} chunk`);
    if (type === 'IDAT') parts.push(body);
    r.skip(4, 'CRC');
    if (type === 'IEND') break;
  }
  return Buffer.concat(parts);
}

export interface PngWriteOptions extends ScaleOptions {
  /** Colormap for single-channel data (default gray). */
  colormap?: ColormapName;
}

/**
 * Encode a 2D array as an 8-bit PNG. Numeric data (complex: magnitude) are scaled to [0, 1]
 * (`scale`, `range`) and mapped through `colormap`: `gray` writes a gray PNG, other maps RGB.
 * `rgb8`/`rgba8` images are written as they are.
 */
export function encodePng(a: NDArray, o: PngWriteOptions = {}): Uint8Array {
  if (a.shape.length !== 2) {
    throw new ValidationError(
      `PNG needs a 2D image [y, x]; got shape [${a.shape.join(', ')}]` +
        (a.shape.length === 3 ? ` — choose one frame with --frame N (0..${a.shape[0]! - 1})` : ''),
      'shape',
    );
  }
  const [h, w] = a.shape as [number, number];
  if (h === 0 || w === 0)
    throw new ValidationError(`PNG needs a non-empty image; got ${h} × ${w}`, 'shape');
  const png = new PNG({ width: w, height: h });
  const out = png.data;
  const n = w * h;
  if (a.dtype === 'rgb8' || a.dtype === 'rgba8') {
    const c = a.dtype === 'rgb8' ? 3 : 4;
    const d = a.data as Uint8Array;
    for (let i = 0; i < n; i++) {
      out[4 * i] = d[c * i]!;
      out[4 * i + 1] = d[c * i + 1]!;
      out[4 * i + 2] = d[c * i + 2]!;
      out[4 * i + 3] = c === 4 ? d[c * i + 3]! : 255;
    }
    const alpha = c === 4;
    return PNG.sync.write(png, { colorType: alpha ? 6 : 2, inputHasAlpha: true });
  }
  const t = normalize(toFloat64(a), o);
  const map = o.colormap ?? 'gray';
  const rgb = applyColormap(t, map);
  for (let i = 0; i < n; i++) {
    out[4 * i] = rgb[3 * i]!;
    out[4 * i + 1] = rgb[3 * i + 1]!;
    out[4 * i + 2] = rgb[3 * i + 2]!;
    out[4 * i + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: map === 'gray' ? 0 : 2, inputHasAlpha: true });
}
