/**
 * TIFF read: 8/16/32/64-bit integer and 16/32/64-bit float samples, one or more samples per
 * pixel (chunky or planar), strips or tiles, uncompressed / LZW / DEFLATE / PackBits, with
 * Predictor 2 and 3, little- and big-endian, classic and BigTIFF, every page.
 *
 * Results: one sample per pixel → [h, w]; 8-bit RGB → `rgb8` [h, w]; 8-bit RGB + one extra
 * sample → `rgba8` [h, w]; any other multi-sample page → [h, w, samples]. Values are returned
 * as stored (WhiteIsZero and palette images are not converted; see `photometric` metadata).
 */
import { componentsPerElement } from '../../core/dtype.js';
import type { DType } from '../../core/dtype.js';
import { FormatError } from '../../core/errors.js';
import { inflateBounded } from '../../core/inflate.js';
import type { NDArray } from '../../core/ndarray.js';
import { MAX_ELEMENTS, ndarray } from '../../core/ndarray.js';
import { decodeElements } from '../npy/npy.js';
import { hostLittleEndian } from '../npy/descr.js';
import type { CodecContext } from './tiff-codecs.js';
import {
  lzwDecode,
  packBitsDecode,
  undoFloatPredictor,
  undoHorizontalPredictor,
} from './tiff-codecs.js';
import type { TiffPage } from './tiff-ifd.js';
import { pageDType } from './tiff-ifd.js';

/** Shape and element type a page decodes to. */
export function pageLayout(p: TiffPage, file?: string): { dtype: DType; shape: number[] } {
  const sample = pageDType(p, file);
  const spp = p.samplesPerPixel;
  if (sample === 'uint8' && p.photometric === 2 && spp === 3)
    return { dtype: 'rgb8', shape: [p.height, p.width] };
  if (sample === 'uint8' && p.photometric === 2 && spp === 4)
    return { dtype: 'rgba8', shape: [p.height, p.width] };
  return { dtype: sample, shape: spp === 1 ? [p.height, p.width] : [p.height, p.width, spp] };
}

/** Decode one page's pixels. */
export function decodePage(
  bytes: Uint8Array,
  p: TiffPage,
  littleEndian: boolean,
  file?: string,
): NDArray {
  const { dtype, shape } = pageLayout(p, file);
  const sample = pageDType(p, file);
  const bps = p.bitsPerSample / 8;
  const spp = p.samplesPerPixel;
  const total = p.width * p.height * spp;
  if (total > MAX_ELEMENTS) {
    throw new FormatError('TIFF', 'image too large', {
      file,
      path: `page ${p.index}`,
      found: `${p.width} × ${p.height} × ${spp}`,
    });
  }
  // Check that the chunks the page names exist before allocating the image.
  let stored = 0;
  for (let i = 0; i < p.offsets.length; i++) {
    const off = p.offsets[i]!;
    const n = p.byteCounts[i]!;
    if (off + n > bytes.length) {
      throw new FormatError('TIFF', 'strip or tile outside the file', {
        file,
        path: `page ${p.index} ${p.tiled ? 'tile' : 'strip'} ${i}`,
        offset: off,
        expected: `${n} bytes`,
        found: `${Math.max(0, bytes.length - off)} bytes left`,
      });
    }
    stored += n;
  }
  const need = total * bps;
  // worst-case expansion: LZW 4096 bytes per 12-bit code, DEFLATE 1032:1, PackBits 128 bytes per 2
  const maxRatio =
    p.compression === 1 ? 1 : p.compression === 5 ? 2731 : p.compression === 32773 ? 64 : 1032;
  // strips may point at the same bytes: the file size bounds what they can hold together
  if (need > Math.min(stored, bytes.length) * maxRatio + 1024 * p.offsets.length) {
    throw new FormatError('TIFF', 'image is larger than its compressed data can hold', {
      file,
      path: `page ${p.index}`,
      expected: `≤ ${maxRatio} × ${stored} bytes`,
      found: `${p.width} × ${p.height} × ${spp} × ${bps} bytes`,
    });
  }
  const out = new Uint8Array(need); // native byte order, chunky [y][x][sample]
  const planes = p.planar === 2 ? spp : 1;
  const chunkSpp = p.planar === 2 ? 1 : spp;
  const across = Math.ceil(p.width / p.tileWidth);
  const down = Math.ceil(p.height / p.tileHeight);
  for (let plane = 0; plane < planes; plane++) {
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++) {
        const i = plane * across * down + ty * across + tx;
        const rows = p.tiled ? p.tileHeight : Math.min(p.tileHeight, p.height - ty * p.tileHeight);
        const cw = p.tileWidth;
        const expected = rows * cw * chunkSpp * bps;
        if (expected > Math.max(need, 1 << 26)) {
          throw new FormatError('TIFF', 'tile larger than the image justifies', {
            file,
            path: `page ${p.index}`,
            offset: p.ifdOffset,
            expected: `≤ ${Math.max(need, 1 << 26)} bytes per tile`,
            found: `${p.tileWidth} × ${p.tileHeight} × ${chunkSpp} × ${bps} bytes`,
          });
        }
        const ctx: CodecContext = {
          file,
          offset: p.offsets[i]!,
          path: `page ${p.index} ${p.tiled ? 'tile' : 'strip'} ${i}`,
        };
        const src = bytes.subarray(p.offsets[i]!, p.offsets[i]! + p.byteCounts[i]!);
        let chunk = decompress(src, expected, p.compression, ctx);
        if (chunk.length < expected) {
          throw new FormatError('TIFF', 'strip or tile decompresses to too few bytes', {
            file,
            offset: ctx.offset,
            path: ctx.path,
            expected: `${expected} bytes`,
            found: `${chunk.length} bytes`,
          });
        }
        // a copy (`.slice()` of a Node Buffer would be a view into the file bytes)
        chunk = toNative(
          new Uint8Array(chunk.subarray(0, expected)),
          p,
          sample,
          bps,
          cw,
          chunkSpp,
          littleEndian,
          ctx,
        );
        // copy the valid region of the chunk into the image
        const y0 = ty * p.tileHeight;
        const x0 = tx * p.tileWidth;
        const h = Math.min(rows, p.height - y0);
        const w = Math.min(cw, p.width - x0);
        if (planes === 1) {
          // chunky: each chunk row is one contiguous run of the image row
          const run = w * spp * bps;
          for (let y = 0; y < h; y++) {
            const from = y * cw * spp * bps;
            out.set(chunk.subarray(from, from + run), ((y0 + y) * p.width + x0) * spp * bps);
          }
          continue;
        }
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            for (let s = 0; s < chunkSpp; s++) {
              const from = ((y * cw + x) * chunkSpp + s) * bps;
              const to = (((y0 + y) * p.width + x0 + x) * spp + s + plane) * bps;
              for (let b = 0; b < bps; b++) out[to + b] = chunk[from + b]!;
            }
          }
        }
      }
    }
  }
  const elements = total / componentsPerElement(dtype);
  const data = decodeElements(
    out,
    {
      kind: 'simple',
      dtype,
      itemSize: bps * componentsPerElement(dtype),
      littleEndian: hostLittleEndian,
      descr: '',
    },
    elements,
    file,
  );
  return ndarray(dtype, shape, data);
}

function decompress(
  src: Uint8Array,
  expected: number,
  compression: number,
  ctx: CodecContext,
): Uint8Array {
  switch (compression) {
    case 1:
      return src.subarray(0, expected);
    case 5:
      return lzwDecode(src, expected, ctx);
    case 8:
    case 32946:
      return inflateBounded(src, expected, {
        format: 'TIFF',
        file: ctx.file,
        path: ctx.path,
        offset: ctx.offset,
        zlib: true,
      });
    case 32773:
      return packBitsDecode(src, expected);
    default:
      throw new FormatError('TIFF', 'unsupported compression', {
        file: ctx.file,
        path: ctx.path,
        offset: ctx.offset,
        expected: '1 (none), 5 (LZW), 8/32946 (Deflate) or 32773 (PackBits)',
        found: `${compression}`,
      });
  }
}

/** File-order chunk bytes → native-order samples, predictors undone. */
function toNative(
  chunk: Uint8Array,
  p: TiffPage,
  sample: DType,
  bps: number,
  width: number,
  spp: number,
  le: boolean,
  ctx: CodecContext,
): Uint8Array {
  if (p.predictor === 3) {
    if (p.sampleFormat !== 3)
      throw new FormatError('TIFF', 'floating-point predictor on integer samples', {
        file: ctx.file,
        path: ctx.path,
      });
    return undoFloatPredictor(chunk, width, spp, bps, hostLittleEndian);
  }
  if (bps > 1 && le !== hostLittleEndian) {
    for (let i = 0; i + bps <= chunk.length; i += bps) chunk.subarray(i, i + bps).reverse();
  }
  if (p.predictor === 2) {
    if (sample.startsWith('float'))
      throw new FormatError('TIFF', 'horizontal predictor on float samples', {
        file: ctx.file,
        path: ctx.path,
      });
    const view =
      bps === 1
        ? chunk
        : bps === 2
          ? new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.length / 2)
          : bps === 4
            ? new Uint32Array(chunk.buffer, chunk.byteOffset, chunk.length / 4)
            : new BigUint64Array(chunk.buffer, chunk.byteOffset, chunk.length / 8);
    undoHorizontalPredictor(view, width, spp);
  } else if (p.predictor !== 1) {
    throw new FormatError('TIFF', 'unsupported predictor', {
      file: ctx.file,
      path: ctx.path,
      expected: '1, 2 or 3',
      found: `${p.predictor}`,
    });
  }
  return chunk;
}
