/**
 * Raw DM pixel bytes → bragg arrays: byte order, BGRA colour, bool, and the packed-complex
 * FFT layout.
 *
 * Packed complex (DataType 27 / 28) — the layout bragg returns. DM stores the FFT of a real
 * H × W image as H rows × (⌊W/2⌋ + 1) complex values. In `test_fft_packed_complex8.dm4`
 * (MANIFEST §1.2; a 5 × 5 image constant along y with columns 0,1,2,3,4) the stored rows are
 * already centred (zero frequency in row ⌊H/2⌋) and stored column j holds frequency −j of the
 * usual e^(−2πi·kx·x/W) transform (value −12.5 − 17.2i = conj of numpy's X(1)). bragg returns
 * the full H × W complex array as numpy's `fftshift(fft2(image))` lays it out — zero
 * frequency at (⌊H/2⌋, ⌊W/2⌋), the centred view DM displays: stored column j goes to column
 * ⌊W/2⌋ − j, and the other columns follow from Hermitian symmetry
 * F[r, c] = conj(F[(2⌊H/2⌋ − r) mod H, (2⌊W/2⌋ − c) mod W]).
 * (rosettasciio instead returns W/2 + 1 + W/2 − 1 columns without mirroring the rows, which
 * gives 4 columns for W = 5.) The check: the inverse DFT of the result is real and equals the
 * ramp image (conformance test).
 */
import { endianness } from 'node:os';
import type { DataTypeMap, DType } from '../../core/dtype.js';
import { UnsupportedError } from '../../core/errors.js';
import type { PixelType } from './tagtypes.js';

const HOST_LE = endianness() === 'LE';

/** Reverse the byte order of each `width`-byte word of `b` in place. */
export function swapBytes(b: Uint8Array, width: number): void {
  if (width <= 1) return;
  for (let i = 0; i + width <= b.length; i += width) {
    for (let lo = i, hi = i + width - 1; lo < hi; lo++, hi--) {
      const t = b[lo]!;
      b[lo] = b[hi]!;
      b[hi] = t;
    }
  }
}

function view(dtype: DType, buf: ArrayBuffer, offset: number, slots: number): DataTypeMap[DType] {
  switch (dtype) {
    case 'bool':
    case 'uint8':
    case 'rgb8':
    case 'rgba8':
      return new Uint8Array(buf, offset, slots);
    case 'int8':
      return new Int8Array(buf, offset, slots);
    case 'int16':
      return new Int16Array(buf, offset, slots);
    case 'uint16':
    case 'float16':
      return new Uint16Array(buf, offset, slots);
    case 'int32':
      return new Int32Array(buf, offset, slots);
    case 'uint32':
      return new Uint32Array(buf, offset, slots);
    case 'int64':
      return new BigInt64Array(buf, offset, slots);
    case 'uint64':
      return new BigUint64Array(buf, offset, slots);
    case 'float32':
    case 'complex64':
      return new Float32Array(buf, offset, slots);
    case 'float64':
    case 'complex128':
      return new Float64Array(buf, offset, slots);
    case 'string':
      throw new UnsupportedError('DM images never hold strings');
  }
}

/**
 * Decode `count` stored pixels held in `raw` (which owns its whole, 8-byte aligned buffer and
 * may be modified in place). Not for packed complex (see `unpackHalfComplex`).
 */
export function decodePixels(
  pixel: PixelType,
  raw: Uint8Array,
  littleEndian: boolean,
  count: number,
): DataTypeMap[DType] {
  if (littleEndian !== HOST_LE) swapBytes(raw, pixel.swap);
  switch (pixel.layout) {
    case 'bgra': {
      for (let i = 0; i + 3 < raw.length; i += 4) {
        const b = raw[i]!;
        raw[i] = raw[i + 2]!;
        raw[i + 2] = b;
      }
      return raw;
    }
    case 'bgrx': {
      const out = new Uint8Array(count * 3);
      for (let i = 0; i < count; i++) {
        out[3 * i] = raw[4 * i + 2]!;
        out[3 * i + 1] = raw[4 * i + 1]!;
        out[3 * i + 2] = raw[4 * i]!;
      }
      return out;
    }
    case 'packed5':
      throw new UnsupportedError(
        'DM DataType 5 (old packed complex FFT) is not supported: no reference file exists to validate its layout',
      );
    case 'packedHalf':
      throw new UnsupportedError('packed complex data must be read through unpackHalfComplex');
    case undefined:
      break;
  }
  if (pixel.dtype === 'bool') {
    for (let i = 0; i < raw.length; i++) raw[i] = raw[i] !== 0 ? 1 : 0;
    return raw;
  }
  const slots =
    (raw.length / pixel.bytes) *
    (pixel.dtype === 'complex64' || pixel.dtype === 'complex128' ? 2 : 1);
  return view(pixel.dtype, raw.buffer as ArrayBuffer, raw.byteOffset, slots);
}

/**
 * Full centred complex FFT (H × W, interleaved re/im) from DM's packed H × (⌊W/2⌋+1) storage.
 * `dims` are DM dimensions [W, H].
 */
export function unpackHalfComplex(
  pixel: PixelType,
  raw: Uint8Array,
  littleEndian: boolean,
  dims: readonly number[],
): Float32Array | Float64Array {
  const w = dims[0]!;
  const h = dims[1]!;
  const hw = Math.floor(w / 2);
  const hh = Math.floor(h / 2);
  const sc = hw + 1;
  if (littleEndian !== HOST_LE) swapBytes(raw, pixel.swap);
  const packed = view(pixel.dtype, raw.buffer as ArrayBuffer, raw.byteOffset, 2 * h * sc) as
    Float32Array | Float64Array;
  const out =
    pixel.dtype === 'complex64' ? new Float32Array(2 * h * w) : new Float64Array(2 * h * w);
  for (let r = 0; r < h; r++) {
    for (let j = 0; j < sc; j++) {
      const c = hw - j;
      out[2 * (r * w + c)] = packed[2 * (r * sc + j)]!;
      out[2 * (r * w + c) + 1] = packed[2 * (r * sc + j) + 1]!;
    }
  }
  for (let r = 0; r < h; r++) {
    const rp = (((2 * hh - r) % h) + h) % h;
    for (let c = hw + 1; c < w; c++) {
      const cp = (((2 * hw - c) % w) + w) % w;
      out[2 * (r * w + c)] = out[2 * (rp * w + cp)]!;
      out[2 * (r * w + c) + 1] = -out[2 * (rp * w + cp) + 1]!;
    }
  }
  return out;
}
