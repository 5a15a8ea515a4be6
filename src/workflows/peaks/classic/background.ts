/**
 * The classic finder's local background: the mean and standard deviation of the pixels in a
 * box around each pixel, sigma-clipped (each pass drops the pixels above mean + `clip`·σ, so
 * peaks do not raise their own background), with masked pixels left out.
 *
 * Two ways, chosen by `grid` (pixels):
 * - `grid` 1: exact per-pixel windows ((2r+1)² pixels) through summed-area tables
 *   (`boxStats`), every pass over every pixel.
 * - `grid` g > 1 (the finder's default, 4): the statistics are taken on a coarse grid of g×g
 *   pixel blocks — per-block sums of the kept pixels, windows of (2·round(r/g)+1)² blocks around
 *   each block — the clip test of a pixel uses its block's statistics, and the final mean and σ
 *   are interpolated bilinearly between block centres. The window is then about 2r+g pixels
 *   wide instead of 2r+1. Backgrounds (air scatter, fluorescence, diffuse streaks) vary over
 *   tens of pixels, so the difference is well below the counting noise, and each pass costs one
 *   add per pixel instead of three summed-area tables.
 */
import { boxStats } from '../../../core/signal/box2d.js';

export interface BackgroundOptions {
  /** Half-width of the window (pixels). */
  radius: number;
  /** Sigma-clipping passes (the first one included). */
  passes: number;
  /** Clip level (σ). */
  clip: number;
  /** Block size of the coarse grid (pixels); 1 = exact per-pixel windows. */
  grid: number;
}

export interface LocalBackground {
  /** Background (counts per pixel). */
  mean: Float32Array;
  /** Standard deviation of the background pixels (counts). */
  std: Float32Array;
}

/** Windows with fewer kept pixels than this keep the previous pass's estimate. */
const MIN_KEPT = 8;

/** Sigma-clipped local background of one frame; `bad` is non-zero on masked pixels. */
export function localBackground(
  frame: Float32Array,
  height: number,
  width: number,
  o: BackgroundOptions,
  bad?: Uint8Array,
): LocalBackground {
  return o.grid <= 1
    ? exactBackground(frame, height, width, o, bad)
    : gridBackground(frame, height, width, o, bad);
}

function exactBackground(
  frame: Float32Array,
  height: number,
  width: number,
  o: BackgroundOptions,
  bad: Uint8Array | undefined,
): LocalBackground {
  const n = height * width;
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) valid[i] = bad && bad[i] ? 0 : 1;
  let st = boxStats(frame, height, width, o.radius, valid);
  let used = valid;
  for (let p = 1; p < o.passes; p++) {
    const keep = new Uint8Array(n);
    let changed = false;
    for (let i = 0; i < n; i++) {
      keep[i] = valid[i] && frame[i]! <= st.mean[i]! + o.clip * Math.max(st.std[i]!, 1) ? 1 : 0;
      if (keep[i] !== used[i]) changed = true;
    }
    // The same pixels as the last pass give the same statistics: the clipping has converged.
    if (!changed) break;
    used = keep;
    const next = boxStats(frame, height, width, o.radius, keep);
    for (let i = 0; i < n; i++) {
      if (next.count[i]! < MIN_KEPT) {
        next.mean[i] = st.mean[i]!;
        next.std[i] = st.std[i]!;
      }
    }
    st = next;
  }
  return { mean: st.mean, std: st.std };
}

function gridBackground(
  frame: Float32Array,
  height: number,
  width: number,
  o: BackgroundOptions,
  bad: Uint8Array | undefined,
): LocalBackground {
  const g = o.grid;
  const gh = Math.ceil(height / g);
  const gw = Math.ceil(width / g);
  const m = gh * gw;
  const rb = Math.max(1, Math.round(o.radius / g));
  const b1 = new Float64Array(m);
  const b2 = new Float64Array(m);
  const bc = new Int32Array(m);
  const mean = new Float64Array(m);
  const std = new Float64Array(m);
  const thr = new Float64Array(m).fill(Infinity);
  // Summed-area tables over blocks, with a zero first row and column.
  const W = gw + 1;
  const s1 = new Float64Array((gh + 1) * W);
  const s2 = new Float64Array((gh + 1) * W);
  const sc = new Float64Array((gh + 1) * W);
  let prev1: Float64Array | undefined;
  let prevC: Int32Array | undefined;
  // Masked pixels as NaN: `v <= threshold` is false for them, one test instead of two.
  let work = frame;
  if (bad) {
    work = Float32Array.from(frame);
    for (let i = 0; i < work.length; i++) if (bad[i]) work[i] = NaN;
  }
  // The first pass keeps every pixel (thresholds ∞): its block sums, and each block's largest
  // pixel, are kept; a later pass sums a block again only where that pixel is above the
  // block's threshold (the same pixels in the same order otherwise: the same sums).
  const t1 = new Float64Array(m);
  const t2 = new Float64Array(m);
  const tc = new Int32Array(m);
  const top = new Float64Array(m).fill(-Infinity);
  for (let p = 0; p < o.passes; p++) {
    if (p === 0) {
      blockSums(work, height, width, g, gw, thr, t1, t2, tc, top);
      b1.set(t1);
      b2.set(t2);
      bc.set(tc);
    } else {
      b1.set(t1);
      b2.set(t2);
      bc.set(tc);
      let again = false;
      for (let k = 0; k < m; k++)
        if (top[k]! > thr[k]!) {
          again = true;
          b1[k] = 0;
          b2[k] = 0;
          bc[k] = 0;
        }
      if (again) blockSums(work, height, width, g, gw, thr, b1, b2, bc, undefined, top);
    }
    // The same kept pixels in every block as the last pass: the clipping has converged.
    if (prev1 && prevC && sameSums(b1, bc, prev1, prevC)) break;
    prev1 = Float64Array.from(b1);
    prevC = Int32Array.from(bc);
    for (let by = 0; by < gh; by++) {
      let r1 = 0;
      let r2 = 0;
      let rc = 0;
      for (let bx = 0; bx < gw; bx++) {
        const k = by * gw + bx;
        r1 += b1[k]!;
        r2 += b2[k]!;
        rc += bc[k]!;
        const j = (by + 1) * W + bx + 1;
        s1[j] = s1[j - W]! + r1;
        s2[j] = s2[j - W]! + r2;
        sc[j] = sc[j - W]! + rc;
      }
    }
    for (let by = 0; by < gh; by++) {
      const top = Math.max(0, by - rb) * W;
      const bottom = Math.min(gh, by + rb + 1) * W;
      for (let bx = 0; bx < gw; bx++) {
        const xa = Math.max(0, bx - rb);
        const xb = Math.min(gw, bx + rb + 1);
        const a = top + xa;
        const b = top + xb;
        const c = bottom + xa;
        const d = bottom + xb;
        const n = sc[d]! - sc[b]! - sc[c]! + sc[a]!;
        const k = by * gw + bx;
        // Windows left with too few pixels keep the previous estimate (0 on the first pass).
        if (n < MIN_KEPT && p > 0) continue;
        if (n === 0) continue;
        const mu = (s1[d]! - s1[b]! - s1[c]! + s1[a]!) / n;
        const v = n > 1 ? (s2[d]! - s2[b]! - s2[c]! + s2[a]! - n * mu * mu) / (n - 1) : 0;
        mean[k] = mu;
        std[k] = v > 0 ? Math.sqrt(v) : 0;
        thr[k] = mu + o.clip * Math.max(std[k]!, 1);
      }
    }
  }
  return interpolate(mean, std, gh, gw, g, height, width);
}

/**
 * Sums, squared sums and counts of the pixels at or below their block's threshold, added into
 * `s1`, `s2`, `sc` block by block; with `maxOut`, each block's largest pixel; with `only`, just
 * the blocks whose largest pixel (`only`) is above the threshold.
 */
function blockSums(
  work: Float32Array,
  height: number,
  width: number,
  g: number,
  gw: number,
  thr: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
  sc: Int32Array,
  maxOut?: Float64Array,
  only?: Float64Array,
): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const brow = Math.floor(y / g) * gw;
    for (let bx = 0; bx < gw; bx++) {
      const k = brow + bx;
      const t = thr[k]!;
      if (only && !(only[k]! > t)) continue;
      const x1 = row + Math.min(width, (bx + 1) * g);
      let a1 = 0;
      let a2 = 0;
      let ac = 0;
      let mx = -Infinity;
      for (let i = row + bx * g; i < x1; i++) {
        const v = work[i]!;
        if (v <= t) {
          a1 += v;
          a2 += v * v;
          ac++;
          if (v > mx) mx = v;
        }
      }
      s1[k]! += a1;
      s2[k]! += a2;
      sc[k]! += ac;
      if (maxOut && mx > maxOut[k]!) maxOut[k] = mx;
    }
  }
}

function sameSums(b1: Float64Array, bc: Int32Array, p1: Float64Array, pc: Int32Array): boolean {
  for (let k = 0; k < bc.length; k++) if (bc[k] !== pc[k] || b1[k] !== p1[k]) return false;
  return true;
}

/**
 * Bilinear interpolation of block values to pixels, between block centres (a partial last
 * block's centre is the centre of its pixels); constant beyond the outer centres.
 */
function interpolate(
  mean: Float64Array,
  std: Float64Array,
  gh: number,
  gw: number,
  g: number,
  height: number,
  width: number,
): LocalBackground {
  const axis = (len: number, blocks: number) => {
    const centre = (b: number): number => b * g + (Math.min(g, len - b * g) - 1) / 2;
    const lo = new Int32Array(len);
    const hi = new Int32Array(len);
    const t = new Float64Array(len);
    let b = 0;
    for (let q = 0; q < len; q++) {
      while (b + 1 < blocks && centre(b + 1) <= q) b++;
      const c0 = centre(b);
      if (q <= c0 || b + 1 >= blocks) {
        lo[q] = b;
        hi[q] = b;
        t[q] = 0;
      } else {
        lo[q] = b;
        hi[q] = b + 1;
        t[q] = (q - c0) / (centre(b + 1) - c0);
      }
    }
    return { lo, hi, t };
  };
  const ay = axis(height, gh);
  const ax = axis(width, gw);
  const outMean = new Float32Array(height * width);
  const outStd = new Float32Array(height * width);
  const rm = new Float64Array(gw);
  const rs = new Float64Array(gw);
  for (let y = 0; y < height; y++) {
    const r0 = ay.lo[y]! * gw;
    const r1 = ay.hi[y]! * gw;
    const ty = ay.t[y]!;
    for (let bx = 0; bx < gw; bx++) {
      rm[bx] = mean[r0 + bx]! + ty * (mean[r1 + bx]! - mean[r0 + bx]!);
      rs[bx] = std[r0 + bx]! + ty * (std[r1 + bx]! - std[r0 + bx]!);
    }
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const c0 = ax.lo[x]!;
      const c1 = ax.hi[x]!;
      const tx = ax.t[x]!;
      outMean[row + x] = rm[c0]! + tx * (rm[c1]! - rm[c0]!);
      outStd[row + x] = rs[c0]! + tx * (rs[c1]! - rs[c0]!);
    }
  }
  return { mean: outMean, std: outStd };
}
