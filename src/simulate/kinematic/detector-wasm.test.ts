/**
 * The detector kernels (wasm/assembly/detector.ts) against the JS reference: renderPattern
 * bit for bit (random spot lists with spots partly or wholly off the detector, σ tiny and
 * large, shifts, the direct beam, more stencils than one kernel call holds, JS or WASM
 * weights), the maximum exactly, the normalised pixels bit for bit with ring sums within
 * 1e-14 relative (summation order), the Poisson step's grouping exactly, and bounds.
 * Skipped where dist/wasm/detector.wasm is not built (`npm run build`).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRadialIntegrator, renderPattern } from './detector.js';
import type { DetectorOptions } from './detector.js';
import { createDetectorKernel, detectorKernelFile } from './detector-wasm.js';
import type { SpotList } from './pattern.js';

const built = existsSync(detectorKernelFile());

/** xorshift32 in [0, 1). */
function uniform(seed: number): () => number {
  let u = seed >>> 0 || 1;
  return () => {
    u ^= u << 13;
    u ^= u >>> 17;
    u ^= u << 5;
    return (u >>> 0) / 2 ** 32;
  };
}

/** `count` spots over a square of ±extent Å⁻¹ (beyond the detector for extent > size/2·cal). */
function spotList(count: number, extent: number, seed: number): SpotList {
  const r = uniform(seed);
  const s: SpotList = {
    count,
    hkl: new Int32Array(3 * count),
    kx: new Float64Array(count),
    ky: new Float64Array(count),
    intensity: new Float64Array(count),
    excitationError: new Float64Array(count),
  };
  for (let i = 0; i < count; i++) {
    s.kx[i] = (2 * r() - 1) * extent;
    s.ky[i] = (2 * r() - 1) * extent;
    s.intensity[i] = r() ** 3 * 100;
  }
  return s;
}

function kernelFor(size: number, bins = 20) {
  const integ = createRadialIntegrator(size, size, { calibration: 0.01, bins });
  const k = createDetectorKernel(size, bins, integ.binOf);
  if (!k) throw new Error('detector.wasm not built');
  return { k, integ };
}

function sameBits(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) diff++;
  return diff;
}

describe.skipIf(!built)('detector kernels ≡ the JS reference', () => {
  it('renderPattern: the same float32 image, bit for bit, on edge cases', () => {
    const size = 67; // odd: no multiple of the SIMD width
    const { k } = kernelFor(size);
    const cal = 0.01;
    const cases: [SpotList, DetectorOptions][] = [
      // spots over twice the detector: partly and wholly off it
      [spotList(300, 0.7, 1), { sigmaPx: 2.5 }],
      [spotList(200, 0.4, 2), { sigmaPx: 0.05 }], // rad 1, exp underflows to 0 off-centre
      [spotList(50, 0.4, 3), { sigmaPx: 0.004 }], // exp(−x) for x < −745
      [spotList(40, 0.5, 4), { sigmaPx: 30 }], // rad 120: every spot covers the detector
      [spotList(400, 0.4, 5), { sigmaPx: 100 }], // rad 400: several kernel calls per image
      [spotList(100, 0.35, 6), { sigmaPx: 1.3, shift: [0.37, -4.2], directBeam: 50 }],
      [spotList(100, 0.35, 7), { sigmaPx: 7, centre: [3.5, 60.25] }],
      [spotList(0, 0.3, 8), { sigmaPx: 1, directBeam: 1 }],
    ];
    for (const [spots, o] of cases) {
      const opts = { ...o, size, calibration: cal };
      const ref = renderPattern(spots, opts);
      const max = k.renderPattern(spots, opts);
      expect(sameBits(ref, k.img), JSON.stringify(o)).toBe(0);
      let want = 0;
      for (const v of ref) if (v > want) want = v;
      expect(k.max()).toBe(want);
      expect(max).toBe(want);
    }
    expect(k.img.some((v) => v > 0)).toBe(true);
    // Negative intensities: the maximum is scanned, not tracked.
    const neg = spotList(30, 0.2, 13);
    for (let i = 0; i < neg.count; i += 2) neg.intensity[i] = -neg.intensity[i]!;
    const opts = { size, calibration: cal, sigmaPx: 3 };
    const ref = renderPattern(neg, opts);
    let want = 0;
    for (const v of ref) if (v > want) want = v;
    expect(k.renderPattern(neg, opts)).toBe(want);
    expect(sameBits(ref, k.img)).toBe(0);
  });

  it('JS weights (BRAGG_DETECTOR_JS_WEIGHTS) give the same image', () => {
    const size = 40;
    const prev = process.env.BRAGG_DETECTOR_JS_WEIGHTS;
    process.env.BRAGG_DETECTOR_JS_WEIGHTS = '1';
    let k;
    try {
      k = kernelFor(size).k;
    } finally {
      if (prev === undefined) delete process.env.BRAGG_DETECTOR_JS_WEIGHTS;
      else process.env.BRAGG_DETECTOR_JS_WEIGHTS = prev;
    }
    expect(k.wasmWeights).toBe(false);
    const spots = spotList(150, 0.3, 9);
    const opts = { size, calibration: 0.01, sigmaPx: 3.3 };
    k.renderPattern(spots, opts);
    expect(sameBits(renderPattern(spots, opts), k.img)).toBe(0);
    // Here the kernel's exp equals Math.exp, so it computes the weights itself.
    expect(kernelFor(size).k.wasmWeights).toBe(true);
  });

  it('normaliseSum: pixels f32(v / M) bit for bit, ring sums within 1e-14', () => {
    const size = 53;
    const bins = 17;
    const { k, integ } = kernelFor(size, bins);
    const spots = spotList(120, 0.3, 10);
    const opts = { size, calibration: 0.01, sigmaPx: 2 };
    const ref = renderPattern(spots, opts);
    k.renderPattern(spots, opts);
    const m = k.max();
    const sums = new Float64Array(bins);
    k.normaliseSum(m, sums);
    const want = new Float64Array(bins);
    for (let i = 0; i < ref.length; i++) {
      ref[i] = ref[i]! / m;
      const b = integ.binOf[i]!;
      if (b >= 0) want[b] = want[b]! + ref[i]!;
    }
    expect(sameBits(ref, k.img)).toBe(0);
    for (let b = 0; b < bins; b++) {
      expect(Math.abs(sums[b]! - want[b]!)).toBeLessThanOrEqual(1e-14 * Math.abs(want[b]!));
    }
    expect(want.some((v) => v > 0)).toBe(true);
    // Salted pixels (increasing indices, the first, the last, runs, outside every ring) count
    // as fs: the JS path's Σ z − Σ_salted z + k·fs.
    const r = uniform(12);
    const salted: number[] = [0, 1, 2, 3, 4, 9];
    for (let i = 10; i < size * size - 1; i++) if (r() < 0.05) salted.push(i);
    salted.push(size * size - 1);
    k.renderPattern(spots, opts);
    k.salt.set(salted);
    const fs = Math.fround(0.25);
    k.normaliseSum(m, sums, salted.length, fs);
    for (const i of salted) {
      const b = integ.binOf[i]!;
      if (b >= 0) want[b] = want[b]! - ref[i]! + fs;
    }
    expect(sameBits(ref, k.img)).toBe(0);
    for (let b = 0; b < bins; b++) {
      expect(Math.abs(sums[b]! - want[b]!)).toBeLessThanOrEqual(1e-14 * Math.abs(want[b]!));
    }
    expect(() => k.normaliseSum(m, sums, size * size + 1, fs)).toThrow(/salt count/);
  });

  it('groupLevels: the bright pixels by binary exponent, in index order per level', () => {
    const size = 61;
    const { k } = kernelFor(size);
    for (const [levels, sigma, count] of [
      [10, 2, 80],
      [10, 6, 300],
      [1, 3, 50],
      [128, 1.5, 60],
      [10, 1, 0],
    ] as const) {
      const opts = { size, calibration: 0.01, sigmaPx: sigma, directBeam: count ? 0 : 1 };
      const spots = spotList(count, 0.3, 11 + levels);
      const ref = renderPattern(spots, opts);
      k.renderPattern(spots, opts);
      const m = k.max();
      const levelStart = new Int32Array(levels + 1);
      k.groupLevels(m, levels, levelStart);
      // Reference: x = f32(v / M); level k = 127 − biased exponent for x ≥ 2^(1 − levels).
      const bits = new Int32Array(ref.buffer);
      const groups: number[][] = Array.from({ length: levels }, () => []);
      for (let i = 0; i < ref.length; i++) {
        ref[i] = ref[i]! / m;
        if (ref[i]! >= 2 ** (1 - levels)) groups[127 - ((bits[i]! >>> 23) & 0xff)]!.push(i);
      }
      expect(sameBits(ref, k.img)).toBe(0);
      let at = 0;
      for (let l = 0; l < levels; l++) {
        expect(levelStart[l]).toBe(at);
        expect(Array.from(k.order.subarray(at, at + groups[l]!.length))).toEqual(groups[l]);
        at += groups[l]!.length;
      }
      expect(levelStart[levels]).toBe(at);
      expect(at).toBeGreaterThan(0);
    }
  });

  it('bounds: wrong sizes and level counts are refused', () => {
    const integ = createRadialIntegrator(10, 10, { calibration: 0.01, bins: 4 });
    expect(() => createDetectorKernel(11, 4, integ.binOf)).toThrow(/bin map/);
    const k = createDetectorKernel(10, 4, integ.binOf)!;
    expect(() => k.renderPattern(spotList(3, 0.05, 1), { size: 12, calibration: 0.01 })).toThrow(
      /kernel's 10/,
    );
    expect(() => k.renderPattern(spotList(3, 0.05, 1), { size: 10, sigmaPx: 0 })).toThrow(/sigma/);
    expect(() => k.groupLevels(1, 0, new Int32Array(1))).toThrow(/levels/);
    expect(() => k.groupLevels(1, 129, new Int32Array(130))).toThrow(/levels/);
    // A spot far off the detector leaves the image zero.
    k.renderPattern(spotList(1, 0, 1), { size: 10, calibration: 0.01, shift: [500, 0] });
    expect(k.max()).toBe(0);
  });
});
