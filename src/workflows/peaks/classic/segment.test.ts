import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelComponents } from '../../../core/signal/labels2d.js';
import { segmentPeaks, type SegmentOptions } from './segment.js';

/**
 * The segmentation by labelling every candidate component of the whole frame (the finder's
 * first implementation): the seeded flood fill must give the same masks and peaks.
 */
function reference(
  frame: Float32Array,
  bg: Float32Array,
  std: Float32Array,
  h: number,
  w: number,
  o: SegmentOptions,
) {
  const n = h * w;
  const snrMap = new Float32Array(n);
  const cand = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const sigma = Math.max(std[i]!, Math.sqrt(Math.max(bg[i]!, 0)), 1);
    const s = (frame[i]! - bg[i]!) / sigma;
    snrMap[i] = s;
    cand[i] = s > o.growSnr ? 1 : 0;
  }
  const comp = labelComponents(cand, h, w, 8);
  const amp = new Float32Array(comp.count + 1);
  for (let i = 0; i < n; i++) {
    const l = comp.labels[i]!;
    if (l > 0) amp[l] = Math.max(amp[l]!, frame[i]! - bg[i]!);
  }
  const fin = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const l = comp.labels[i]!;
    if (l > 0 && frame[i]! - bg[i]! > o.fraction * amp[l]!) fin[i] = 1;
  }
  const regions = labelComponents(fin, h, w, 8);
  const area = new Int32Array(regions.count + 1);
  const seeded = new Uint8Array(regions.count + 1);
  const best = new Float32Array(regions.count + 1);
  for (let i = 0; i < n; i++) {
    const l = regions.labels[i]!;
    if (l === 0) continue;
    area[l]!++;
    if (snrMap[i]! > best[l]!) best[l] = snrMap[i]!;
    if (snrMap[i]! > o.snr && frame[i]! - bg[i]! >= o.minCounts) seeded[l] = 1;
  }
  const newId = new Uint16Array(regions.count + 1);
  const peaks: { id: number; snr: number }[] = [];
  for (let l = 1; l <= regions.count; l++) {
    if (!seeded[l] || area[l]! < o.minPixels || area[l]! > o.maxPixels) continue;
    const id = peaks.length + 1;
    newId[l] = id;
    peaks.push({ id, snr: best[l]! });
  }
  const mask = new Uint16Array(n);
  for (let i = 0; i < n; i++) mask[i] = newId[regions.labels[i]!]!;
  return { mask, peaks };
}

describe('segmentPeaks', () => {
  it('gives the masks and peaks of labelling every candidate component', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.record({
          snr: fc.double({ min: 1, max: 10, noNaN: true }),
          growSnr: fc.double({ min: 0.5, max: 12, noNaN: true }),
          fraction: fc.double({ min: 0, max: 0.9, noNaN: true }),
          minCounts: fc.integer({ min: 0, max: 20 }),
          minPixels: fc.integer({ min: 1, max: 4 }),
          maxPixels: fc.integer({ min: 4, max: 60 }),
        }),
        (h, w, seed, o) => {
          // A few bright blobs over noise-like values, from a small LCG (deterministic).
          let s = seed;
          const rand = (): number => {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            return s / 2 ** 32;
          };
          const n = h * w;
          const frame = new Float32Array(n);
          const bg = new Float32Array(n);
          const std = new Float32Array(n);
          for (let i = 0; i < n; i++) {
            bg[i] = 2 + 8 * rand();
            std[i] = 3 * rand();
            frame[i] = bg[i]! + (rand() < 0.3 ? 60 * rand() : 4 * (rand() - 0.5));
          }
          const got = segmentPeaks(frame, bg, std, h, w, o);
          const want = reference(frame, bg, std, h, w, o);
          expect(got.peaks).toEqual(want.peaks);
          expect(Array.from(got.mask)).toEqual(Array.from(want.mask));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('finds nothing without a seed pixel', () => {
    const f = new Float32Array(12).fill(5);
    const r = segmentPeaks(f, new Float32Array(12).fill(5), new Float32Array(12).fill(1), 3, 4, {
      snr: 8,
      growSnr: 2.5,
      fraction: 0.1,
      minCounts: 5,
      minPixels: 1,
      maxPixels: 10,
    });
    expect(r.peaks).toEqual([]);
    expect(r.mask.every((v) => v === 0)).toBe(true);
  });
});
