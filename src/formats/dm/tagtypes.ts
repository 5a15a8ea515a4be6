/**
 * Encoded types of DM tag values and of image pixels.
 *
 * Sources (facts, not code): C. Boothroyd, "Digital Micrograph file format"
 * (https://www.er-c.org/cbb/info/dmformat/, DM3 section and DM4 section, Nov 2013) for the
 * tag encodings 2–12, 15 (struct), 18 (string), 20 (array); the DM image data types 1–14, 23
 * and the packed-complex FFT types 27/28 as rosettasciio (`rsciio/digitalmicrograph/_api.py`
 * `ImageObject.dtype`) and MANIFEST §1.1 document them; 39/40 (signed/unsigned int64) from
 * the DigitalMicrograph scripting `ImageDataType` enumeration (GMS 3).
 */
import type { DType } from '../../core/dtype.js';

/** Tag value encodings (the first entry of a data tag's info array). */
export const TagType = {
  int16: 2,
  int32: 3,
  uint16: 4,
  uint32: 5,
  float32: 6,
  float64: 7,
  bool: 8,
  int8: 9, // DM 'char'
  uint8: 10, // DM 'octet'
  int64: 11,
  uint64: 12,
  struct: 15,
  string: 18,
  array: 20,
} as const;

/** Byte size of each simple (scalar) tag type; undefined for struct/string/array/unknown. */
export function simpleTagSize(t: number): number | undefined {
  switch (t) {
    case TagType.bool:
    case TagType.int8:
    case TagType.uint8:
      return 1;
    case TagType.int16:
    case TagType.uint16:
      return 2;
    case TagType.int32:
    case TagType.uint32:
    case TagType.float32:
      return 4;
    case TagType.float64:
    case TagType.int64:
    case TagType.uint64:
      return 8;
    default:
      return undefined;
  }
}

/** Human name of a tag type, for summaries and error messages. */
export function tagTypeName(t: number): string {
  const e = Object.entries(TagType).find(([, v]) => v === t);
  return e ? e[0] : `type ${t}`;
}

/** How the pixels of one DM image DataType are stored and what bragg returns. */
export interface PixelType {
  /** DM `ImageData.DataType`. */
  code: number;
  /** dtype of the returned array. */
  dtype: DType;
  /** Bytes per stored pixel (packed complex: per stored complex value). */
  bytes: number;
  /** Bytes of each scalar to byte-swap when data are big-endian (0: no swap). */
  swap: number;
  /** Special layouts: BGRA bytes, B,G,R,unused bytes, DM 4-byte packed complex, half-width packed. */
  layout?: 'bgra' | 'bgrx' | 'packed5' | 'packedHalf';
}

const PIXEL_TYPES: readonly PixelType[] = [
  { code: 1, dtype: 'int16', bytes: 2, swap: 2 },
  { code: 2, dtype: 'float32', bytes: 4, swap: 4 },
  { code: 3, dtype: 'complex64', bytes: 8, swap: 4 },
  // Old packed complex: a real N×N float32 array holding the FFT of a real N×N image.
  { code: 5, dtype: 'complex64', bytes: 4, swap: 4, layout: 'packed5' },
  { code: 6, dtype: 'uint8', bytes: 1, swap: 0 },
  { code: 7, dtype: 'int32', bytes: 4, swap: 4 },
  // RGB: 4 bytes per pixel, stored B, G, R, unused.
  { code: 8, dtype: 'rgb8', bytes: 4, swap: 0, layout: 'bgrx' },
  { code: 9, dtype: 'int8', bytes: 1, swap: 0 },
  { code: 10, dtype: 'uint16', bytes: 2, swap: 2 },
  { code: 11, dtype: 'uint32', bytes: 4, swap: 4 },
  { code: 12, dtype: 'float64', bytes: 8, swap: 8 },
  { code: 13, dtype: 'complex128', bytes: 16, swap: 8 },
  { code: 14, dtype: 'bool', bytes: 1, swap: 0 },
  // RGBA uint8: stored B, G, R, A (MANIFEST §1.1: pixel k is bytes k,k,k,0).
  { code: 23, dtype: 'rgba8', bytes: 4, swap: 0, layout: 'bgra' },
  // Packed complex FFT (DM ≥ 2): rows × (width/2 + 1) complex values, see decode.ts.
  { code: 27, dtype: 'complex64', bytes: 8, swap: 4, layout: 'packedHalf' },
  { code: 28, dtype: 'complex128', bytes: 16, swap: 8, layout: 'packedHalf' },
  { code: 39, dtype: 'int64', bytes: 8, swap: 8 },
  { code: 40, dtype: 'uint64', bytes: 8, swap: 8 },
];

export function pixelType(code: number): PixelType | undefined {
  return PIXEL_TYPES.find((p) => p.code === code);
}

/** Every DataType this reader decodes. */
export const SUPPORTED_DATA_TYPES: readonly number[] = PIXEL_TYPES.map((p) => p.code);
