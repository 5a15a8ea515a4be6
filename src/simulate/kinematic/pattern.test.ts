import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { orientationFromZoneAxis } from '../orientation/rotations.js';
import { radialProfile, renderPattern } from './detector.js';
import { simulateSpots } from './pattern.js';
import type { SpotList } from './pattern.js';
import { prepareReflections } from './reflections.js';
import { graphite, silicon } from '../../../test/support/simulate/kinematic/crystals.js';

/** True when the spot set maps onto itself (positions and intensities) under (x, y) ↦ op. */
function invariant(
  sp: SpotList,
  op: (x: number, y: number) => [number, number],
  minI: number,
): boolean {
  const strong: number[] = [];
  for (let i = 0; i < sp.count; i++) if (sp.intensity[i]! > minI) strong.push(i);
  return strong.every((i) => {
    const [x, y] = op(sp.kx[i]!, sp.ky[i]!);
    return strong.some(
      (j) =>
        Math.hypot(sp.kx[j]! - x, sp.ky[j]! - y) < 1e-6 &&
        Math.abs(sp.intensity[j]! / sp.intensity[i]! - 1) < 1e-6,
    );
  });
}

const rot =
  (deg: number) =>
  (x: number, y: number): [number, number] => {
    const c = Math.cos((deg * Math.PI) / 180);
    const s = Math.sin((deg * Math.PI) / 180);
    return [c * x - s * y, s * x + c * y];
  };

describe('2D kinematic patterns', () => {
  const si = silicon(0.005);
  const siTable = prepareReflections(si, { gMax: 1.5 });

  it('Si [001] has 4mm symmetry and no forbidden 200 spots', () => {
    const sp = simulateSpots(siTable, orientationFromZoneAxis(si.lattice.direct, [0, 0, 1]), {
      kv: 200,
    });
    expect(sp.count).toBeGreaterThan(10);
    expect(invariant(sp, rot(90), 1e-3)).toBe(true);
    expect(invariant(sp, (x, y) => [-x, y], 1e-3)).toBe(true);
    expect(invariant(sp, (x, y) => [y, x], 1e-3)).toBe(true);
    for (let i = 0; i < sp.count; i++) {
      const hkl = [...sp.hkl.slice(3 * i, 3 * i + 3)].map(Math.abs).sort();
      expect(hkl.join()).not.toBe('0,0,2');
      // zero-order Laue zone of [001]: l = 0 for the spots near the centre
      if (Math.hypot(sp.kx[i]!, sp.ky[i]!) < 0.8) expect(sp.hkl[3 * i + 2]).toBe(0);
    }
    // 220 spots at |g| = 1/1.92004 Å⁻¹.
    const r220 = [...sp.kx]
      .map((x, i) => Math.hypot(x, sp.ky[i]!))
      .filter((r) => Math.abs(r - 1 / 1.92004) < 1e-4);
    expect(r220.length).toBe(4);
  });

  it('graphite [001] has 6mm symmetry', () => {
    const gr = graphite();
    const t = prepareReflections(gr, { gMax: 1.5 });
    const sp = simulateSpots(t, orientationFromZoneAxis(gr.lattice.direct, [0, 0, 1]), { kv: 200 });
    expect(sp.count).toBeGreaterThan(6);
    expect(invariant(sp, rot(60), 1e-3)).toBe(true);
    expect(invariant(sp, (x, y) => [-x, y], 1e-3)).toBe(true);
    expect(invariant(sp, rot(45), 1e-3)).toBe(false);
  });

  it('excitation error of ZOLZ reflections at the zone axis is k − √(k² + g²) ≈ −λg²/2', () => {
    const u = orientationFromZoneAxis(si.lattice.direct, [0, 0, 1]);
    const sp = simulateSpots(siTable, u, { kv: 200, relrod: 0.05 });
    const k = 1 / 0.025079340450563408; // λ(200 kV), pymatgen/CODATA (see wavelength.test.ts)
    let n = 0;
    for (let i = 0; i < sp.count; i++) {
      if (sp.hkl[3 * i + 2] !== 0) continue;
      const g2 = sp.kx[i]! ** 2 + sp.ky[i]! ** 2;
      expect(sp.excitationError[i]!).toBeCloseTo(k - Math.sqrt(k * k + g2), 10);
      expect(sp.excitationError[i]!).toBeCloseTo((-g2 * 0.025079) / 2, 4);
      n++;
    }
    expect(n).toBeGreaterThan(8);
  });

  it('precession brings in more reflections and keeps 4mm', () => {
    const u = orientationFromZoneAxis(si.lattice.direct, [0, 0, 1]);
    const plain = simulateSpots(siTable, u, { kv: 200, relrod: 0.005 });
    const prec = simulateSpots(siTable, u, {
      kv: 200,
      relrod: 0.005,
      precessionDeg: 1,
      precessionSteps: 72,
    });
    expect(prec.count).toBeGreaterThan(plain.count);
    expect(invariant(prec, rot(90), 1e-6)).toBe(true);
  });

  it('precession average of the Lorentzian matches the closed form (Palatinus et al. 2019, eq. 10)', () => {
    // Acta Cryst. B75 (2019) 512, eq. 8–10: with s(θ) = s0 + r·φ·cos θ, the circle average of
    // 1/(1 + σ²s²) is √((u + z)/(2z²)), u = σ²(r²φ² − s0²) + 1, z = √(u² + 4σ²s0²). (diffsims
    // `lorentzian_precession` writes the same with an extra factor 2/π·σ.) The simulator tilts
    // the Ewald sphere exactly; at 0.5° they agree within 0.2 %.
    const u = orientationFromZoneAxis(si.lattice.direct, [1, 1, 2], 13);
    const w = 0.01;
    const phi = (0.5 * Math.PI) / 180;
    const plain = simulateSpots(siTable, u, { kv: 200, relrod: w, maxExcitationError: 10 });
    const prec = simulateSpots(siTable, u, {
      kv: 200,
      relrod: w,
      maxExcitationError: 10,
      precessionDeg: 0.5,
      precessionSteps: 720,
    });
    expect(prec.count).toBe(plain.count);
    let checked = 0;
    for (let i = 0; i < prec.count; i++) {
      const r = Math.hypot(prec.kx[i]!, prec.ky[i]!);
      if (r > 0.8 || plain.intensity[i]! < 1e-3) continue;
      const s0 = prec.excitationError[i]!;
      const f2 = plain.intensity[i]! * (1 + (s0 / w) ** 2);
      const sig = 1 / w;
      const uu = sig * sig * (r * r * phi * phi - s0 * s0) + 1;
      const z = Math.sqrt(uu * uu + 4 * sig * sig * s0 * s0);
      const want = f2 * Math.sqrt((uu + z) / (2 * z * z));
      expect(Math.abs(prec.intensity[i]! / want - 1)).toBeLessThan(0.005);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('large precession (8°): intensities equal a brute-force circle average with the cutoff', () => {
    const u = orientationFromZoneAxis(si.lattice.direct, [1, 1, 1], 3);
    const deg = 8;
    const n = 90;
    const sMax = 0.03;
    const opts = { kv: 200, relrod: 0.01, precessionDeg: deg, precessionSteps: n };
    const fast = simulateSpots(siTable, u, { ...opts, maxExcitationError: sMax });
    // Every reflection (cutoff 10 Å⁻¹ keeps all) with its lab-frame g rebuilt from (kx, ky, s0).
    const all = simulateSpots(siTable, u, { ...opts, maxExcitationError: 10 });
    const k = 1 / 0.025079340450563408;
    const phi = (deg * Math.PI) / 180;
    const lor = (s: number) => 1 / (1 + (s / 0.01) ** 2);
    const want = new Map<string, number>();
    for (let i = 0; i < all.count; i++) {
      const gx = all.kx[i]!;
      const gy = all.ky[i]!;
      const gz = Math.sqrt((k - all.excitationError[i]!) ** 2 - gx * gx - gy * gy) - k;
      let avgAll = 0;
      let avgCut = 0;
      for (let j = 0; j < n; j++) {
        const psi = (2 * Math.PI * j) / n;
        const ax = k * Math.sin(phi) * Math.cos(psi) + gx;
        const ay = k * Math.sin(phi) * Math.sin(psi) + gy;
        const az = k * Math.cos(phi) + gz;
        const s = k - Math.sqrt(ax * ax + ay * ay + az * az);
        avgAll += lor(s);
        if (Math.abs(s) <= sMax) avgCut += lor(s);
      }
      if (avgCut > 0)
        want.set(all.hkl.slice(3 * i, 3 * i + 3).join(), (all.intensity[i]! * avgCut) / avgAll);
    }
    expect(fast.count).toBe(want.size);
    for (let i = 0; i < fast.count; i++) {
      const w = want.get(fast.hkl.slice(3 * i, 3 * i + 3).join());
      expect(w).toBeDefined();
      expect(fast.intensity[i]! / w!).toBeCloseTo(1, 6);
    }
  });

  it('shape functions follow their formulas (Lorentzian, Gaussian, sinc²) and unknown ones throw', () => {
    const u = orientationFromZoneAxis(si.lattice.direct, [1, 1, 0], 7);
    const opts = { kv: 200, relrod: 0.02, maxExcitationError: 0.06 };
    const lor = simulateSpots(siTable, u, { ...opts, shape: 'lorentzian' });
    const gau = simulateSpots(siTable, u, { ...opts, shape: 'gaussian' });
    expect(gau.count).toBe(lor.count);
    for (let i = 0; i < lor.count; i++) {
      const t = lor.excitationError[i]! / 0.02;
      expect(lor.intensity[i]! / gau.intensity[i]!).toBeCloseTo(
        Math.exp(0.5 * t * t) / (1 + t * t),
        6,
      );
    }
    const sinc = simulateSpots(siTable, u, { ...opts, shape: 'sinc2' });
    for (let i = 0; i < sinc.count; i++) {
      const x = (Math.PI * sinc.excitationError[i]!) / 0.02;
      expect(
        sinc.intensity[i]! / (gau.intensity[i]! * Math.exp((0.5 * x * x) / (Math.PI * Math.PI))),
      ).toBeCloseTo((Math.sin(x) / x) ** 2, 6);
    }
    expect(() => simulateSpots(siTable, u, { kv: 200, shape: 'box' as never })).toThrow(
      ValidationError,
    );
    expect(() => simulateSpots(siTable, u, { kv: -1 })).toThrow(ValidationError);
  });

  it('lattice scaling by 1.1 moves spots inward by 1/1.1', () => {
    const u = orientationFromZoneAxis(si.lattice.direct, [0, 0, 1]);
    const a = simulateSpots(siTable, u, { kv: 200 });
    const b = simulateSpots(siTable, u, { kv: 200, latticeScale: 1.1, maxRadius: 2 });
    const i =
      [...a.hkl].findIndex(
        (_, j) => j % 3 === 0 && a.hkl[j] === 2 && a.hkl[j + 1] === 2 && a.hkl[j + 2] === 0,
      ) / 3;
    const j =
      [...b.hkl].findIndex(
        (_, m) => m % 3 === 0 && b.hkl[m] === 2 && b.hkl[m + 1] === 2 && b.hkl[m + 2] === 0,
      ) / 3;
    expect(b.kx[j]!).toBeCloseTo(a.kx[i]! / 1.1, 10);
    expect(b.ky[j]!).toBeCloseTo(a.ky[i]! / 1.1, 10);
  });

  it('radial integration of a rendered pattern recovers the ring positions', () => {
    const u = orientationFromZoneAxis(si.lattice.direct, [0, 0, 1]);
    const sp = simulateSpots(siTable, u, { kv: 200, relrod: 0.02 });
    const cal = 0.005;
    const size = 512;
    const img = renderPattern(sp, { size, calibration: cal, sigmaPx: 1.5 });
    let total = 0;
    for (const v of img) total += v;
    let want = 0;
    for (let i = 0; i < sp.count; i++)
      if (Math.hypot(sp.kx[i]!, sp.ky[i]!) < 1.2) want += sp.intensity[i]!;
    expect(total).toBeGreaterThan(want * 0.99);
    const prof = radialProfile(img, size, size, { calibration: cal, bins: 256, qMax: 1.28 });
    const dq = 1.28 / 256;
    // Local maxima of the radial profile sit on |g| of the allowed [001]-zone rings of
    // diamond Si: 220, 400, 440, 620 (420 is forbidden: h + k + l = 4n + 2).
    const expected = [
      [2, 2, 0],
      [4, 0, 0],
      [4, 4, 0],
      [6, 2, 0],
    ].map(([h, k]) => Math.hypot(h!, k!) / 5.4307);
    for (const g of expected) {
      const b = Math.floor(g / dq);
      let best = b - 3;
      for (let k = b - 3; k <= b + 3; k++) if (prof.intensity[k]! > prof.intensity[best]!) best = k;
      expect(Math.abs(prof.q[best]! - g)).toBeLessThan(dq);
    }
  });
});
