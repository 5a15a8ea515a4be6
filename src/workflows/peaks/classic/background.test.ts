import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { boxStats } from '../../../core/signal/box2d.js';
import { localBackground } from './background.js';

const H = 60;
const W = 90;

/** A smooth background (gradient + broad ring, counts) with Poisson noise and bright peaks. */
function scene(seed: number) {
  const rng = createRng(seed);
  const truth = new Float32Array(H * W);
  const frame = new Float32Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const r = Math.hypot(y - 70, x - 45);
      const b = 20 + 0.2 * x + 15 * Math.exp(-((r - 50) ** 2) / (2 * 12 ** 2));
      let v = b;
      for (const [py, px] of [
        [15, 20],
        [40, 60],
        [30, 80],
      ] as const)
        v += 2000 * Math.exp(-((y - py) ** 2 + (x - px) ** 2) / 4);
      truth[y * W + x] = b;
      frame[y * W + x] = rng.poisson(v);
    }
  return { frame, truth };
}

const opts = { radius: 12, passes: 5, clip: 3 };

describe('localBackground', () => {
  it('grid 1 with one pass is the box mean and standard deviation', () => {
    const { frame } = scene(1);
    const b = localBackground(frame, H, W, { ...opts, passes: 1, grid: 1 });
    const s = boxStats(frame, H, W, opts.radius);
    expect(Array.from(b.mean)).toEqual(Array.from(s.mean));
    expect(Array.from(b.std)).toEqual(Array.from(s.std));
  });

  it('the coarse grid follows the exact background within a fraction of the counting noise', () => {
    for (const seed of [2, 3]) {
      const { frame, truth } = scene(seed);
      const exact = localBackground(frame, H, W, { ...opts, grid: 1 });
      const coarse = localBackground(frame, H, W, { ...opts, grid: 4 });
      let worst = 0;
      let offCoarse = 0;
      let offExact = 0;
      for (let i = 0; i < H * W; i++) {
        const noise = Math.sqrt(truth[i]!);
        worst = Math.max(worst, Math.abs(coarse.mean[i]! - exact.mean[i]!) / noise);
        offCoarse += Math.abs(coarse.mean[i]! - truth[i]!) / noise / (H * W);
        offExact += Math.abs(exact.mean[i]! - truth[i]!) / noise / (H * W);
      }
      expect(worst).toBeLessThan(0.35);
      // The clipped peaks do not lift the background: on average both stay within a
      // fraction of the noise of the noise-free background, the coarse grid nearly as close as the exact.
      expect(offExact).toBeLessThan(0.4);
      expect(offCoarse).toBeLessThan(offExact + 0.08);
    }
  });

  it('is the constant of a flat frame, for any size, grid and radius', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 1000 }),
        (h, w, grid, radius, c) => {
          const f = new Float32Array(h * w).fill(c);
          const b = localBackground(f, h, w, { radius, passes: 3, clip: 3, grid });
          for (let i = 0; i < h * w; i++) {
            expect(b.mean[i]).toBeCloseTo(c, 3);
            expect(b.std[i]).toBeCloseTo(0, 3);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('leaves masked pixels out', () => {
    const { frame } = scene(4);
    const bad = new Uint8Array(H * W);
    const hot = Float32Array.from(frame);
    for (let i = 0; i < H * W; i += 37) {
      hot[i] = 1e6;
      bad[i] = 1;
    }
    for (const grid of [1, 4]) {
      const clean = localBackground(frame, H, W, { ...opts, grid }, bad);
      const dirty = localBackground(hot, H, W, { ...opts, grid }, bad);
      expect(Array.from(dirty.mean)).toEqual(Array.from(clean.mean));
    }
  });
});
