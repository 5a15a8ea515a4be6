import { describe, expect, it } from 'vitest';
import { backgroundMap, DEAD_VALUE, peakAmplitude, planScan, renderFrame } from './scene.js';

describe('synthetic scans', () => {
  it('the same seed gives the same frames; another seed other frames', () => {
    const a = renderFrame(planScan({ frames: 6, height: 40, width: 60, seed: 3 }), 2);
    const b = renderFrame(planScan({ frames: 6, height: 40, width: 60, seed: 3 }), 2);
    const c = renderFrame(planScan({ frames: 6, height: 40, width: 60, seed: 4 }), 2);
    expect(Buffer.from(a.counts.buffer).equals(Buffer.from(b.counts.buffer))).toBe(true);
    expect(Buffer.from(a.counts.buffer).equals(Buffer.from(c.counts.buffer))).toBe(false);
  });

  it('masks a lone peak where its noise-free intensity exceeds 10 % of its maximum', () => {
    const plan = planScan({ frames: 3, height: 40, width: 40, seed: 1, density: 0 });
    plan.background = { flat: 1, streaks: [] };
    plan.hot = [];
    plan.dead = [];
    plan.peaks = [
      {
        kind: 'gaussian',
        y: 20,
        x: 20,
        dy: 0,
        dx: 0,
        su: 2,
        sv: 2,
        theta: 0,
        amplitude: 1000,
        f0: 1,
        fw: 1,
      },
    ];
    const r = renderFrame(plan, 1);
    // exp(−r²/8) > 0.1 ⇔ r² < 8 ln 10 = 18.42: the lattice points with x² + y² ≤ 18.
    let expected = 0;
    for (let y = -5; y <= 5; y++)
      for (let x = -5; x <= 5; x++) if (x * x + y * y < 8 * Math.log(10)) expected++;
    let area = 0;
    for (const v of r.truth) if (v) area++;
    expect(area).toBe(expected);
    expect(r.peakOf).toEqual([0]);
    // Counting noise: the centre pixel is Poisson(1001), within 6σ.
    expect(Math.abs(r.counts[20 * 40 + 20]! - 1001)).toBeLessThan(6 * Math.sqrt(1001));
    // Far off the rocking maximum the peak is too weak to label.
    plan.peaks[0]!.f0 = 50;
    expect(peakAmplitude(plan.peaks[0]!, 1)).toBeLessThan(1);
    expect(renderFrame(plan, 1).peakOf).toEqual([]);
  });

  it('has dead pixels at −2, hot pixels, and a saturation ceiling', () => {
    const plan = planScan({ frames: 4, seed: 9 });
    const r = renderFrame(plan, 0);
    for (const i of plan.dead) expect(r.counts[i]).toBe(DEAD_VALUE);
    for (const [i, c] of plan.hot) expect(r.counts[i]).toBe(Math.min(c, plan.saturation));
    let max = -Infinity;
    for (const v of r.counts) if (v > max) max = v;
    expect(max).toBeLessThanOrEqual(plan.saturation);
    expect(plan.masked.length).toBeGreaterThan(0);
    expect(backgroundMap(plan, 0).length).toBe(195 * 487);
  });
});
