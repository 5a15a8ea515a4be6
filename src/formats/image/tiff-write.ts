/**
 * TIFF write: little-endian classic TIFF, uncompressed, one strip per page. 2D arrays are one
 * page; 3D numeric arrays [n, h, w] are n pages; `rgb8`/`rgba8` [h, w] are RGB(A) pages.
 * Sample types: uint8/16/32, int8/16/32, float32/64 (SampleFormat 1/2/3), bool as uint8.
 * Source: TIFF 6.0 specification, Sections 2 (structure), 8 (baseline tags), 338/339.
 */
import { componentsPerElement } from '../../core/dtype.js';
import type { DType } from '../../core/dtype.js';
import { ValidationError } from '../../core/errors.js';
import type { NDArray } from '../../core/ndarray.js';
import { hostLittleEndian } from '../npy/descr.js';

const SAMPLE: Partial<Record<DType, [format: number, bits: number]>> = {
  bool: [1, 8],
  uint8: [1, 8],
  uint16: [1, 16],
  uint32: [1, 32],
  int8: [2, 8],
  int16: [2, 16],
  int32: [2, 32],
  float32: [3, 32],
  float64: [3, 64],
  rgb8: [1, 8],
  rgba8: [1, 8],
};

export interface TiffWriteOptions {
  /** ImageDescription tag (270) for every page (replaces the ImageJ calibration header). */
  description?: string;
  /**
   * Pixel size along y and x in `unit` (e.g. from a DM file's axes): written as X/YResolution
   * (pixels per unit, ResolutionUnit 1) with an ImageJ-style description `unit=<unit>`, which
   * bragg's reader and ImageJ/Fiji turn back into calibrated axes.
   */
  pixelSize?: { y: number; x: number; unit: string };
}

/** A positive number as a TIFF RATIONAL [numerator, denominator] (both < 2^32): the best
 * continued-fraction approximation whose terms fit. */
export function toRational(v: number): [number, number] {
  if (!(v > 0) || !Number.isFinite(v)) return [0, 1];
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let x = v;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(x);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > 0xffffffff || k2 > 0xffffffff) break;
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    const frac = x - a;
    if (frac < 1e-12 || Math.abs(h1 / k1 - v) <= 1e-15 * v) break;
    x = 1 / frac;
  }
  return k1 === 0 ? [0xffffffff, 1] : [h1, k1];
}

interface Entry {
  tag: number;
  /** 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL (values as numerator, denominator pairs). */
  type: 2 | 3 | 4 | 5;
  values: number[] | string;
}

/** Encode a 2D image, a colour image or a [n, h, w] stack as TIFF bytes. */
export function encodeTiff(a: NDArray, o: TiffWriteOptions = {}): Uint8Array {
  const st = SAMPLE[a.dtype];
  if (st === undefined) {
    throw new ValidationError(
      `TIFF output supports uint8/16/32, int8/16/32, float32/64, bool, rgb8 and rgba8; got ${a.dtype}`,
      'dtype',
    );
  }
  const colour = a.dtype === 'rgb8' || a.dtype === 'rgba8';
  const nd = a.shape.length;
  if (!(nd === 2 || (nd === 3 && !colour))) {
    throw new ValidationError(
      `TIFF needs a 2D image [y, x] or a stack [n, y, x]; got shape [${a.shape.join(', ')}] of ${a.dtype}`,
      'shape',
    );
  }
  const [n, h, w] = (nd === 2 ? [1, ...a.shape] : a.shape) as [number, number, number];
  if (n === 0 || h === 0 || w === 0)
    throw new ValidationError(`TIFF needs a non-empty image; got [${a.shape.join(', ')}]`, 'shape');
  const spp = componentsPerElement(a.dtype);
  const [format, bits] = st;
  const d = a.data as Exclude<NDArray['data'], string[]>;
  const all = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const pageBytes = h * w * spp * (bits / 8);
  const pages: Entry[][] = [];
  for (let p = 0; p < n; p++) {
    const e: Entry[] = [
      { tag: 256, type: 4, values: [w] },
      { tag: 257, type: 4, values: [h] },
      { tag: 258, type: 3, values: new Array<number>(spp).fill(bits) },
      { tag: 259, type: 3, values: [1] },
      { tag: 262, type: 3, values: [colour ? 2 : 1] },
      { tag: 273, type: 4, values: [0] }, // patched below
      { tag: 277, type: 3, values: [spp] },
      { tag: 278, type: 4, values: [h] },
      { tag: 279, type: 4, values: [pageBytes] },
      { tag: 284, type: 3, values: [1] },
      { tag: 305, type: 2, values: 'bragg' },
      { tag: 339, type: 3, values: new Array<number>(spp).fill(format) },
    ];
    const ps = o.pixelSize;
    const calibrated =
      ps !== undefined &&
      ps.x > 0 &&
      ps.y > 0 &&
      ps.unit !== '' &&
      /^[\x20-\x7e\u00b5]*$/.test(ps.unit);
    const description =
      o.description ??
      (calibrated
        ? `ImageJ=1.11a\nimages=${n}\nunit=${ps.unit.replace('µ', '\\u00B5')}\n`
        : undefined);
    if (description !== undefined) e.push({ tag: 270, type: 2, values: description });
    if (calibrated) {
      e.push({ tag: 282, type: 5, values: toRational(1 / ps.x) });
      e.push({ tag: 283, type: 5, values: toRational(1 / ps.y) });
      e.push({ tag: 296, type: 3, values: [1] });
    }
    if (a.dtype === 'rgba8') e.push({ tag: 338, type: 3, values: [2] });
    e.sort((x, y) => x.tag - y.tag);
    pages.push(e);
  }
  // layout: header, then per page: pixel data, IFD (+ out-of-line values)
  const valueBytes = (e: Entry): number =>
    typeof e.values === 'string' ? e.values.length + 1 : e.values.length * (e.type === 3 ? 2 : 4);
  let size = 8;
  const dataAt: number[] = [];
  const ifdAt: number[] = [];
  for (const e of pages) {
    size += size % 2;
    dataAt.push(size);
    size += pageBytes;
    size += size % 2;
    ifdAt.push(size);
    size += 2 + e.length * 12 + 4;
    for (const x of e) if (valueBytes(x) > 4) size += valueBytes(x) + (valueBytes(x) % 2);
  }
  if (size > 0xffffffff)
    throw new ValidationError(
      `TIFF output would be ${size} bytes; classic TIFF holds < 4 GiB`,
      'shape',
    );
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  dv.setUint32(4, ifdAt[0]!, true);
  pages.forEach((e, p) => {
    const src = all.subarray(p * pageBytes, (p + 1) * pageBytes);
    out.set(src, dataAt[p]!);
    if (!hostLittleEndian && bits > 8) {
      const k = bits / 8;
      for (let i = dataAt[p]!; i < dataAt[p]! + pageBytes; i += k) out.subarray(i, i + k).reverse();
    }
    if (a.dtype === 'bool')
      for (let i = dataAt[p]!; i < dataAt[p]! + pageBytes; i++) out[i] = out[i] ? 1 : 0;
    (e.find((x) => x.tag === 273)!.values as number[])[0] = dataAt[p]!;
    let at = ifdAt[p]!;
    dv.setUint16(at, e.length, true);
    at += 2;
    let extra = at + e.length * 12 + 4;
    for (const x of e) {
      const count =
        typeof x.values === 'string'
          ? x.values.length + 1
          : x.type === 5
            ? x.values.length / 2
            : x.values.length;
      dv.setUint16(at, x.tag, true);
      dv.setUint16(at + 2, x.type, true);
      dv.setUint32(at + 4, count, true);
      const nb = valueBytes(x);
      let vAt = at + 8;
      if (nb > 4) {
        dv.setUint32(at + 8, extra, true);
        vAt = extra;
        extra += nb + (nb % 2);
      }
      if (typeof x.values === 'string') {
        for (let i = 0; i < x.values.length; i++) out[vAt + i] = x.values.charCodeAt(i) & 0xff;
      } else {
        x.values.forEach((v, i) => {
          if (x.type === 3) dv.setUint16(vAt + 2 * i, v, true);
          else dv.setUint32(vAt + 4 * i, v, true);
        });
      }
      at += 12;
    }
    dv.setUint32(at, p + 1 < pages.length ? ifdAt[p + 1]! : 0, true);
  });
  return out;
}
