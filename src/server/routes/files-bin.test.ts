/**
 * `GET /api/files/data?bin=B`: the block-mean overview of a 2D selection (the Files page's view
 * of an image bigger than one answer). The answer equals block means computed here from the
 * whole array, read in several strips (a small NPY limit), with partial edge blocks and NaN
 * pixels left out of their block; its axes are the binned ones; the limits hold on the answer,
 * and bad bins are 4xx naming `bin`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndarray } from '../../core/ndarray.js';
import { writeNpy } from '../../formats/npy/npy.js';
import { testServer } from '../../../test/support/server/server.js';
import type { TestServer } from '../../../test/support/server/server.js';

const H = 37;
const W = 50;
const pixel = (y: number, x: number) =>
  y === 3 && x === 4 ? NaN : y * 1000 + x * 7 + ((y * x) % 5);

let s: TestServer;
beforeAll(async () => {
  // strips of at most 200 elements: the 37 × 50 image is read in many
  s = await testServer({ limits: { jsonElements: 100, npyElements: 200, pngSide: 16 } });
  const data = new Float32Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = pixel(y, x);
  writeFileSync(join(s.dataDir, 'big.npy'), writeNpy(ndarray('float32', [H, W], data)));
  const stack = new Float32Array(2 * H * W);
  stack.set(data, H * W);
  writeFileSync(join(s.dataDir, 'stack.npy'), writeNpy(ndarray('float32', [2, H, W], stack)));
});
afterAll(() => s.dispose());

const get = (url: string) => s.app.inject({ url });

/** Block means of `pixel` over [y0, y1) × [x0, x1), NaNs left out (null: a block of NaNs). */
function expected(bin: number, y0 = 0, y1 = H, x0 = 0, x1 = W): (number | null)[] {
  const out: (number | null)[] = [];
  for (let by = y0; by < y1; by += bin) {
    for (let bx = x0; bx < x1; bx += bin) {
      let sum = 0;
      let n = 0;
      for (let y = by; y < Math.min(by + bin, y1); y++) {
        for (let x = bx; x < Math.min(bx + bin, x1); x++) {
          const v = Math.fround(pixel(y, x));
          if (!Number.isNaN(v)) [sum, n] = [sum + v, n + 1];
        }
      }
      out.push(n ? sum / n : null);
    }
  }
  return out;
}

describe('GET /api/files/data?bin', () => {
  it('answers the block means of the whole image, read in strips', async () => {
    const r = await get('/api/files/data?root=data0&path=big.npy&bin=8');
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json<{ shape: number[]; dtype: string; data: (number | null)[]; axes: { scale: number; offset: number }[] }>(); // prettier-ignore
    expect(b.shape).toEqual([Math.ceil(H / 8), Math.ceil(W / 8)]);
    expect(b.dtype).toBe('float64');
    const want = expected(8);
    expect(b.data).toHaveLength(want.length);
    for (const [i, v] of want.entries()) expect(b.data[i]).toBeCloseTo(v!, 6);
    // pixel-index axes: scale × 8, offset at the first block's centre
    expect(b.axes.map((a) => [a.scale, a.offset])).toEqual([
      [8, 3.5],
      [8, 3.5],
    ]);
  });

  it('bins a slice of a frame, the whole answer under the limits', async () => {
    const r = await get('/api/files/data?root=data0&path=stack.npy&frame=1&slice=5:30,10:47&bin=4');
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json<{ shape: number[]; data: number[] }>();
    expect(b.shape).toEqual([Math.ceil(25 / 4), Math.ceil(37 / 4)]);
    const want = expected(4, 5, 30, 10, 47);
    for (const [i, v] of want.entries()) expect(b.data[i]).toBeCloseTo(v!, 6);
    // PNG of the binned view: 5 × 7 px within the 16 px limit
    const png = await get('/api/files/data?root=data0&path=big.npy&bin=8&format=png');
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
  });

  it('keeps the limits on the answer and refuses bad bins naming the field', async () => {
    // 37 × 50 binned by 2 is 19 × 25 = 475 elements > the 100 JSON elements allowed
    const big = await get('/api/files/data?root=data0&path=big.npy&bin=2');
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('LIMIT');
    for (const [q, field] of [
      ['bin=0', 'bin'],
      ['bin=x', 'bin'],
      ['bin=1.5', 'bin'],
      ['bin=4&slice=3', 'bin'], // a 1D selection
    ] as const) {
      const r = await get(`/api/files/data?root=data0&path=big.npy&${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().error.field, q).toBe(field);
    }
    // bin=1 is the plain selection
    const one = await get('/api/files/data?root=data0&path=big.npy&bin=1&slice=0:2,0:3');
    expect(one.json().data).toEqual([0, 7, 14, 1000, 1008, 1016]);
  });
});
