/**
 * `profileMethod: exact` — the ring means of the `image` route with the same distribution,
 * without its per-pixel random passes.
 *
 * The image route (profiles.ts, `useImage`) does, per pattern: render the spots as Gaussians
 * into a Float32 image v (renderPattern); divide by the image maximum M (x = f32(v / M));
 * seed noise (seedNoise): if the spike value s ≠ 0, y = f32(x + Poisson(x)) for x > 0,
 * divide by the new maximum M₂ (z = f32(y / M₂)); then every pixel independently, with
 * probability π = (1 − snr)/2, is set to f32(s); finally the mean over the pixels of each
 * ring (integrate). Here:
 *
 * - The image is rendered by the same renderPattern (the same Float32 pixel values), M and
 *   M₂ are the same maxima of the same pixel values, and every pixel value that enters a
 *   ring sum is the same f32 expression. Only the summation order of the ring sums (in
 *   float64) differs: relative differences ~1e-16.
 * - Salt: the set of salted pixels is a Bernoulli(π) process over the pixel indices. It is
 *   drawn by its gaps (the number of pixels before the next salted one is geometric,
 *   ⌊ln U / ln(1 − π)⌋), O(π·size²) draws instead of size². A ring's sum is then
 *   Σ_ring z − Σ_salted z + k_ring·f32(s), which is Σ over the unsalted pixels plus the
 *   salted ones at f32(s), as in the image.
 * - Poisson (s ≠ 0): a pixel's N ~ Poisson(x) is 0 unless an event of probability
 *   1 − e^{−x} happens. Those events are drawn by thinning (poissonStep): per binary-exponent
 *   level of x for the bright pixels (x ≥ 2^−9), over all pixels at once for the rest;
 *   candidates from a Bernoulli process with a rate above every pixel's of the group, drawn
 *   by its gaps, kept with the ratio of the rates; a kept pixel draws N from Poisson(x)
 *   conditioned on N ≥ 1 (inversion). Each pixel's N is therefore Poisson(x), independently
 *   of every other pixel, as in the image; M₂ is the maximum of the f32(x + N).
 *
 * Where dist/wasm/detector.wasm is built, the per-pixel passes (render with the maximum,
 * normalise with the ring sums and the salted pixels, grouping the bright pixels) run in its
 * SIMD kernels
 * (src/simulate/kinematic/detector-wasm.ts): the same float32 image, maxima, pixel values and
 * groups as this file's JS path, so the same random draws and the same profiles up to the
 * ring sums' summation order (~1e-16; exact-profile.test.ts). `forceJs` (or BRAGG_EXACT_JS=1)
 * runs the JS path.
 *
 * The random stream is consumed differently from the image route, so single patterns differ;
 * their distribution is the same (test: exact-profile.test.ts, bench/scale/equivalence.ts).
 */
import type { Rng } from '../../../core/rng.js';
import { renderPattern } from '../../../simulate/kinematic/detector.js';
import type { DetectorKernel } from '../../../simulate/kinematic/detector-wasm.js';
import { createDetectorKernel } from '../../../simulate/kinematic/detector-wasm.js';
import type { SpotList } from '../../../simulate/kinematic/pattern.js';

/** What this needs of a RadialGeometry (profiles.ts): its size, bins and pixel → bin map. */
export interface ExactGeometry {
  size: number;
  bins: number;
  integrator: { readonly counts: Uint32Array; readonly binOf: Int32Array };
}

/** Number of failures before the first success of Bernoulli(p) trials (0 < p < 1). */
function geometricGap(rng: Rng, logQ: number): number {
  // 1 − U ∈ (0, 1]: ln is finite.
  return Math.floor(Math.log(1 - rng.next()) / logQ);
}

/** Poisson(x) conditioned on ≥ 1, by inversion (x small: a few terms). */
function poissonAtLeastOne(rng: Rng, x: number): number {
  const e = Math.exp(-x);
  let u = rng.next() * (1 - e);
  let k = 1;
  let pk = x * e;
  while (u > pk && k < 1000) {
    u -= pk;
    k++;
    pk *= x / k;
  }
  return k;
}

/** Reusable buffers of one geometry. */
export interface ExactWork {
  img: Float32Array;
  sums: Float64Array;
  /** The bright pixels grouped by level, level starts, fill cursors (poissonStep). */
  order: Int32Array;
  levelStart: Int32Array;
  fillAt: Int32Array;
  /** The maximum after the Poisson step. */
  max2: number;
  /**
   * Per-stage milliseconds, accumulated when set (bench/scale/exact-stages.ts): indices
   * EXACT_STAGES. Undefined (the default): no timing.
   */
  timing: Float64Array | undefined;
  /**
   * Run the JS reference path even where the WASM kernels are built (benches alternate the
   * two; default: the environment variable BRAGG_EXACT_JS=1).
   */
  forceJs: boolean;
  /**
   * The WASM kernels on this geometry (detector-wasm.ts; `img` and `order` are its buffers),
   * undefined where dist/wasm/detector.wasm is not built.
   */
  kernel: DetectorKernel | undefined;
}

/** Stages of `timing`: spots and post-processing are timed by simulatePatterns. */
export const EXACT_STAGES = [
  'spots',
  'render',
  'max',
  'poisson',
  'ring sums',
  'salt',
  'post',
] as const;
/** Index of a stage in `ExactWork.timing`. */
export const STAGE = {
  spots: 0,
  render: 1,
  max: 2,
  poisson: 3,
  sums: 4,
  salt: 5,
  post: 6,
} as const;

const works = new WeakMap<ExactGeometry, ExactWork>();

/**
 * The work buffers of `g`, made once per geometry and thread (simulatePatterns runs one
 * pattern at a time, so one set serves every shard of the geometry).
 */
export function exactWorkFor(g: ExactGeometry): ExactWork {
  let w = works.get(g);
  if (!w) {
    w = exactWork(g);
    works.set(g, w);
  }
  return w;
}

export function exactWork(g: ExactGeometry): ExactWork {
  const n = g.size * g.size;
  const kernel = createDetectorKernel(g.size, g.bins, g.integrator.binOf);
  return {
    img: kernel ? kernel.img : new Float32Array(n),
    sums: new Float64Array(g.bins),
    order: kernel ? kernel.order : new Int32Array(n),
    levelStart: new Int32Array(LEVELS + 1),
    fillAt: new Int32Array(LEVELS),
    max2: 1,
    timing: undefined,
    forceJs: process.env.BRAGG_EXACT_JS === '1',
    kernel,
  };
}

/**
 * Ring means of one pattern, distributed as the image route's (module doc). `noise`
 * undefined: no seed noise (then the result equals the image route's up to summation order).
 */
export function exactProfile(
  rng: Rng,
  spots: SpotList | undefined,
  g: ExactGeometry,
  calibration: number,
  sigmaPx: number,
  noise: { snr: number; spike: number } | undefined,
  work: ExactWork,
  out: Float64Array,
): void {
  const { img, sums } = work;
  const binOf = g.integrator.binOf;
  const counts = g.integrator.counts;
  const npx = img.length;
  const timing = work.timing;
  let t0 = timing ? performance.now() : 0;
  const lap = (stage: number): void => {
    if (!timing) return;
    const t1 = performance.now();
    timing[stage] = timing[stage]! + (t1 - t0);
    t0 = t1;
  };
  const kernel = work.forceJs ? undefined : work.kernel;
  const det = { size: g.size, calibration, sigmaPx };
  const spike = noise ? noise.spike : 0;
  const p = noise ? (1 - noise.snr) / 2 : 0;
  const fs = Math.fround(spike);
  if (kernel) {
    // The same steps and random draws as the JS path below, the passes in WASM; the salted
    // pixels are drawn before the ring sums (after the Poisson step, as below), so the
    // kernel counts them at fs while summing.
    let max = 0; // the image maximum, found while rendering
    if (spots) max = kernel.renderPattern(spots, det);
    else img.fill(0);
    lap(STAGE.render);
    let m = max > 0 ? max : 1; // an all-zero image stays zero
    if (noise && spike !== 0 && max > 0) {
      kernel.groupLevels(max, LEVELS, work.levelStart);
      poissonThin(rng, img, work);
      m = work.max2;
      lap(STAGE.poisson);
    }
    let ns = 0;
    if (p > 0 && p < 1) {
      const salt = kernel.salt;
      const logQ = Math.log1p(-p);
      for (let i = geometricGap(rng, logQ); i < npx; i += 1 + geometricGap(rng, logQ)) {
        salt[ns++] = i;
      }
    }
    lap(STAGE.salt);
    kernel.normaliseSum(m, sums, ns, fs);
    if (p >= 1) for (let b = 0; b < g.bins; b++) sums[b] = counts[b]! * fs;
    lap(STAGE.sums);
  } else {
    if (spots) renderPattern(spots, det, img);
    else img.fill(0);
    lap(STAGE.render);
    let max = 0;
    for (let i = 0; i < npx; i++) if (img[i]! > max) max = img[i]!;
    lap(STAGE.max);
    sums.fill(0);
    if (noise && spike !== 0 && max > 0) {
      // Normalised pixel values x = f32(v / M) (the image route stores them in its Float32 image).
      for (let i = 0; i < npx; i++) img[i] = img[i]! / max;
      poissonStep(rng, img, work);
      lap(STAGE.poisson);
      // z = f32(y / M₂), summed per ring.
      const m2 = work.max2;
      for (let i = 0; i < npx; i++) {
        img[i] = img[i]! / m2;
        const b = binOf[i]!;
        if (b >= 0) sums[b] = sums[b]! + img[i]!;
      }
    } else if (max > 0) {
      for (let i = 0; i < npx; i++) {
        const x = img[i]! / max;
        img[i] = x;
        const b = binOf[i]!;
        // img[i] is f32(x): the value the image route sums.
        if (b >= 0) sums[b] = sums[b]! + img[i]!;
      }
    }
    lap(STAGE.sums);
    if (p >= 1) {
      for (let b = 0; b < g.bins; b++) sums[b] = counts[b]! * fs;
    } else if (p > 0) {
      const logQ = Math.log1p(-p);
      for (let i = geometricGap(rng, logQ); i < npx; i += 1 + geometricGap(rng, logQ)) {
        const b = binOf[i]!;
        if (b >= 0) sums[b] = sums[b]! - img[i]! + fs;
      }
    }
    lap(STAGE.salt);
  }
  for (let b = 0; b < g.bins; b++) out[b] = counts[b]! > 0 ? sums[b]! / counts[b]! : 0;
}

/**
 * poissonStep — y = f32(x + Poisson(x)) for every pixel (x ∈ [0, 1], f32), in place, and
 * max y (work.max2): seedNoise's first step, as groupLevels then poissonThin (the kernel's
 * groupLevels gives the same levelStart and order). Pixels with N ≥ 1 are drawn by thinning:
 *
 * - The bright pixels, x ≥ 2^(1−L) (L = LEVELS), are grouped by their binary exponent: level
 *   k < L holds x ∈ [2^−k, 2^(1−k)), in index order. In level k, candidates are a
 *   Bernoulli(q_k) process over the level's pixels, q_k = 1 − exp(−2^(1−k)) ≥ P(N ≥ 1),
 *   drawn by its geometric gaps.
 * - The others (x < 2^(1−L), zeros included) are not listed: candidates are a Bernoulli(q_L)
 *   process over all pixel indices, q_L = 1 − exp(−2^(1−L)), and a candidate that is a
 *   bright pixel is passed over (its N comes from its level).
 *
 * A candidate is kept with probability (1 − e^−x)/q, and a kept pixel draws N ~ Poisson(x |
 * N ≥ 1). So every pixel's N is Poisson(x), independently, with ~2·Σ P(N ≥ 1) + q_L·size²
 * draws instead of one per pixel, and only the bright pixels are grouped.
 */
export function poissonStep(rng: Rng, img: Float32Array, work: ExactWork): void {
  groupLevels(img, work);
  poissonThin(rng, img, work);
}

function groupLevels(img: Float32Array, work: ExactWork): void {
  const npx = img.length;
  const bits = new Int32Array(img.buffer, img.byteOffset, npx);
  const levelStart = work.levelStart;
  const order = work.order;
  levelStart.fill(0);
  for (let i = 0; i < npx; i++) {
    if (img[i]! >= BRIGHT) {
      const k = levelOf(bits[i]!) + 1;
      levelStart[k] = levelStart[k]! + 1;
    }
  }
  for (let k = 0; k < LEVELS; k++) levelStart[k + 1] = levelStart[k + 1]! + levelStart[k]!;
  const fillAt = work.fillAt;
  fillAt.set(levelStart.subarray(0, LEVELS));
  for (let i = 0; i < npx; i++) {
    if (img[i]! >= BRIGHT) {
      const k = levelOf(bits[i]!);
      order[fillAt[k]!] = i;
      fillAt[k] = fillAt[k]! + 1;
    }
  }
}

/** The thinning of poissonStep over the grouped bright pixels (levelStart, order), then the rest. */
function poissonThin(rng: Rng, img: Float32Array, work: ExactWork): void {
  const levelStart = work.levelStart;
  const order = work.order;
  let max = 1;
  for (let k = 0; k < LEVELS; k++) {
    const lo = levelStart[k]!;
    const hi = levelStart[k + 1]!;
    if (hi === lo) continue;
    const q = -Math.expm1(-(2 ** (1 - k)));
    const logQ = Math.log1p(-q);
    for (let t = lo + geometricGap(rng, logQ); t < hi; t += 1 + geometricGap(rng, logQ)) {
      const i = order[t]!;
      const x = img[i]!;
      if (rng.next() * q < -Math.expm1(-x)) {
        img[i] = x + poissonAtLeastOne(rng, x);
        if (img[i]! > max) max = img[i]!;
      }
    }
  }
  // The pixels below BRIGHT (a bright one here is ≥ BRIGHT, or ≥ 1 after its own draw).
  const npx = img.length;
  const q = -Math.expm1(-BRIGHT);
  const logQ = Math.log1p(-q);
  for (let i = geometricGap(rng, logQ); i < npx; i += 1 + geometricGap(rng, logQ)) {
    const x = img[i]!;
    if (x < BRIGHT && rng.next() * q < -Math.expm1(-x)) {
      img[i] = x + poissonAtLeastOne(rng, x);
      if (img[i]! > max) max = img[i]!;
    }
  }
  work.max2 = max;
}

/** Level 0…127 of a positive f32 bit pattern (module doc of poissonStep). */
function levelOf(w: number): number {
  const e = (w >>> 23) & 0xff;
  return e === 0 ? 127 : Math.min(127, 127 - e);
}
/** Levels of the bright pixels (poissonStep): x ≥ BRIGHT = 2^(1 − LEVELS) = 2^−9. */
const LEVELS = 10;
const BRIGHT = 2 ** (1 - LEVELS);
