/**
 * A DM3/DM4 writer used ONLY to generate synthetic test and benchmark files (types, byte
 * orders and dimensionalities the corpus lacks). It writes the layout `tags.ts` parses:
 * big-endian tag headers, values and pixels in the chosen byte order, an RGBA thumbnail as
 * ImageList entry 0 named by the root `Thumbnails` list, then the images.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { pixelType, simpleTagSize, TagType } from '../../../../src/formats/dm/tagtypes.js';

export type ScalarType = Exclude<keyof typeof TagType, 'struct' | 'string' | 'array'>;

/** Tag values the writer can encode. */
export type WValue =
  | { t: ScalarType; v: number | bigint | boolean }
  /** Text, stored as DM does: an array of uint16 code units. */
  | { text: string }
  /** A struct of scalars. */
  | { struct: { t: ScalarType; v: number | bigint | boolean }[] }
  /** An array of scalars. */
  | { array: ScalarType; values: readonly (number | bigint | boolean)[] }
  /** An array of structs with the given field types. */
  | { arrayOfStructs: ScalarType[]; values: readonly (readonly (number | bigint | boolean)[])[] }
  /** Raw bytes written as an array of `elem` (pixel data); `bytes` already in file byte order. */
  | { blob: ScalarType; bytes: Uint8Array | Chunked };

/** Bulk bytes produced on demand (so a benchmark file need not exist in memory at once). */
export interface Chunked {
  byteLength: number;
  chunks(): Iterable<Uint8Array>;
}

export type WTag = { label: string; group: WTag[] } | { label: string; value: WValue };

export interface WImage {
  /** DM ImageData.DataType. */
  dataType: number;
  /** DM Dimensions, fastest first. */
  dims: number[];
  /** Pixel bytes in file byte order (packed complex: the packed half). */
  pixels: Uint8Array | Chunked;
  calibrations?: { origin: number; scale: number; units: string }[];
  brightness?: { origin: number; scale: number; units: string };
  name?: string;
  imageTags?: WTag[];
}

export interface WFile {
  version: 3 | 4;
  littleEndian: boolean;
  images: WImage[];
  /** Extra root tags (tests of odd tag types). */
  rootTags?: WTag[];
  /** Add the RGBA thumbnail entry and the root `Thumbnails` list (default true). */
  thumbnail?: boolean;
}

type Part = Uint8Array | Chunked;

class Out {
  parts: Part[] = [];
  length = 0;
  constructor(
    readonly dm4: boolean,
    readonly le: boolean,
  ) {}
  push(p: Part): void {
    this.parts.push(p);
    this.length += p instanceof Uint8Array ? p.length : p.byteLength;
  }
  u8(v: number): void {
    this.push(Uint8Array.of(v));
  }
  u16be(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, false);
    this.push(b);
  }
  word(v: number): void {
    const b = new Uint8Array(this.dm4 ? 8 : 4);
    if (this.dm4) new DataView(b.buffer).setBigUint64(0, BigInt(v), false);
    else new DataView(b.buffer).setUint32(0, v, false);
    this.push(b);
  }
  scalar(t: ScalarType, v: number | bigint | boolean): void {
    this.scalars(t, [v]);
  }
  /** Several scalars of one type, encoded into one part. */
  scalars(t: ScalarType, values: readonly (number | bigint | boolean)[]): void {
    const size = simpleTagSize(TagType[t])!;
    const b = new Uint8Array(size * values.length);
    const d = new DataView(b.buffer);
    values.forEach((v, i) => {
      const at = i * size;
      const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      switch (t) {
        case 'int16':
          d.setInt16(at, Number(n), this.le);
          break;
        case 'uint16':
          d.setUint16(at, Number(n), this.le);
          break;
        case 'int32':
          d.setInt32(at, Number(n), this.le);
          break;
        case 'uint32':
          d.setUint32(at, Number(n), this.le);
          break;
        case 'float32':
          d.setFloat32(at, Number(n), this.le);
          break;
        case 'float64':
          d.setFloat64(at, Number(n), this.le);
          break;
        case 'bool':
        case 'uint8':
          d.setUint8(at, Number(n));
          break;
        case 'int8':
          d.setInt8(at, Number(n));
          break;
        case 'int64':
          d.setBigInt64(at, BigInt(n), this.le);
          break;
        case 'uint64':
          d.setBigUint64(at, BigInt(n), this.le);
          break;
      }
    });
    this.push(b);
  }
}

function encodeValue(o: Out, v: WValue): void {
  const info = (...words: number[]): void => {
    o.push(new TextEncoder().encode('%%%%'));
    o.word(words.length);
    for (const w of words) o.word(w);
  };
  if ('t' in v) {
    info(TagType[v.t]);
    o.scalar(v.t, v.v);
  } else if ('text' in v) {
    info(TagType.array, TagType.uint16, v.text.length);
    o.scalars(
      'uint16',
      Array.from({ length: v.text.length }, (_, i) => v.text.charCodeAt(i)),
    );
  } else if ('struct' in v) {
    info(TagType.struct, 0, v.struct.length, ...v.struct.flatMap((f) => [0, TagType[f.t]]));
    for (const f of v.struct) o.scalar(f.t, f.v);
  } else if ('array' in v) {
    info(TagType.array, TagType[v.array], v.values.length);
    o.scalars(v.array, v.values);
  } else if ('arrayOfStructs' in v) {
    const f = v.arrayOfStructs;
    info(
      TagType.array,
      TagType.struct,
      0,
      f.length,
      ...f.flatMap((t) => [0, TagType[t]]),
      v.values.length,
    );
    for (const row of v.values) row.forEach((x, i) => o.scalar(f[i]!, x));
  } else {
    const es = simpleTagSize(TagType[v.blob])!;
    const n = v.bytes instanceof Uint8Array ? v.bytes.length : v.bytes.byteLength;
    info(TagType.array, TagType[v.blob], n / es);
    o.push(v.bytes);
  }
}

function encodeGroup(dm4: boolean, le: boolean, tags: readonly WTag[]): Out {
  const o = new Out(dm4, le);
  o.u8(0); // sorted
  o.u8(1); // open
  o.word(tags.length);
  for (const t of tags) {
    const label = new TextEncoder().encode(t.label);
    const body = 'group' in t ? encodeGroup(dm4, le, t.group) : encodeValueOut(dm4, le, t.value);
    o.u8('group' in t ? 20 : 21);
    o.u16be(label.length);
    o.push(label);
    if (dm4) o.word(body.length);
    for (const p of body.parts) o.push(p);
  }
  return o;
}

function encodeValueOut(dm4: boolean, le: boolean, v: WValue): Out {
  const o = new Out(dm4, le);
  encodeValue(o, v);
  return o;
}

const f32 = (v: number): WValue => ({ t: 'float32', v });
const cal = (label: string, c: { origin: number; scale: number; units: string }): WTag => ({
  label,
  group: [
    { label: 'Origin', value: f32(c.origin) },
    { label: 'Scale', value: f32(c.scale) },
    { label: 'Units', value: { text: c.units } },
  ],
});

function imageEntry(im: WImage): WTag {
  const pt = pixelType(im.dataType);
  const blob: ScalarType = pt?.bytes === 1 ? 'uint8' : pt?.bytes === 2 ? 'uint16' : 'float32';
  return {
    label: '',
    group: [
      {
        label: 'ImageData',
        group: [
          {
            label: 'Calibrations',
            group: [
              cal('Brightness', im.brightness ?? { origin: 0, scale: 1, units: '' }),
              {
                label: 'Dimension',
                group: (
                  im.calibrations ?? im.dims.map(() => ({ origin: 0, scale: 1, units: '' }))
                ).map((c) => cal('', c)),
              },
            ],
          },
          { label: 'Data', value: { blob, bytes: im.pixels } },
          { label: 'DataType', value: { t: 'int32', v: im.dataType } },
          {
            label: 'Dimensions',
            group: im.dims.map((d) => ({ label: '', value: { t: 'uint32', v: d } })),
          },
          { label: 'PixelDepth', value: { t: 'uint32', v: pt?.bytes ?? 1 } },
        ],
      },
      { label: 'ImageTags', group: im.imageTags ?? [] },
      { label: 'Name', value: { text: im.name ?? 'synthetic' } },
    ],
  };
}

/** Serialise a DM file to parts (bulk pixel data is referenced, not copied). */
export function encodeDm(file: WFile): { parts: Part[]; length: number } {
  const dm4 = file.version === 4;
  const thumb = file.thumbnail ?? true;
  const images: WImage[] = thumb
    ? [
        { dataType: 23, dims: [2, 2], pixels: new Uint8Array(16).fill(0x80), name: 'thumbnail' },
        ...file.images,
      ]
    : file.images;
  const rootTags: WTag[] = [
    ...(file.rootTags ?? []),
    { label: 'ImageList', group: images.map(imageEntry) },
  ];
  if (thumb) {
    rootTags.push({
      label: 'Thumbnails',
      group: [{ label: '', group: [{ label: 'ImageIndex', value: { t: 'uint32', v: 0 } }] }],
    });
  }
  const body = encodeGroup(dm4, file.littleEndian, rootTags);
  const head = new Out(dm4, false);
  head.push(Uint8Array.of(0, 0, 0, file.version));
  head.word(body.length);
  head.push(Uint8Array.of(0, 0, 0, file.littleEndian ? 1 : 0));
  const parts = [...head.parts, ...body.parts, new Uint8Array(dm4 ? 8 : 4)];
  return { parts, length: head.length + body.length + (dm4 ? 8 : 4) };
}

/** The whole file in memory. */
export function dmBytes(file: WFile): Uint8Array {
  const { parts, length } = encodeDm(file);
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    for (const c of p instanceof Uint8Array ? [p] : p.chunks()) {
      out.set(c, at);
      at += c.length;
    }
  }
  return out;
}

/** Write to disk, streaming bulk parts chunk by chunk. */
export function writeDmFile(path: string, file: WFile): number {
  const { parts, length } = encodeDm(file);
  const fd = openSync(path, 'w');
  try {
    for (const p of parts) {
      for (const c of p instanceof Uint8Array ? [p] : p.chunks()) writeSync(fd, c);
    }
  } finally {
    closeSync(fd);
  }
  return length;
}
