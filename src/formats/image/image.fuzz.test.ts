/**
 * Bad input for PNG and TIFF: truncations, ≥500 seeded mutations per file (libtiff-written
 * LZW/deflate/PackBits/tiled/BigTIFF fixtures included), huge declared sizes. Only typed errors.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import {
  expectOnlyTypedErrors,
  mutations,
  truncations,
} from '../../../test/support/formats/fuzz.js';
import { decodePng, encodePng } from './png.js';
import { decodePage } from './tiff.js';
import { lzwDecode, packBitsDecode } from './tiff-codecs.js';
import { parseTiff } from './tiff-ifd.js';
import { encodeTiff } from './tiff-write.js';

const here = dirname(fileURLToPath(import.meta.url));
/**
 * A plain Uint8Array copy: `mutations()` copies with `.slice()`, which on a Node Buffer (what
 * readFileSync and pngjs return) is a view, so mutations would pile up in the original.
 */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b);

function decodeTiff(bytes: Uint8Array): void {
  const t = parseTiff(bytes, 'fuzz.tif');
  for (const p of t.pages) decodePage(bytes, p, t.littleEndian, 'fuzz.tif');
}

const TIFFS = [
  'u16-lzw-pred2.tif',
  'u16-packbits-strips.tif',
  'u16-be-lzw-pred2.tif',
  'u16-tiled-zip.tif',
  'u16-bigtiff-lzw.tif',
  'f32-zip-pred3.tif',
  'rgb8-planar-lzw.tif',
];

describe('TIFF bad input', () => {
  it('truncations of every fixture raise FormatError', async () => {
    for (const name of [...TIFFS, 'u16-3pages.tif']) {
      const bytes = plain(readFileSync(join(here, 'testdata', name)));
      for (const t of truncations(bytes, 48)) {
        const r = await expectOnlyTypedErrors(() => decodeTiff(t));
        expect(r, `${name} cut to ${t.length}`).toBeInstanceOf(FormatError);
      }
    }
  });

  it('500 seeded mutations per fixture (whole file and header region) give only typed errors', async () => {
    for (const name of TIFFS) {
      const bytes = plain(readFileSync(join(here, 'testdata', name)));
      for (const m of mutations(bytes, 777, 250))
        await expectOnlyTypedErrors(() => decodeTiff(m.bytes));
      // IFDs sit at the end of tiffcp's files: mutate the last 600 bytes too
      const tail = bytes.length - 600;
      for (const m of mutations(bytes.slice(tail), 778, 250)) {
        const b = bytes.slice();
        b.set(m.bytes, tail);
        await expectOnlyTypedErrors(() => decodeTiff(b));
      }
    }
  });

  it('a huge declared image with a few bytes of data is refused before allocating', () => {
    const t = encodeTiff(ndarray('uint16', [2, 2]));
    const dv = new DataView(t.buffer);
    // first IFD entries: 256 ImageWidth and 257 ImageLength (LONG, inline)
    const ifd = dv.getUint32(4, true);
    expect(dv.getUint16(ifd + 2, true)).toBe(256);
    dv.setUint32(ifd + 2 + 8, 100000, true);
    dv.setUint32(ifd + 2 + 12 + 8, 100000, true);
    expect(() => decodeTiff(t)).toThrow(FormatError);
  });

  it('a huge declared tile size is refused before allocating a tile', () => {
    // 1×1 uint16 image in one 65520×65520 tile (TIFF 6.0 §15 tags 322–325), built by hand
    const tags: [number, number, number][] = [
      [256, 3, 1],
      [257, 3, 1],
      [258, 3, 16],
      [259, 3, 1],
      [262, 3, 1],
      [322, 3, 65520],
      [323, 3, 65520],
      [324, 4, 8],
      [325, 4, 2],
    ];
    const b = new Uint8Array(10 + 2 + tags.length * 12 + 4);
    const dv = new DataView(b.buffer);
    b.set([0x49, 0x49, 42, 0]);
    dv.setUint32(4, 10, true);
    dv.setUint16(10, tags.length, true);
    tags.forEach(([tag, type, v], k) => {
      const e = 12 + 12 * k;
      dv.setUint16(e, tag, true);
      dv.setUint16(e + 2, type, true);
      dv.setUint32(e + 4, 1, true);
      if (type === 3) dv.setUint16(e + 8, v, true);
      else dv.setUint32(e + 8, v, true);
    });
    expect(() => decodeTiff(b)).toThrow(/tile larger than the image justifies/);
  });

  it('codecs stop at the expected size on garbage', () => {
    const junk = Uint8Array.from({ length: 4096 }, (_, i) => (i * 37) & 0xff);
    expect(packBitsDecode(junk, 100).length).toBeLessThanOrEqual(100);
    try {
      expect(lzwDecode(junk, 100, { offset: 0, path: 'strip 0' }).length).toBeLessThanOrEqual(100);
    } catch (err) {
      expect(err).toBeInstanceOf(FormatError);
    }
  });
});

describe('PNG bad input', () => {
  const samples = [
    encodePng(
      ndarray(
        'float32',
        [20, 30],
        Float32Array.from({ length: 600 }, (_, i) => Math.sin(i)),
      ),
    ),
    encodePng(
      ndarray(
        'uint8',
        [16, 16],
        Uint8Array.from({ length: 256 }, (_, i) => i),
      ),
      { colormap: 'viridis' },
    ),
  ].map(plain);

  it('truncations and 500 seeded mutations give only typed errors', async () => {
    for (const bytes of samples) {
      for (const t of truncations(bytes, 64)) {
        const r = await expectOnlyTypedErrors(() => decodePng(t));
        expect(r).toBeInstanceOf(FormatError);
      }
      let ok = 0;
      for (const m of mutations(bytes, 4242, 500)) {
        if ((await expectOnlyTypedErrors(() => decodePng(m.bytes))) === 'ok') ok++;
      }
      // CRCs catch nearly every flip; the original itself must still decode
      expect(decodePng(bytes).array.shape.length).toBe(2);
      expect(ok).toBeLessThan(500);
    }
  });

  it('a huge IHDR with a small IDAT is refused before decoding', () => {
    const b = Buffer.from(samples[0]!);
    b.writeUInt32BE(1 << 20, 16);
    b.writeUInt32BE(1 << 20, 20);
    expect(() => decodePng(b)).toThrow(/more than the compressed data can hold/);
  });
});
