/**
 * Physics of the synthetic single-shot patterns, against closed forms:
 *
 * - a uniform sphere's form factor is 3(sin x − x cos x)/x³ with x = qR (q = 2π/d), whose first
 *   zero is x = 4.4934 (the first root of tan x = x; Guinier & Fournet, "Small-Angle Scattering
 *   of X-Rays" (1955), §2.2; Abramowitz & Stegun Table 10.6, first zero of j₁): in detector
 *   pixels, k = 4.4934·n/(2πR);
 * - an ellipsoid's pattern is the sphere's with q scaled per axis, so the first-ring radii
 *   along the two axes are in the inverse ratio of the semi-axes (ellipticity = axis ratio);
 * - two equal scatterers a distance s apart multiply the pattern by cos²(π q s): zeros at
 *   q = (m + ½)/s, fringes spaced 1/s (Young's fringes; Born & Wolf, "Principles of Optics",
 *   §7.3.3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { HELIUM_CLASSES, SCENE_KINDS, labelsOf, multiHot } from './classes.js';
import { projectedDensity, sphere } from './density.js';
import { detectorMask, recordPattern } from './detector.js';
import { PatternEngine } from './pattern.js';
import { randomScene } from './scene.js';
import { simulateSingleShot } from './simulate.js';

const X1 = 4.4934; // first zero of 3(sin x − x cos x)/x³

let e512: PatternEngine;
let e256: PatternEngine;
beforeAll(async () => {
  e512 = await PatternEngine.create(512);
  e256 = await PatternEngine.create(256);
});
afterAll(() => {
  e512.dispose();
  e256.dispose();
});

/** Sub-pixel position of the first local minimum of `f` after index `from` (parabolic fit). */
function firstMinimum(f: ArrayLike<number>, from: number): number {
  for (let i = from + 1; i < f.length - 1; i++) {
    if (f[i]! < f[i - 1]! && f[i]! <= f[i + 1]!) {
      const a = f[i - 1]!;
      const b = f[i]!;
      const c = f[i + 1]!;
      const d = a - 2 * b + c;
      return i + (d === 0 ? 0 : (0.5 * (a - c)) / d);
    }
  }
  return NaN;
}

/** I along +qx (row through the centre) and +qy (column through the centre). */
function axes(I: Float64Array, n: number): { x: Float64Array; y: Float64Array } {
  const c = n / 2;
  const x = new Float64Array(c);
  const y = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    x[k] = I[c * n + c + k]!;
    y[k] = I[(c + k) * n + c]!;
  }
  return { x, y };
}

/** Azimuthal average in bins of `w` pixels. */
function radial(I: Float64Array, n: number, w: number): Float64Array {
  const bins = Math.floor(n / 2 / w);
  const s = new Float64Array(bins);
  const m = new Float64Array(bins);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const b = Math.floor(Math.hypot(x - n / 2, y - n / 2) / w);
      if (b < bins) {
        s[b] = s[b]! + I[y * n + x]!;
        m[b] = m[b]! + 1;
      }
    }
  }
  return s.map((v, i) => (m[i]! > 0 ? v / m[i]! : 0));
}

describe('single-shot pattern physics', () => {
  it('a sphere’s first minimum lies at qR = 4.493 (k = 4.493·n/2πR)', () => {
    const n = 512;
    for (const R of [12, 16, 24]) {
      const I = e512.intensity(projectedDensity([sphere(0, 0, R)], n));
      const want = (X1 * n) / (2 * Math.PI * R);
      const { x, y } = axes(I, n);
      expect(Math.abs(firstMinimum(x, 1) / want - 1)).toBeLessThan(0.01);
      expect(Math.abs(firstMinimum(y, 1) / want - 1)).toBeLessThan(0.01);
      const w = 0.5;
      const r = radial(I, n, w);
      // (the few pixels of the innermost bins make their average ragged: start at half the radius)
      const from = Math.floor(want / 2 / w);
      expect(Math.abs(((firstMinimum(r, from) + 0.5) * w) / want - 1)).toBeLessThan(0.02);
      // and it is a zero: far below the central maximum
      expect(x[Math.round(want)]! / x[0]!).toBeLessThan(1e-3);
    }
  });

  it('a spheroid’s ring ellipticity equals its axis ratio', () => {
    const n = 512;
    for (const [a, b] of [
      [20, 14],
      [18, 12],
      [15, 13.5],
    ] as const) {
      const I = e512.intensity(
        projectedDensity([{ x: 0, y: 0, a, b, c: b, angle: 0, density: 1 }], n),
      );
      const { x, y } = axes(I, n);
      const qx = firstMinimum(x, 1);
      const qy = firstMinimum(y, 1);
      expect(Math.abs(qx / ((X1 * n) / (2 * Math.PI * a)) - 1)).toBeLessThan(0.01);
      expect(Math.abs(qy / qx / (a / b) - 1)).toBeLessThan(0.01);
    }
  });

  it('a dimer’s fringes are spaced 1/separation (zeros at (m + ½)·n/s pixels)', () => {
    const n = 256;
    const s = 32; // separation in pixels: fringe period n/s = 8 px
    const I = e256.intensity(projectedDensity([sphere(-s / 2, 0, 3), sphere(s / 2, 0, 3)], n));
    const { x, y } = axes(I, n);
    const period = n / s;
    for (let m = 0; m < 5; m++) {
      const zero = (m + 0.5) * period;
      const max = (m + 1) * period;
      expect(x[zero]! / x[max]!).toBeLessThan(1e-6);
      // at the maxima cos²(π m) = 1: the same as along qy, where there are no fringes
      expect(x[max]! / y[max]!).toBeCloseTo(1, 6);
    }
    // perpendicular to the separation there are no fringes
    expect(firstMinimum(y, 1)).toBeGreaterThan(40);
  });
});

describe('single-shot images', () => {
  it('the same seed gives the same pixels; another seed others', () => {
    const a = simulateSingleShot(randomScene(createRng(5), 64, 'sphere'), eng64, createRng(6));
    const b = simulateSingleShot(randomScene(createRng(5), 64, 'sphere'), eng64, createRng(6));
    const c = simulateSingleShot(randomScene(createRng(5), 64, 'sphere'), eng64, createRng(7));
    expect(b.pixels).toEqual(a.pixels);
    expect(c.pixels).not.toEqual(a.pixels);
  });

  it('the hole and the gap read zero; counts follow the photons asked for', () => {
    const n = 64;
    const o = { photons: 1e5, background: 0, holeRadius: 3, gap: 2, gapOffset: 0 };
    const I = eng64.intensity(projectedDensity([sphere(0, 0, 4)], n));
    const px = recordPattern(I, n, o, createRng(1));
    const mask = detectorMask(n, o);
    let sum = 0;
    for (let i = 0; i < n * n; i++) {
      if (mask[i]) expect(px[i]).toBe(0);
      sum += px[i]!;
    }
    expect(mask[(n / 2) * n + n / 2]).toBe(1);
    expect(mask[(n / 2) * n + 5]).toBe(1); // in the gap, far from the hole
    // Poisson: the total is photons ± a few √photons
    expect(Math.abs(sum - 1e5)).toBeLessThan(5 * Math.sqrt(1e5));
  });

  it('every kind has labels among the 11 helium classes; empty frames are Empty only', () => {
    expect(HELIUM_CLASSES.length).toBe(11);
    const rng = createRng(3);
    for (const k of SCENE_KINDS) {
      const s = randomScene(rng, 64, k);
      expect(s.labels.length).toBeGreaterThan(0);
      for (const l of s.labels) expect(HELIUM_CLASSES).toContain(l);
    }
    expect(labelsOf('empty')).toEqual(['Empty']);
    expect(Array.from(multiHot(['Round', 'Layered']))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(labelsOf('dimer', { radiusRatio: 1.4 })).toEqual(['NewtonRings', 'DoubleRings']);
  });
});

let eng64: PatternEngine;
beforeAll(async () => {
  eng64 = await PatternEngine.create(64);
});
afterAll(() => eng64.dispose());
