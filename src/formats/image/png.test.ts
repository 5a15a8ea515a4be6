/**
 * PNG read of every colour type and depth, PNG write with scaling and colormaps, and the
 * scaling/colormap definitions.
 */
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ndarray } from '../../core/ndarray.js';
import { applyColormap, COLORMAPS } from './colormap.js';
import { decodePng, encodePng, scanPng } from './png.js';
import { normalize } from './scale.js';

const { PNG } = pngjs;

/** A PNG written by pngjs from RGBA samples (16-bit samples when `depth` is 16). */
function pngOf(
  w: number,
  h: number,
  colorType: 0 | 2 | 4 | 6,
  depth: 8 | 16,
  rgba: number[],
): Uint8Array {
  const png = new PNG({
    width: w,
    height: h,
    bitDepth: depth,
    colorType,
    inputColorType: 6,
    inputHasAlpha: true,
  });
  if (depth === 16) png.data = Buffer.from(Uint16Array.from(rgba).buffer);
  else png.data = Buffer.from(Uint8Array.from(rgba));
  return PNG.sync.write(png, {
    bitDepth: depth,
    colorType,
    inputColorType: 6,
    inputHasAlpha: true,
  });
}

describe('PNG read', () => {
  const px = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160]; // 2×2 RGBA

  it('8-bit gray → uint8 [h, w]; gray+alpha → uint8 [h, w, 2]', () => {
    const gray = [10, 10, 10, 255, 50, 50, 50, 255, 90, 90, 90, 255, 130, 130, 130, 255];
    const g = decodePng(pngOf(2, 2, 0, 8, gray));
    expect(g.array.dtype).toBe('uint8');
    expect(g.array.shape).toEqual([2, 2]);
    expect(Array.from(g.array.data as Uint8Array)).toEqual([10, 50, 90, 130]);
    const ga = decodePng(pngOf(2, 2, 4, 8, gray)).array;
    expect(ga.shape).toEqual([2, 2, 2]);
    expect(Array.from(ga.data as Uint8Array)).toEqual([10, 255, 50, 255, 90, 255, 130, 255]);
  });

  it('16-bit gray → uint16 with the full 16-bit values', () => {
    const v = [0, 1, 1000, 65535];
    const rgba = v.flatMap((x) => [x, x, x, 65535]);
    const a = decodePng(pngOf(2, 2, 0, 16, rgba)).array;
    expect(a.dtype).toBe('uint16');
    expect(Array.from(a.data as Uint16Array)).toEqual(v);
  });

  it('8-bit RGB → rgb8 and RGBA → rgba8; 16-bit RGB(A) → uint16 [h, w, 3|4]', () => {
    // pngjs blends alpha over white when it writes RGB, so the RGB source is opaque
    const opaque = px.map((x, i) => (i % 4 === 3 ? 255 : x));
    const rgb = decodePng(pngOf(2, 2, 2, 8, opaque)).array;
    expect(rgb.dtype).toBe('rgb8');
    expect(Array.from(rgb.data as Uint8Array)).toEqual([
      10, 20, 30, 50, 60, 70, 90, 100, 110, 130, 140, 150,
    ]);
    const rgba = decodePng(pngOf(2, 2, 6, 8, px)).array;
    expect(rgba.dtype).toBe('rgba8');
    expect(Array.from(rgba.data as Uint8Array)).toEqual(px);
    const wide = px.map((x) => x * 257 + 1);
    const rgb16 = decodePng(
      pngOf(
        2,
        2,
        2,
        16,
        opaque.map((x, i) => (i % 4 === 3 ? 65535 : x * 257 + 1)),
      ),
    ).array;
    expect([rgb16.dtype, ...rgb16.shape]).toEqual(['uint16', 2, 2, 3]);
    expect((rgb16.data as Uint16Array)[5]).toBe(70 * 257 + 1);
    const rgba16 = decodePng(pngOf(2, 2, 6, 16, wide)).array;
    expect(rgba16.shape).toEqual([2, 2, 4]);
    expect(Array.from(rgba16.data as Uint16Array)).toEqual(wide);
  });

  it('reads tEXt chunks into the header', () => {
    const bytes = encodePng(ndarray('uint8', [1, 1], Uint8Array.from([3])));
    // insert a tEXt chunk after IHDR (pngjs does not write them); CRC is not checked by scanPng
    const text = Buffer.from('Title\0pattern 1');
    const chunk = Buffer.alloc(12 + text.length);
    chunk.writeUInt32BE(text.length, 0);
    chunk.write('tEXt', 4, 'latin1');
    text.copy(chunk, 8);
    const withText = Buffer.concat([
      Buffer.from(bytes.subarray(0, 33)),
      chunk,
      Buffer.from(bytes.subarray(33)),
    ]);
    expect(scanPng(withText).text).toEqual({ Title: 'pattern 1' });
  });
});

describe('PNG write', () => {
  it('gray, linear: min → 0, max → 255, exact steps, gray colour type', () => {
    const a = ndarray('float64', [1, 3], Float64Array.from([-1, 0, 1]));
    const back = decodePng(encodePng(a)).array;
    expect(back.dtype).toBe('uint8');
    expect(Array.from(back.data as Uint8Array)).toEqual([0, 128, 255]);
  });

  it('viridis gives RGB with matplotlib’s end colours #440154 and #fde725', () => {
    const a = ndarray('uint16', [1, 2], Uint16Array.from([5, 60000]));
    const back = decodePng(encodePng(a, { colormap: 'viridis' })).array;
    expect(back.dtype).toBe('rgb8');
    expect(Array.from(back.data as Uint8Array)).toEqual([0x44, 0x01, 0x54, 0xfd, 0xe7, 0x25]);
  });

  it('rgb8 images are written as they are', () => {
    const a = ndarray('rgb8', [1, 2], Uint8Array.from([1, 2, 3, 4, 5, 6]));
    expect(Array.from(decodePng(encodePng(a)).array.data as Uint8Array)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });

  it('refuses non-2D arrays, pointing to --frame for stacks', () => {
    expect(() => encodePng(ndarray('float32', [3, 2, 2]))).toThrow(/--frame N \(0\.\.2\)/);
    expect(() => encodePng(ndarray('float32', [4]))).toThrow(/2D image/);
  });
});

describe('scaling and colormaps', () => {
  it('linear, sqrt and log map [lo, hi] to [0, 1] as documented', () => {
    const v = [0, 1, 4, 1000, NaN];
    expect(Array.from(normalize(v, { scale: 'linear' }))).toEqual([
      0,
      0.0010000000474974513,
      0.004000000189989805,
      1,
      NaN,
    ]);
    const s = normalize(v, { scale: 'sqrt' });
    expect(s[2]).toBeCloseTo(Math.sqrt(0.004), 6);
    const l = normalize([0, 1, 1000], { scale: 'log' });
    // ln(1 + 999·u)/ln(1000): u = 0.001 → ln(1.999)/ln(1000) ≈ 0.10024
    expect(l[1]).toBeCloseTo(Math.log(1.999) / Math.log(1000), 6);
    expect([l[0], l[2]]).toEqual([0, 1]);
    expect(Array.from(normalize([3, 3]))).toEqual([0, 0]);
    expect(Array.from(normalize([0, 5, 10], { range: [0, 5] }))).toEqual([0, 1, 1]);
  });

  it('the viridis table has 256 entries from #440154 to #fde725; gray is the identity', () => {
    // matplotlib's documented viridis end points (matplotlib.org colormap reference).
    const v = COLORMAPS.viridis;
    expect(v.length).toBe(768);
    expect(Array.from(v.subarray(0, 3))).toEqual([0x44, 0x01, 0x54]);
    expect(Array.from(v.subarray(765))).toEqual([0xfd, 0xe7, 0x25]);
    expect(Array.from(applyColormap([0, 0.5, 1, NaN], 'gray'))).toEqual([
      0, 0, 0, 128, 128, 128, 255, 255, 255, 0, 0, 0,
    ]);
  });
});
