/**
 * Choosing the peak clusters (the best-ranked prefix by pixel IoU with the reference) and
 * decoding clusters into instances (8-connected components, minimum area, mean peak
 * probability as the confidence, the threshold, ids by confidence) on hand-made cases.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import { ClusterCounter, choosePeakClusters, decodeClusters } from './clusters.js';

describe('peak clusters', () => {
  it('takes the clusters that make up the reference and stops before background ones', () => {
    // cluster 7: 90 px, all reference (a core); 3: 60 px, 40 reference (a halo);
    // 5: 50 px, 5 reference (mostly background); 0: 10 000 px, 5 reference (background)
    const c = new ClusterCounter(10);
    const assign: number[] = [];
    const ref: number[] = [];
    const put = (cl: number, n: number, r: number): void => {
      for (let i = 0; i < n; i++) {
        assign.push(cl);
        ref.push(i < r ? 1 : 0);
      }
    };
    put(7, 90, 90);
    put(3, 60, 40);
    put(5, 50, 5);
    put(0, 10_000, 5);
    c.add(assign, ref);
    expect(c.referenceTotal).toBe(140);
    const choice = choosePeakClusters(c.stats(), c.referenceTotal);
    // prefixes: {7} 90/140 = 0.643; {7,3} 130/(150+140−130) = 0.8125; {7,3,5} 135/(200+5) = 0.659
    expect(choice.clusters).toEqual([3, 7]);
    expect(choice.iou).toBeCloseTo(130 / 160, 10);
    expect(choice.ranked.map((s) => s.cluster)).toEqual([7, 3, 5, 0]);
  });

  it('refuses to choose without any reference pixel', () => {
    const c = new ClusterCounter(3);
    c.add([0, 1, 2], [0, 0, 0]);
    expect(() => choosePeakClusters(c.stats(), c.referenceTotal)).toThrow(ValidationError);
  });
});

describe('cluster decoding', () => {
  // 4 × 6 frame: a 2 × 2 blob (prob 0.9), a diagonal pair (8-connected, prob 0.5), one lone
  // pixel (prob 0.95)
  const h = 4;
  const w = 6;
  const peak = new Uint8Array(h * w);
  const prob = new Float32Array(h * w);
  const set = (y: number, x: number, p: number): void => {
    peak[y * w + x] = 1;
    prob[y * w + x] = p;
  };
  set(0, 0, 0.9);
  set(0, 1, 0.9);
  set(1, 0, 0.9);
  set(1, 1, 0.9);
  set(2, 4, 0.5);
  set(3, 5, 0.5);
  set(3, 0, 0.95);

  it('8-connected components ≥ minPixels, ids by descending mean probability', () => {
    const d = decodeClusters(peak, prob, h, w, { minPixels: 2, threshold: 0.4 });
    expect(d.candidates).toBe(3);
    expect(d.confidence.map((v) => +v.toFixed(4))).toEqual([0.9, 0.5]);
    expect(d.mask[0]).toBe(1);
    expect(d.mask[1 * w + 1]).toBe(1);
    expect(d.mask[2 * w + 4]).toBe(2);
    expect(d.mask[3 * w + 5]).toBe(2);
    expect(d.mask[3 * w + 0]).toBe(0); // the lone pixel is under minPixels
  });

  it('the threshold drops unconfident instances; minPixels 1 keeps single pixels', () => {
    const d = decodeClusters(peak, prob, h, w, { minPixels: 1, threshold: 0.6 });
    expect(d.confidence.map((v) => +v.toFixed(4))).toEqual([0.95, 0.9]);
    expect(d.mask[3 * w]).toBe(1);
    expect(d.mask[2 * w + 4]).toBe(0);
    expect(() => decodeClusters(peak, prob, h, w, { threshold: 2 })).toThrow(ValidationError);
    expect(() => decodeClusters(peak, prob, h, w, { minPixels: 0 })).toThrow(ValidationError);
  });
});
