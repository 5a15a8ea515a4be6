import { describe, expect, it } from 'vitest';
import {
  centroidCrop,
  clipNegatives,
  fitSize,
  MAX_SIDE,
  preparePattern,
  rescaleResize,
  subtractBorderMean,
  subtractGaussianBackground,
  type Img,
} from './preprocess.js';
import { scaleLoop, summarise } from './predict.js';

/** A bright disc of radius r at (cy, cx) on a dim background. */
function disc(ny: number, nx: number, cy: number, cx: number, r: number, bg = 1): Img {
  const data = new Float64Array(ny * nx);
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) data[y * nx + x] = Math.hypot(y - cy, x - cx) <= r ? 100 : bg;
  return { data, ny, nx };
}

describe('PACBED preprocessing (the seed HEAD pipeline)', () => {
  it('clips negative values to 0', () => {
    const a = clipNegatives({ data: Float64Array.from([-2, 0, 3, -0.5]), ny: 2, nx: 2 });
    expect(Array.from(a.data)).toEqual([0, 0, 3, 0]);
  });

  it('crops the largest square centred on an off-centre disc', () => {
    const c = centroidCrop(disc(60, 80, 25, 50, 8));
    expect(c.centre[0]).toBeCloseTo(25, 6);
    expect(c.centre[1]).toBeCloseTo(50, 6);
    // nearest edge: the top (25 px), so a 50 × 50 square about (25, 50)
    expect([c.ny, c.nx]).toEqual([50, 50]);
    // the disc sits in the middle of the crop
    const mid = c.data[25 * 50 + 25]!;
    expect(mid).toBe(100);
    expect(c.data[25 * 50 + 25 - 8]).toBe(100);
    expect(c.data[25 * 50 + 25 - 10]).toBe(1);
    expect(c.data[(25 - 10) * 50 + 25]).toBe(1);
  });

  it('subtracts the border-frame mean (background A) and clips at 0', () => {
    const a = subtractBorderMean(disc(20, 20, 10, 10, 4, 3));
    expect(a.data[0]).toBe(0);
    expect(a.data[10 * 20 + 10]).toBe(97);
  });

  it('background B removes a broad Gaussian of A and keeps the disc the brightest', () => {
    const a = subtractBorderMean(disc(30, 30, 15, 15, 5, 2));
    const b = subtractGaussianBackground(a);
    const centre = b.data[15 * 30 + 15]!;
    expect(centre).toBeLessThan(a.data[15 * 30 + 15]!);
    // the broad blur is largest at the centre: the disc stays, the surroundings go below 0
    expect(centre).toBeGreaterThan(90);
    expect(b.data[15 * 30 + 4]!).toBeLessThan(0);
  });

  it('downsizes a pattern larger than 680 px and upscales one smaller than the network', () => {
    const big = fitSize(disc(700, 720, 350, 360, 100), 64);
    expect([big.ny, big.nx]).toEqual([MAX_SIDE, MAX_SIDE]);
    const small = fitSize(disc(20, 20, 10, 10, 5), 64);
    expect([small.ny, small.nx]).toEqual([64, 64]);
    const same = disc(100, 100, 50, 50, 10);
    expect(fitSize(same, 64)).toBe(same);
  });

  it('rescales to [-1, 1] and zooms by 1/s (s > 1 enlarges the disc)', () => {
    const a = subtractBorderMean(disc(64, 64, 32, 32, 10));
    const x1 = rescaleResize(a, 1, 32);
    expect(Math.min(...x1)).toBe(-1);
    expect(Math.max(...x1)).toBe(1);
    const bright = (x: Float32Array) => x.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
    const x2 = rescaleResize(a, 1.5, 32);
    expect(bright(x2) / bright(x1)).toBeGreaterThan(1.8);
    expect(bright(x2) / bright(x1)).toBeLessThan(2.7);
  });

  it('prepares A and B on the crop about the disc', () => {
    const p = preparePattern(disc(90, 70, 40, 30, 9), 32);
    expect(p.crop).toBe(60);
    expect(p.a.ny).toBe(60);
    expect(p.b.nx).toBe(60);
  });
});

describe('scale loop and the probability summary', () => {
  it('damps the updates: s_k = (k + (5 − k)·s)/5, at most 6 updates', () => {
    const values = [0.5, 1, 2];
    // a classifier that always says 2 with certainty: never stops on s = 1 or p < 0.5
    const r = scaleLoop(() => Float64Array.from([0, 0, 1]), values);
    const want = [1];
    for (let k = 0; k < 6; k++) want.push(want[want.length - 1]! * ((k + (5 - k) * 2) / 5));
    expect(r.steps).toHaveLength(7);
    expect(r.steps.map((s) => s.total)).toEqual([...want.slice(1), want[6]]);
    expect(r.scale).toBeCloseTo(want[6]!, 12);
  });

  it('stops at once on scale 1 or a probability below 0.5', () => {
    expect(scaleLoop(() => Float64Array.from([0, 1, 0]), [0.5, 1, 2]).scale).toBe(1);
    expect(scaleLoop(() => Float64Array.from([0.3, 0.3, 0.4]), [0.5, 1, 2]).steps).toHaveLength(1);
  });

  it('gives the arg-max value, the expected value and the spread', () => {
    const s = summarise([10, 20, 30], [0.25, 0.5, 0.25]);
    expect(s.value).toBe(20);
    expect(s.expected).toBeCloseTo(20, 12);
    expect(s.spread).toBeCloseTo(Math.sqrt(50), 12);
  });
});
