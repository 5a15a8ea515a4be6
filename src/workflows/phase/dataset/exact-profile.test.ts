/**
 * `profileMethod: exact` is distributed as `profileMethod: image` (exact-profile.ts module
 * doc). Two-sample tests (equivalence.ts: KS per bin, on 8 random projections, on products
 * and differences of neighbouring bins; Holm at family-wise α = 0.01) on the same
 * configuration, 2,000 profiles per route and case. Power: the same tests reject `rings`
 * and reject `exact` with a salt probability 15 % too high or a spike value 10 % off, so a
 * mistake of that size in the noise model would be caught. The heavier version (the seed
 * sweep on the 515² detector) is bench/scale/equivalence.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { packageRoot } from '../../../core/paths.js';
import { crystalFromCif } from '../../../crystal/structure.js';
import { prepareReflections } from '../../../simulate/kinematic/reflections.js';
import { compareProfiles } from './equivalence.js';
import { exactWork, exactWorkFor, poissonStep } from './exact-profile.js';
import { radialGeometry, simulatePatterns } from './profiles.js';
import type { PatternSource } from './profiles.js';
import { parseSweep } from './sweep.js';

const AU = readFileSync(join(packageRoot(), 'data', 'structures', 'au.cif'), 'utf8');
const N = 2000;
const SIZE = 96;
const CAL = 0.012;

/** One fixed pattern (a single grid orientation, one σ, no jitter): only the noise varies. */
function fixed(noise: string, method: string): string {
  return `seeds: [1]
phases: [{ cif: au.cif }]
orientations: { count: 1, sampling: grid }
calibration: { value: ${CAL}, jitterPercent: 0 }
detector: { size: ${SIZE} }
profileMethod: ${method}
augmentation:
  peakRemoval: { enabled: false }
  noise: ${noise}
  background: { enabled: false }
  relrod: [0.05]
  spotSigmaPx: [1.5]
postprocessing: { normalise: none }
`;
}

/** The seed's augmentations (random orientations, jitter, σ, peak removal, background). */
function mixture(method: string): string {
  return `seeds: [1]
phases: [{ cif: au.cif, latticeScale: [0.9, 1.1] }]
orientations: { count: 1 }
calibration: { value: ${CAL}, jitterPercent: 5 }
detector: { size: ${SIZE} }
profileMethod: ${method}
augmentation:
  spotSigmaPx: [1, 2, 3]
`;
}

const table = prepareReflections(crystalFromCif(AU, { file: 'au.cif' }), { gMax: 1.2 });
const geometry = radialGeometry(SIZE, CAL);
// A zone-axis-like orientation that excites several rings (a fixed "grid" of one rotation).
const q = [0.9238795, 0.3826834, 0.05, 0];
const qn = Math.hypot(...q);
const oneOrientation: PatternSource = {
  table,
  latticeScale: undefined,
  grid: Float64Array.from(q, (v) => v / qn),
};
const randomSource: PatternSource = { table, latticeScale: [0.9, 1.1], grid: undefined };

function profiles(yaml: string, src: PatternSource, seed: number): Float32Array {
  return simulatePatterns(parseSweep(yaml), src, 0, N, seed, geometry).xAll;
}

const bins = geometry.bins;
const saltOnly = '{ enabled: true, snrs: [0.9], spikes: [0] }';

describe('profileMethod exact ≡ image in distribution', () => {
  it('without noise, exact equals image pattern by pattern (up to float summation order)', () => {
    const off = '{ enabled: false }';
    const a = simulatePatterns(
      parseSweep(mixture('image').replace('spotSigmaPx', `noise: ${off}\n  spotSigmaPx`)),
      randomSource,
      0,
      50,
      3,
      geometry,
    );
    const b = simulatePatterns(
      parseSweep(mixture('exact').replace('spotSigmaPx', `noise: ${off}\n  spotSigmaPx`)),
      randomSource,
      0,
      50,
      3,
      geometry,
    );
    let worst = 0;
    for (let i = 0; i < a.xAll.length; i++)
      worst = Math.max(worst, Math.abs(a.xAll[i]! - b.xAll[i]!));
    expect(worst).toBeLessThan(1e-5);
    expect(a.xAll.some((v) => v > 0.1)).toBe(true);
  });

  const salt = '{ enabled: true, snrs: [0.9], spikes: [0] }';
  const poisson = '{ enabled: true, snrs: [0.99], spikes: [0.5] }';

  it('salt only (π = 0.05): same per-bin laws and joint structure; rings and a 15 % salt error are rejected', () => {
    const img = profiles(fixed(salt, 'image'), oneOrientation, 11);
    const exact = profiles(fixed(salt, 'exact'), oneOrientation, 22);
    const same = compareProfiles(img, exact, bins);
    expect(same.tests.length).toBeGreaterThan(20);
    expect(same.rejected.map((t) => t.name)).toEqual([]);
    const rings = profiles(fixed(salt, 'rings'), oneOrientation, 33);
    expect(compareProfiles(img, rings, bins).rejected.length).toBeGreaterThan(0);
    // snr 0.885 → π = 0.0575, 15 % above 0.05.
    const wrong = profiles(fixed(salt.replace('0.9]', '0.885]'), 'exact'), oneOrientation, 44);
    expect(compareProfiles(img, wrong, bins).rejected.length).toBeGreaterThan(0);
  });

  it('Poisson + salt (spike 0.5, snr 0.99): same laws; rings and a 10 % spike error are rejected', () => {
    const img = profiles(fixed(poisson, 'image'), oneOrientation, 55);
    const exact = profiles(fixed(poisson, 'exact'), oneOrientation, 66);
    expect(compareProfiles(img, exact, bins).rejected.map((t) => t.name)).toEqual([]);
    const rings = profiles(fixed(poisson, 'rings'), oneOrientation, 77);
    expect(compareProfiles(img, rings, bins).rejected.length).toBeGreaterThan(0);
    const wrong = profiles(fixed(poisson.replace('0.5]', '0.55]'), 'exact'), oneOrientation, 88);
    expect(compareProfiles(img, wrong, bins).rejected.length).toBeGreaterThan(0);
  });

  it("the seed's augmentation mixture (random orientations, σ, jitter, background): same laws", () => {
    const img = profiles(mixture('image'), randomSource, 101);
    const exact = profiles(mixture('exact'), randomSource, 202);
    expect(compareProfiles(img, exact, bins).rejected.map((t) => t.name)).toEqual([]);
  });
});

describe('profileMethod exact: the WASM kernels and the JS path', () => {
  it('give the same profiles from the same seeds (salt, Poisson, the mixture)', () => {
    const work = exactWorkFor(geometry);
    const yamls = [
      fixed(saltOnly, 'exact'),
      fixed('{ enabled: true, snrs: [0.99], spikes: [0.5] }', 'exact'),
      mixture('exact'),
    ];
    try {
      for (const [i, yaml] of yamls.entries()) {
        const src = i === 2 ? randomSource : oneOrientation;
        work.forceJs = true;
        const js = simulatePatterns(parseSweep(yaml), src, 0, 60, 5 + i, geometry).xAll;
        work.forceJs = false;
        const wasm = simulatePatterns(parseSweep(yaml), src, 0, 60, 5 + i, geometry).xAll;
        let worst = 0;
        for (let j = 0; j < js.length; j++) worst = Math.max(worst, Math.abs(js[j]! - wasm[j]!));
        // The ring sums differ in summation order only (~1e-16 before the float32 store).
        expect(worst).toBeLessThan(1e-6);
        expect(js.some((v) => v > 1e-3)).toBe(true);
      }
    } finally {
      work.forceJs = false;
    }
  });

  it('poissonStep: every pixel gets Poisson(x), bright (grouped by level) and dim (x < 2^−9) alike', () => {
    const n = SIZE * SIZE;
    const work = exactWork(geometry);
    // Four groups of pixels: dim 1e-3 and 1.5e-4, bright 0.3 and 1 (the maximum).
    const xs = [1e-3, 1.5e-4, 0.3, 1];
    const img = work.img;
    const rng = createRng(123);
    const trials = 150;
    const events = [0, 0, 0, 0];
    const totals = [0, 0, 0, 0];
    let maxSeen = 0;
    for (let t = 0; t < trials; t++) {
      for (let i = 0; i < n; i++) img[i] = xs[i % 4]!;
      img[7] = 0; // zero pixels stay zero
      poissonStep(rng, img, work);
      expect(img[7]).toBe(0);
      for (let i = 0; i < n; i++) {
        if (i === 7) continue;
        const x = Math.fround(xs[i % 4]!);
        const k = img[i]! - x;
        if (k !== 0) events[i % 4]! += 1;
        totals[i % 4]! += k;
        maxSeen = Math.max(maxSeen, img[i]!);
      }
      expect(work.max2).toBe(Math.max(1, ...Array.from(img)));
    }
    expect(maxSeen).toBeGreaterThan(1);
    for (let g = 0; g < 4; g++) {
      const x = Math.fround(xs[g]!);
      const m = (n / 4) * trials - (g === 3 ? trials : 0); // pixel 7 (group 3) is zero
      const p = 1 - Math.exp(-x);
      // P(N ≥ 1) and E[N] = x within 5 standard errors.
      expect(Math.abs(events[g]! - m * p)).toBeLessThan(5 * Math.sqrt(m * p * (1 - p)) + 1);
      expect(Math.abs(totals[g]! - m * x)).toBeLessThan(5 * Math.sqrt(m * x) + 1);
    }
  });
});
