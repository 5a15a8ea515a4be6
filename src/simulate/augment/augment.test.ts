import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { createRng } from '../../core/rng.js';
import type { SpotList } from '../kinematic/pattern.js';
import {
  addBackground1d,
  addBackground2d,
  cropQ,
  drawLatticeScale,
  jitterCalibration,
  minMaxNormalise,
  minMaxNormaliseRows,
  pickFrom,
  poissonNoise,
  removeBrightestSpots,
  seedNoise,
  shift1d,
  shift2d,
  spikes,
} from './index.js';

function spots(n: number): SpotList {
  return {
    count: n,
    hkl: new Int32Array(3 * n),
    kx: new Float64Array(n),
    ky: new Float64Array(n),
    intensity: Float64Array.from({ length: n }, (_, i) => i + 1),
    excitationError: new Float64Array(n),
  };
}

describe('augmentations', () => {
  it('draws stay in their ranges and are reproducible by seed', () => {
    const a = createRng(1);
    const b = createRng(1);
    for (let i = 0; i < 1000; i++) {
      const s = drawLatticeScale(a, [0.8, 1.1]);
      expect(s).toBeGreaterThanOrEqual(0.8);
      expect(s).toBeLessThan(1.1);
      expect(drawLatticeScale(b, [0.8, 1.1])).toBe(s);
      const c = jitterCalibration(a, 0.00588, 5);
      jitterCalibration(b, 0.00588, 5);
      expect(Math.abs(c / 0.00588 - 1)).toBeLessThanOrEqual(0.05);
      expect([1, 2, 3]).toContain(pickFrom(a, [1, 2, 3]));
      pickFrom(b, [1, 2, 3]);
    }
    expect(() => pickFrom(a, [])).toThrow(ValidationError);
    expect(() => drawLatticeScale(a, [1.1, 0.8])).toThrow(ValidationError);
  });

  it('removes only among the k brightest spots', () => {
    const sp = spots(50);
    const removed = removeBrightestSpots(createRng(3), sp, 20, 7);
    expect(removed.length).toBe(7);
    for (const i of removed) expect(i).toBeGreaterThanOrEqual(30);
    expect([...sp.intensity].filter((v) => v === 0).length).toBe(7);
    const counts = new Set<number>();
    for (let s = 0; s < 200; s++)
      counts.add(removeBrightestSpots(createRng(s), spots(50), 20).length);
    expect(Math.min(...counts)).toBe(0);
    expect(Math.max(...counts)).toBe(20);
  });

  it('Poisson noise has the requested SNR at the brightest pixel', () => {
    const n = 20000;
    const data = new Float64Array(n).fill(2.5);
    poissonNoise(createRng(5), data, 10);
    let m = 0;
    let v = 0;
    for (const x of data) m += x / n;
    for (const x of data) v += (x - m) ** 2 / n;
    expect(m).toBeCloseTo(2.5, 1);
    expect(m / Math.sqrt(v)).toBeGreaterThan(9.5);
    expect(m / Math.sqrt(v)).toBeLessThan(10.5);
  });

  it('spikes hit the requested fraction; seed noise normalises and spikes (1 − snr)/2', () => {
    const data = new Float32Array(100000);
    spikes(createRng(9), data, 0.1, 5);
    const frac = data.filter((x) => x === 5).length / data.length;
    expect(frac).toBeGreaterThan(0.095);
    expect(frac).toBeLessThan(0.105);
    const img = Float32Array.from({ length: 10000 }, (_, i) => (i % 100) / 10);
    seedNoise(createRng(2), img, 0.9, 0.5);
    const spiked = img.filter((x) => x === 0.5).length / img.length;
    expect(spiked).toBeGreaterThan(0.04);
    expect(spiked).toBeLessThan(0.06);
    expect(Math.max(...img)).toBeLessThanOrEqual(1);
    expect(createRng(2).next()).toBe(createRng(2).next());
  });

  it('background A·exp(−τq) in 1D and 2D', () => {
    const q = Float64Array.from([0, 0.5, 1]);
    const y = addBackground1d(new Float64Array(3), q, 2, 1.5);
    expect([...y]).toEqual([2, 2 * Math.exp(-0.75), 2 * Math.exp(-1.5)]);
    const img = addBackground2d(new Float32Array(16), 4, 4, 0.1, 1, 2);
    expect(img[2 * 4 + 2]).toBeCloseTo(1, 6); // centre (2, 2)
    expect(img[2 * 4 + 3]).toBeCloseTo(Math.exp(-0.2), 6);
  });

  it('min-max normalisation, per row, and q crop', () => {
    const d = minMaxNormalise(Float64Array.from([2, 4, NaN, 6]));
    expect([...d]).toEqual([0, 0.5, 0, 1]);
    const rows = minMaxNormaliseRows(Float64Array.from([1, 2, 3, 10, 20, 30]), 3);
    expect([...rows]).toEqual([0, 0.5, 1, 0, 0.5, 1]);
    const c = cropQ([0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4], 0.15, 0.35);
    expect([...c.q]).toEqual([0.2, 0.3]);
    expect([...c.y]).toEqual([2, 3]);
  });

  it('sub-pixel shifts move the centroid by the shift (1D and 2D)', () => {
    const y = new Float64Array(50);
    y[20] = 1;
    const s = Array.from(shift1d(y, 0.3));
    const c1 = s.reduce((acc, v, i) => acc + v * i, 0) / s.reduce((a, v) => a + v, 0);
    expect(c1).toBeCloseTo(20.3, 10);
    const img = new Float32Array(20 * 20);
    img[10 * 20 + 10] = 1;
    const out = shift2d(img, 20, 20, 0.25, -0.5);
    let sx = 0;
    let sy = 0;
    let sum = 0;
    out.forEach((v, i) => {
      sx += v * (i % 20);
      sy += v * Math.floor(i / 20);
      sum += v;
    });
    expect(sx / sum).toBeCloseTo(10.25, 6);
    expect(sy / sum).toBeCloseTo(9.5, 6);
  });
});
