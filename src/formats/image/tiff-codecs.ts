/**
 * TIFF strip/tile decompression, bounded: every decoder writes at most `expected` bytes and
 * stops there, so corrupt data cannot make it loop or allocate more than the image needs.
 *
 * LZW and PackBits are written here rather than taken from `utif2`: utif2's LZW follows table
 * chains without a bound (corrupt codes can make it loop forever) and its PackBits indexes the
 * whole underlying ArrayBuffer. DEFLATE goes through fflate (src/core/inflate.ts).
 * Source: TIFF 6.0 specification, Section 9 (PackBits), Section 13 (LZW), Section 14
 * (Predictor 2); Adobe Photoshop TIFF Technical Note 3 (Predictor 3, floating point).
 */
import { FormatError } from '../../core/errors.js';

export interface CodecContext {
  file?: string;
  /** File offset of the compressed chunk, for errors. */
  offset: number;
  /** `strip 3`, `tile 7`, for errors. */
  path: string;
}

function codecError(
  ctx: CodecContext,
  what: string,
  expected?: string,
  found?: string,
): FormatError {
  return new FormatError('TIFF', what, {
    file: ctx.file,
    offset: ctx.offset,
    path: ctx.path,
    expected,
    found,
  });
}

/** TIFF LZW (MSB-first codes of 9–12 bits, Clear 256, EOI 257, early code-width change). */
export function lzwDecode(src: Uint8Array, expected: number, ctx: CodecContext): Uint8Array {
  if (src.length >= 2 && src[0] === 0 && (src[1]! & 1) === 1) {
    throw codecError(ctx, 'old-style (pre-TIFF 6.0) LZW is not supported', 'TIFF 6.0 LZW');
  }
  const out = new Uint8Array(expected);
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let width = 9;
  let next = 258;
  let prev = -1;
  let op = 0;
  let bit = 0;
  const totalBits = src.length * 8;
  const emit = (code: number): void => {
    const n = length[code]!;
    let c = code;
    for (let k = n - 1; k >= 0; k--) {
      if (op + k < expected) out[op + k] = suffix[c]!;
      c = prefix[c]!;
    }
    op += n;
  };
  while (bit + width <= totalBits && op < expected) {
    const byte = bit >>> 3;
    const v = (src[byte]! << 16) | ((src[byte + 1] ?? 0) << 8) | (src[byte + 2] ?? 0);
    const code = (v >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === 257) break;
    if (code === 256) {
      width = 9;
      next = 258;
      prev = -1;
      continue;
    }
    if (prev === -1) {
      if (code > 255)
        throw codecError(ctx, 'corrupt LZW data', 'a literal code after Clear', `${code}`);
      out[op++] = code;
      prev = code;
      continue;
    }
    let head: number;
    if (code < next) {
      emit(code);
      head = first[code]!;
    } else if (code === next) {
      emit(prev);
      if (op < expected) out[op] = first[prev]!;
      op++;
      head = first[prev]!;
    } else {
      throw codecError(ctx, 'corrupt LZW data', `a code ≤ ${next}`, `${code}`);
    }
    if (next >= 4096) throw codecError(ctx, 'corrupt LZW data: code table full without Clear');
    prefix[next] = prev;
    suffix[next] = head;
    first[next] = first[prev]!;
    length[next] = length[prev]! + 1;
    next++;
    if (next >= (1 << width) - 1 && width < 12) width++;
    prev = code;
  }
  return op >= expected ? out : out.subarray(0, op);
}

/** PackBits run-length decoding. */
export function packBitsDecode(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let ip = 0;
  let op = 0;
  while (ip < src.length && op < expected) {
    const n = (src[ip++]! << 24) >> 24;
    if (n >= 0) {
      const end = Math.min(ip + n + 1, src.length);
      while (ip < end && op < expected) out[op++] = src[ip++]!;
      ip = end;
    } else if (n !== -128) {
      const v = src[ip++];
      if (v === undefined) break;
      for (let k = 0; k < 1 - n && op < expected; k++) out[op++] = v;
    }
  }
  return op >= expected ? out : out.subarray(0, op);
}

/**
 * Undo Predictor 2 (horizontal differencing) in place on native-order samples: each row of
 * `width` pixels × `spp` samples is a running sum per sample.
 */
export function undoHorizontalPredictor(
  data: Uint8Array | Uint16Array | Uint32Array | BigUint64Array,
  width: number,
  spp: number,
): void {
  const row = width * spp;
  if (data instanceof BigUint64Array) {
    for (let r = 0; r + row <= data.length; r += row) {
      for (let i = r + spp; i < r + row; i++)
        data[i] = BigInt.asUintN(64, data[i]! + data[i - spp]!);
    }
    return;
  }
  for (let r = 0; r + row <= data.length; r += row) {
    for (let i = r + spp; i < r + row; i++) data[i] = data[i]! + data[i - spp]!;
  }
}

/**
 * Undo Predictor 3 (floating point): per row, bytes were differenced and grouped by
 * significance (most significant byte of every sample first). Returns native-order samples.
 */
export function undoFloatPredictor(
  chunk: Uint8Array,
  width: number,
  spp: number,
  bytesPerSample: number,
  littleEndianHost: boolean,
): Uint8Array {
  const rowSamples = width * spp;
  const rowBytes = rowSamples * bytesPerSample;
  const out = new Uint8Array(chunk.length);
  for (let r = 0; r + rowBytes <= chunk.length; r += rowBytes) {
    for (let i = r + 1; i < r + rowBytes; i++) chunk[i] = (chunk[i]! + chunk[i - 1]!) & 0xff;
    for (let s = 0; s < rowSamples; s++) {
      for (let b = 0; b < bytesPerSample; b++) {
        // byte b of the sample in big-endian order
        const v = chunk[r + b * rowSamples + s]!;
        const at = littleEndianHost ? bytesPerSample - 1 - b : b;
        out[r + s * bytesPerSample + at] = v;
      }
    }
  }
  return out;
}
