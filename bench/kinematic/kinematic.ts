/**
 * The kinematic benchmark (issue 4): reflection tables, 1D profiles and 2D patterns per second
 * on one core (this thread), for Si (8 atoms, a 5.43 Å) and a 2×2×2 SrTiO3 supercell (40 atoms,
 * a 7.81 Å), random orientations. Pure computation, no I/O.
 */
import { createRng } from '../../src/core/rng.js';
import { orientationFromQuaternion } from '../../src/simulate/orientation/rotations.js';
import { randomQuaternions } from '../../src/simulate/orientation/sampling.js';
import { createRadialIntegrator, renderPattern } from '../../src/simulate/kinematic/detector.js';
import type { KinematicCrystal } from '../../src/simulate/kinematic/crystal.js';
import { simulateSpots } from '../../src/simulate/kinematic/pattern.js';
import { kinematicProfile, seed147Axis } from '../../src/simulate/kinematic/profile.js';
import { prepareReflections } from '../../src/simulate/kinematic/reflections.js';
import {
  silicon,
  strontiumTitanateSupercell,
} from '../../test/support/simulate/kinematic/crystals.js';

export interface KinematicBenchCase {
  crystal: string;
  atoms: number;
  reflections: number;
  families: number;
  /** Reflection tables (gMax 1.5 Å⁻¹, Lobato, Debye–Waller) built per second. */
  tablesPerSecond: number;
  reflectionsPerSecond: number;
  /** 147-point seed-axis profiles per second (from a prepared table). */
  profilesPerSecond: number;
  /** Spot lists per second (200 kV, Lorentzian relrod 0.01 Å⁻¹, random orientations). */
  spotListsPerSecond: number;
  /** Spot list + 256² detector image (σ 1.5 px, 0.01 Å⁻¹/px) per second. */
  patternsPerSecond: number;
  /** Spot list + image + 256-bin radial profile per second (the seed's 1D route). */
  radialProfilesPerSecond: number;
  /** Precession (1°, 36 azimuths) spot lists per second. */
  precessionSpotListsPerSecond: number;
  meanSpotsPerPattern: number;
}

export interface KinematicBenchResult {
  node: string;
  cases: KinematicBenchCase[];
  note: string;
}

/** Runs `fn` repeatedly for at least `minMs` (and at least `minRuns` times); returns runs per second. */
function rate(fn: (i: number) => void, minMs = 400, minRuns = 3): number {
  fn(0);
  let runs = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs || runs < minRuns) {
    fn(runs + 1);
    runs++;
    t = performance.now();
  }
  return (runs * 1000) / (t - t0);
}

function benchCase(crystal: KinematicCrystal, seed: number, minMs: number): KinematicBenchCase {
  const opts = { gMax: 1.5, params: 'lobato' as const };
  const table = prepareReflections(crystal, opts);
  const tablesPerSecond = rate(() => prepareReflections(crystal, opts), minMs);
  const q = seed147Axis();
  const profilesPerSecond = rate(() => kinematicProfile(table, q, { fwhm: 0.01 }), minMs);
  const n = 256;
  const quats = randomQuaternions(n, seed);
  const u = Array.from({ length: n }, (_, i) =>
    orientationFromQuaternion(quats.subarray(4 * i, 4 * i + 4)),
  );
  const pat = { kv: 200, relrod: 0.01 };
  let spots = 0;
  let patterns = 0;
  const spotListsPerSecond = rate((i) => {
    spots += simulateSpots(table, u[i % n]!, pat).count;
    patterns++;
  }, minMs);
  const img = new Float32Array(256 * 256);
  const det = { size: 256, calibration: 0.01, sigmaPx: 1.5 };
  const patternsPerSecond = rate(
    (i) => renderPattern(simulateSpots(table, u[i % n]!, pat), det, img),
    minMs,
  );
  const rng = createRng(seed);
  const radial = createRadialIntegrator(256, 256, { calibration: 0.01, bins: 256 });
  const prof = new Float64Array(256);
  const radialProfilesPerSecond = rate((i) => {
    const sp = simulateSpots(table, u[i % n]!, pat);
    renderPattern(sp, { ...det, shift: [rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)] }, img);
    radial.integrate(img, prof);
  }, minMs);
  const precessionSpotListsPerSecond = rate(
    (i) => simulateSpots(table, u[i % n]!, { ...pat, precessionDeg: 1, precessionSteps: 36 }),
    minMs,
  );
  return {
    crystal: crystal.name ?? '',
    atoms: crystal.atoms.length,
    reflections: table.count,
    families: table.families.count,
    tablesPerSecond,
    reflectionsPerSecond: tablesPerSecond * table.count,
    profilesPerSecond,
    spotListsPerSecond,
    patternsPerSecond,
    radialProfilesPerSecond,
    precessionSpotListsPerSecond,
    meanSpotsPerPattern: spots / patterns,
  };
}

export function runKinematicBench(
  opts: { minMs?: number; seed?: number } = {},
): KinematicBenchResult {
  const minMs = opts.minMs ?? 400;
  const seed = opts.seed ?? 4;
  return {
    node: process.version,
    cases: [
      benchCase(silicon(0.005), seed, minMs),
      benchCase(strontiumTitanateSupercell(2), seed, minMs),
    ],
    note: 'one thread; gMax 1.5 Å⁻¹; 200 kV; random orientations (seeded); 256² detector at 0.01 Å⁻¹/px',
  };
}
