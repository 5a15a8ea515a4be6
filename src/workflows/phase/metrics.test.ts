import { describe, expect, it } from 'vitest';
import { assignPhases, evaluatePhaseMap, strongReferencePeaks } from './metrics.js';

const lin = (n: number, a: number, b: number) =>
  Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

function profile(q: Float64Array, centres: number[], sigma = 0.012): Float32Array {
  const y = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    for (const c of centres) y[i]! += Math.exp(-0.5 * ((q[i]! - c) / sigma) ** 2);
  }
  return y;
}

describe('evaluatePhaseMap', () => {
  const q = lin(147, 0.10777668889613681, 1.318191810345058);
  const a = [0.32, 0.52, 0.74];
  const b = [0.41, 0.66, 1.02];
  // 4 pixels: 3 of phase A (with a small shift of 0.004 Å⁻¹), 1 of phase B; phase C absent
  const shift = 0.004;
  const pa = profile(
    q,
    a.map((c) => c + shift),
  );
  const pb = profile(q, b);
  const y = new Float32Array(4 * 147);
  y.set(pa, 0);
  y.set(pa, 147);
  y.set(pa, 294);
  y.set(pb, 441);
  const pred = Float32Array.from([0.9, 0.05, 0.05, 0.8, 0.1, 0.1, 0.7, 0.2, 0.1, 0.1, 0.8, 0.1]);
  const refs = [
    a.map((x) => ({ q: x, intensity: 10 })).concat([{ q: 1.2, intensity: 0.1 }]),
    b.map((x) => ({ q: x, intensity: 5 })),
    [{ q: 0.5, intensity: 1 }],
  ];

  it('measures the distance of found peaks to reference reflections per phase', () => {
    const r = evaluatePhaseMap(q, y, pred, ['A', 'B', 'C'], refs, {
      peakFinder: { medfiltRadius: 0 },
    });
    const ra = r[0]!;
    expect(ra.status).toBe('present');
    if (ra.status !== 'present') return;
    expect(ra.pixels).toBe(3);
    expect(ra.fraction).toBeCloseTo(0.75);
    expect(ra.foundPeaks).toHaveLength(3);
    expect(ra.meanDistance!).toBeCloseTo(shift, 3);
    expect(ra.weightedMeanDistance!).toBeCloseTo(shift, 3);
    expect(ra.fractionStrongFound).toBe(1);
    // the weak 1.2 Å⁻¹ reflection (1 % of the strongest) is filtered out
    expect(ra.referencePeaks.map((p) => p.q)).toEqual(a);
    const rb = r[1]!;
    expect(rb.status === 'present' && rb.meanDistance!).toBeLessThan(0.001);
  });

  it('reports a phase with no pixels as absent, never NaN', () => {
    const r = evaluatePhaseMap(q, y, pred, ['A', 'B', 'C'], refs);
    expect(r[2]).toEqual({ phase: 'C', status: 'absent', pixels: 0, fraction: 0 });
    expect(JSON.stringify(r)).not.toMatch(/NaN/);
  });

  it('rejects inconsistent shapes', () => {
    expect(() => evaluatePhaseMap(q, y, pred.subarray(1), ['A', 'B', 'C'], refs)).toThrow(
      /pred has/,
    );
    expect(() => evaluatePhaseMap(q, y.subarray(1), pred, ['A', 'B', 'C'], refs)).toThrow(
      /multiple/,
    );
    expect(() => evaluatePhaseMap(q, y, pred, ['A', 'B'], refs)).toThrow(/reference lists/);
  });

  it('assignPhases and strongReferencePeaks', () => {
    expect(Array.from(assignPhases(Float32Array.from([0.1, 0.9, 0.6, 0.4]), 2))).toEqual([1, 0]);
    expect(() => assignPhases(new Float32Array(3), 2)).toThrow();
    expect(
      strongReferencePeaks(
        [
          { q: 0.2, intensity: 100 },
          { q: 0.3, intensity: 4 },
          { q: 5, intensity: 1000 },
        ],
        0.1,
        1,
        0.05,
      ),
    ).toEqual([{ q: 0.2, relativeIntensity: 1 }]);
  });
});
