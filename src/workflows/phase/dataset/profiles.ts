/**
 * One shard's patterns, made the way the seed pipeline made its 1D profiles (STUDY.md §4.3–4.4):
 * orientation → lattice scale, calibration jitter, relrod, spot σ → kinematic spots → removal
 * of some of the brightest spots → detector image → seed noise → azimuthal mean on the
 * nominal calibration → sqrt? → min-max + background A·exp(−τq) → pixel crop and q-axis
 * resampling, each min-max normalised. The physics and augmentations are those of
 * src/simulate/kinematic and src/simulate/augment.
 *
 * `profileMethod: image` renders the size² image and integrates it, as the seed did.
 * `profileMethod: exact` (default) renders the same image but draws the seed noise without
 * per-pixel passes, with the same distribution of profiles (exact-profile.ts).
 * `profileMethod: rings` skips the image: a spot of total intensity I at radius ρ px with
 * Gaussian σ px puts I·Δr·N(r; ρ, σ) into the ring of width Δr at r, spread over the ring's
 * pixels on the detector (exact for ρ ≫ σ), and the seed noise is drawn per ring with the statistics it has on a ring's mean:
 * Poisson counts on the ring sum (a sum of Poisson pixels is Poisson) and Binomial(n,
 * (1 − snr)/2) spike pixels among the ring's n pixels. Many times faster; not bit-identical
 * to the image method.
 */
import type { Rng } from '../../../core/rng.js';
import { createRng, deriveSeed } from '../../../core/rng.js';
import {
  addBackground1d,
  drawLatticeScale,
  jitterCalibration,
  minMaxNormalise,
  pickFrom,
  removeBrightestSpots,
  seedNoise,
} from '../../../simulate/augment/index.js';
import type { RadialIntegrator } from '../../../simulate/kinematic/detector.js';
import { createRadialIntegrator, renderPattern } from '../../../simulate/kinematic/detector.js';
import type { SpotList } from '../../../simulate/kinematic/pattern.js';
import { simulateSpots } from '../../../simulate/kinematic/pattern.js';
import { interpolate } from '../../../simulate/kinematic/profile.js';
import type { ReflectionTable } from '../../../simulate/kinematic/reflections.js';
import { orientationFromQuaternion } from '../../../simulate/orientation/rotations.js';
import { STAGE, exactProfile, exactWorkFor } from './exact-profile.js';
import type { Sweep } from './sweep-schema.js';

/** Radial bins of the seed for a square detector of `size` px (STUDY.md §4.3 step 9). */
export function radialBinCount(size: number): number {
  return Math.ceil((Math.floor(size / 2) - 1) / 2) * 2;
}

/**
 * Radial geometry of a square detector, centre (size/2, size/2): `bins` equal q bins from 0
 * to the farthest pixel, with the pixel → bin map precomputed once (createRadialIntegrator).
 */
export interface RadialGeometry {
  size: number;
  bins: number;
  /** Bin width [px]; bin b is centred at (b + 0.5)·binPx. */
  binPx: number;
  /** Pixels per ring (≥ 1). */
  pixels: Float64Array;
  integrator: RadialIntegrator;
}

export function radialGeometry(size: number, calibration: number): RadialGeometry {
  const bins = radialBinCount(size);
  const integrator = createRadialIntegrator(size, size, { calibration, bins });
  const binPx = (integrator.q[1]! - integrator.q[0]!) / calibration;
  const pixels = Float64Array.from(integrator.counts, (c) => Math.max(1, c));
  return { size, bins, binPx, pixels, integrator };
}

/** q [Å⁻¹] of every radial bin centre for the nominal calibration. */
export function radialQAxis(g: RadialGeometry): Float64Array {
  return Float64Array.from(g.integrator.q);
}

export interface ShardArrays {
  /** (count, bins) full radial profiles after sqrt/normalisation/background. */
  xAll: Float32Array;
  /** (count, cropStop − cropStart) pixel-cropped profiles. */
  xPx: Float32Array;
  /** (count, qPoints) profiles resampled onto the configured q axis. */
  xQ: Float32Array;
  /** (count,) the class label. */
  y: Float32Array;
  qAll: Float64Array;
  qPx: Float64Array;
  qAxis: Float64Array;
  bins: number;
  cropWidth: number;
  qPoints: number;
}

export interface PatternSource {
  /** Reflection table of the phase, or undefined for the all-background class. */
  table: ReflectionTable | undefined;
  latticeScale: [number, number] | undefined;
  /** Grid quaternions (w,x,y,z packed) when sampling is `grid`. */
  grid: Float64Array | undefined;
}

/** Binomial(n, p) for a ring's spike count: Poisson for small n·p, normal beyond. */
function binomial(rng: Rng, n: number, p: number): number {
  if (p <= 0 || n <= 0) return 0;
  const mean = n * p;
  if (mean < 30) return Math.min(n, rng.poisson(mean));
  const k = Math.round(rng.normal(mean, Math.sqrt(mean * (1 - p))));
  return Math.max(0, Math.min(n, k));
}

function randomQuaternion(rng: Rng): number[] {
  const u1 = rng.next();
  const u2 = rng.next() * 2 * Math.PI;
  const u3 = rng.next() * 2 * Math.PI;
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  return [b * Math.cos(u3), a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3)];
}

/** Ring means of the spots (no image), scaled so the brightest pixel would be 1. */
function ringProfile(
  spots: SpotList | undefined,
  g: RadialGeometry,
  cal: number,
  sigma: number,
  out: Float64Array,
): void {
  out.fill(0);
  if (!spots) return;
  let peak = 0;
  const half = g.size / 2;
  const norm = g.binPx / (Math.sqrt(2 * Math.PI) * sigma);
  for (let s = 0; s < spots.count; s++) {
    const I = spots.intensity[s]!;
    if (I <= 0) continue;
    const px = spots.kx[s]! / cal;
    const py = spots.ky[s]! / cal;
    // A spot centred off the detector is not seen (the image method clips it the same way,
    // up to its Gaussian tail).
    if (Math.abs(px) > half || Math.abs(py) > half) continue;
    peak = Math.max(peak, I / (2 * Math.PI * sigma * sigma));
    const rho = Math.hypot(px, py);
    const lo = Math.max(0, Math.floor((rho - 4 * sigma) / g.binPx));
    const hi = Math.min(g.bins - 1, Math.ceil((rho + 4 * sigma) / g.binPx));
    // The part of the spot in ring i, I·binPx·N(r_i; ρ, σ), spread over the ring's pixels.
    for (let i = lo; i <= hi; i++) {
      const d = ((i + 0.5) * g.binPx - rho) / sigma;
      out[i]! += (I * norm * Math.exp(-0.5 * d * d)) / g.pixels[i]!;
    }
  }
  if (peak > 0) for (let i = 0; i < g.bins; i++) out[i]! /= peak;
}

/** The seed noise on ring means (see the module doc). */
function ringNoise(
  rng: Rng,
  prof: Float64Array,
  g: RadialGeometry,
  snr: number,
  spike: number,
): void {
  for (let i = 0; i < g.bins; i++) {
    const n = g.pixels[i]!;
    let m = prof[i]!;
    if (spike !== 0) {
      const sum = m * n;
      m = (sum + rng.poisson(sum)) / n / 2;
    }
    const k = binomial(rng, n, (1 - snr) / 2);
    prof[i] = (m * (n - k) + spike * k) / n;
  }
}

/**
 * Simulate `count` patterns of one class. Pattern j uses its own random stream
 * `deriveSeed(shardSeed, j)`, so any pattern can be recomputed on its own.
 */
export function simulatePatterns(
  sweep: Sweep,
  src: PatternSource,
  label: number,
  count: number,
  shardSeed: number,
  geometry: RadialGeometry,
): ShardArrays {
  const { bins, size } = geometry;
  const cal = sweep.calibration.value;
  const qAll = radialQAxis(geometry);
  const [c0, c1] = sweep.postprocessing.cropPx;
  const cropStart = Math.min(c0, bins);
  const cropStop = Math.min(c1, bins);
  const cropWidth = cropStop - cropStart;
  const qPx = qAll.slice(cropStart, cropStop);
  const { start, stop, points } = sweep.postprocessing.qAxis;
  const qAxis = new Float64Array(points);
  for (let i = 0; i < points; i++) qAxis[i] = start + ((stop - start) * i) / (points - 1);

  const xAll = new Float32Array(count * bins);
  const xPx = new Float32Array(count * cropWidth);
  const xQ = new Float32Array(count * points);
  const y = new Float32Array(count).fill(label);
  const prof = new Float64Array(bins);
  const useImage = sweep.profileMethod === 'image';
  const img = useImage ? new Float32Array(size * size) : undefined;
  const work = sweep.profileMethod === 'exact' ? exactWorkFor(geometry) : undefined;
  const timing = work?.timing;
  const aug = sweep.augmentation;

  for (let j = 0; j < count; j++) {
    const rng = createRng(deriveSeed(shardSeed, j));
    const sigma = pickFrom(rng, aug.spotSigmaPx, 'spotSigmaPx');
    const relrod = pickFrom(rng, aug.relrod, 'relrod');
    const calJ = jitterCalibration(rng, cal, sweep.calibration.jitterPercent);
    let quat: number[];
    if (sweep.orientations.sampling === 'grid' && src.grid && src.grid.length >= 4) {
      const g = rng.int(src.grid.length / 4);
      quat = Array.from(src.grid.subarray(4 * g, 4 * g + 4));
    } else {
      quat = randomQuaternion(rng);
    }
    const scale = src.latticeScale ? drawLatticeScale(rng, src.latticeScale) : 1;
    const tSpots = timing ? performance.now() : 0;
    let spots: SpotList | undefined;
    if (src.table) {
      spots = simulateSpots(src.table, orientationFromQuaternion(quat), {
        kv: sweep.beamEnergyKeV,
        relrod,
        latticeScale: scale,
        // Spots beyond the detector corner at this pattern's calibration are never seen.
        maxRadius: bins * geometry.binPx * calJ * 1.01,
      });
      if (aug.peakRemoval.enabled && aug.peakRemoval.brightest > 0) {
        removeBrightestSpots(rng, spots, aug.peakRemoval.brightest);
      }
    }
    if (timing) timing[STAGE.spots] = timing[STAGE.spots]! + (performance.now() - tSpots);
    const snr = aug.noise.enabled ? pickFrom(rng, aug.noise.snrs, 'snrs') : 1;
    const spike = aug.noise.enabled ? pickFrom(rng, aug.noise.spikes, 'spikes') : 0;
    if (img) {
      if (spots) renderPattern(spots, { size, calibration: calJ, sigmaPx: sigma }, img);
      else img.fill(0);
      let max = 0;
      for (let i = 0; i < img.length; i++) if (img[i]! > max) max = img[i]!;
      if (max > 0) for (let i = 0; i < img.length; i++) img[i] = img[i]! / max;
      if (aug.noise.enabled) seedNoise(rng, img, snr, spike);
      geometry.integrator.integrate(img, prof);
    } else if (work) {
      const noise = aug.noise.enabled ? { snr, spike } : undefined;
      exactProfile(rng, spots, geometry, calJ, sigma, noise, work, prof);
    } else {
      ringProfile(spots, geometry, calJ, sigma, prof);
      if (aug.noise.enabled) ringNoise(rng, prof, geometry, snr, spike);
    }
    const tPost = timing ? performance.now() : 0;
    if (sweep.postprocessing.sqrt) for (let i = 0; i < bins; i++) prof[i] = Math.sqrt(prof[i]!);
    if (aug.background.enabled) {
      const a = pickFrom(rng, aug.background.a, 'background.a');
      const tau = pickFrom(rng, aug.background.tau, 'background.tau');
      minMaxNormalise(prof);
      if (a !== 0) addBackground1d(prof, qAll, a, tau);
    }
    xAll.set(prof, j * bins);
    const crop = prof.slice(cropStart, cropStop);
    const resampled = interpolate(qAll, prof, qAxis);
    if (sweep.postprocessing.normalise === 'minmax') {
      minMaxNormalise(crop);
      minMaxNormalise(resampled);
    }
    xPx.set(crop, j * cropWidth);
    xQ.set(resampled, j * points);
    if (timing) timing[STAGE.post] = timing[STAGE.post]! + (performance.now() - tPost);
  }
  return { xAll, xPx, xQ, y, qAll, qPx, qAxis, bins, cropWidth, qPoints: points };
}
