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
import { packageRoot } from '../../../core/paths.js';
import { crystalFromCif } from '../../../crystal/structure.js';
import { prepareReflections } from '../../../simulate/kinematic/reflections.js';
import { compareProfiles } from './equivalence.js';
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
