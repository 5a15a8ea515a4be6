/**
 * Synthetic detector scans for the peaks workflow (no labelled I16 frames can be downloaded):
 * a scan plan drawn from a seed — background (flat; air-scatter ring; diffuse streaks;
 * fluorescence), dead and hot pixels, Bragg peaks of five kinds (Gaussian, anisotropic,
 * split, streaked, saturated) that rise and fall over consecutive frames (a Gaussian rocking
 * curve) — and frames rendered from it with Poisson counting noise, clipped at the counter's
 * saturation. Each frame draws its noise from its own derived seed, so any block of frames is
 * the same whoever renders it.
 *
 * **Mask convention (truth).** A peak's mask in a frame is the set of pixels where its own
 * noise-free intensity (before saturation clipping) exceeds 10 % of its maximum in that frame.
 * A peak is labelled in a frame when its noise-free maximum there is at least
 * `5·max(1, √B)` counts, B the background at its centre (below that it is not detectable);
 * where two labelled peaks' masks overlap the pixel goes to the brighter of the two there.
 */
import { createRng, deriveSeed, type Rng } from '../../../core/rng.js';

/** Pilatus 100K (rows × columns, 172 µm pixels). */
export const PILATUS_100K = { height: 195, width: 487 } as const;
/** Pilatus3 counter depth: 20 bits. */
export const PILATUS_SATURATION = 2 ** 20 - 1;
/** I16's dead-pixel marker and the seed's dead-pixel positions (row, column) on its Pilatus 100K. */
export const DEAD_VALUE = -2;
export const I16_DEAD_PIXELS: readonly [number, number][] = [
  [40, 111], [46, 301], [46, 302], [75, 184], [75, 185], [75, 187],
  [97, 153], [98, 153], [157, 89], [179, 450], [190, 473],
]; // prettier-ignore

export const PEAK_KINDS = ['gaussian', 'anisotropic', 'split', 'streaked', 'saturated'] as const;
export type PeakKind = (typeof PEAK_KINDS)[number];

export interface PeakSpec {
  kind: PeakKind;
  /** Centre at the rocking maximum (row, column; pixels) and drift per frame (pixels/frame). */
  y: number;
  x: number;
  dy: number;
  dx: number;
  /** Gaussian widths along the rotated axes (pixels) and rotation (radians). */
  su: number;
  sv: number;
  theta: number;
  /** Second lobe of a split peak: offset (pixels) and relative height. */
  lobe?: { dy: number; dx: number; ratio: number };
  /** Peak counts at the rocking maximum (before clipping). */
  amplitude: number;
  /** Frame of the rocking maximum (fractional) and rocking width σ (frames). */
  f0: number;
  fw: number;
}

export interface BackgroundSpec {
  /** Counts per pixel everywhere. */
  flat: number;
  ring?: { cy: number; cx: number; radius: number; width: number; amplitude: number };
  streaks: {
    cy: number;
    cx: number;
    angle: number;
    width: number;
    length: number;
    amplitude: number;
  }[];
  fluorescence?: { amplitude: number; gy: number; gx: number };
}

export interface ScanPlan {
  seed: number;
  frames: number;
  height: number;
  width: number;
  saturation: number;
  background: BackgroundSpec;
  peaks: PeakSpec[];
  /** Pixels reading DEAD_VALUE in every frame (flat indices). */
  dead: number[];
  /** Pixels reading a fixed large count in every frame (flat index, counts). */
  hot: [number, number][];
  /** Pixels flagged in the detector's pixel_mask (some of the dead and hot ones). */
  masked: number[];
}

export interface PlanOptions {
  frames: number;
  height?: number;
  width?: number;
  seed: number;
  /** Mean number of peaks started per frame (default 0.5; about 2 visible per frame). */
  density?: number;
  saturation?: number;
  /**
   * `default`, or `hard` (SCENE_PRESETS): weaker peaks (many near the detection limit), 40 % of
   * the peaks placed touching an earlier one at the same rocking angle, and stronger structured
   * backgrounds (always a ring and fluorescence, 1–3 streaks, 3–10× the amplitudes). The
   * default preset draws exactly what it always drew (same seed → same scan).
   */
  preset?: ScenePreset;
}

export const SCENE_PRESETS = ['default', 'hard'] as const;
export type ScenePreset = (typeof SCENE_PRESETS)[number];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]!;
}

export function planScan(o: PlanOptions): ScanPlan {
  const height = o.height ?? PILATUS_100K.height;
  const width = o.width ?? PILATUS_100K.width;
  const saturation = o.saturation ?? PILATUS_SATURATION;
  const rng = createRng(deriveSeed(o.seed, 'peaks-scan-plan'));
  if (o.preset === 'hard') return planHard(o, rng, height, width, saturation);
  const background: BackgroundSpec = { flat: rng.uniform(0.2, 5), streaks: [] };
  if (rng.next() < 0.5) {
    const radius = rng.uniform(0.6, 1.4) * Math.max(height, width);
    background.ring = {
      cy: height + rng.uniform(0.1, 0.6) * radius,
      cx: rng.uniform(0, width),
      radius,
      width: rng.uniform(5, 20),
      amplitude: rng.uniform(2, 20),
    };
  }
  if (rng.next() < 0.4) {
    const n = 1 + rng.int(2);
    for (let k = 0; k < n; k++) {
      background.streaks.push({
        cy: rng.uniform(0, height),
        cx: rng.uniform(0, width),
        angle: rng.uniform(0, Math.PI),
        width: rng.uniform(2, 8),
        length: rng.uniform(50, 300),
        amplitude: rng.uniform(1, 10),
      });
    }
  }
  if (rng.next() < 0.4) {
    background.fluorescence = {
      amplitude: rng.uniform(2, 30),
      gy: rng.uniform(-0.5, 0.5),
      gx: rng.uniform(-0.5, 0.5),
    };
  }
  const peaks: PeakSpec[] = [];
  const density = o.density ?? 0.5;
  const n = Math.max(
    0,
    Math.round(o.frames * density + rng.normal(0, Math.sqrt(o.frames * density))),
  );
  for (let k = 0; k < n; k++) {
    const kind = pick(rng, PEAK_KINDS);
    const fw = rng.uniform(0.6, 2.5);
    const p: PeakSpec = {
      kind,
      y: rng.uniform(6, height - 6),
      x: rng.uniform(6, width - 6),
      dy: rng.normal(0, 0.3),
      dx: rng.normal(0, 0.3),
      su: rng.uniform(0.9, 2.5),
      sv: 0,
      theta: rng.uniform(0, Math.PI),
      amplitude: 10 ** rng.uniform(1.5, 4.5),
      f0: rng.uniform(-fw, o.frames - 1 + fw),
      fw,
    };
    p.sv = p.su;
    if (kind === 'anisotropic') p.sv = p.su * rng.uniform(1.6, 3);
    if (kind === 'streaked') {
      p.su = rng.uniform(0.8, 1.5);
      p.sv = rng.uniform(5, 14);
    }
    if (kind === 'split') {
      const d = rng.uniform(2.5, 4) * p.su;
      const a = rng.uniform(0, 2 * Math.PI);
      p.lobe = { dy: d * Math.sin(a), dx: d * Math.cos(a), ratio: rng.uniform(0.4, 1) };
    }
    if (kind === 'saturated') p.amplitude = saturation * rng.uniform(1.5, 6);
    peaks.push(p);
  }
  const dead: number[] = [];
  if (height === PILATUS_100K.height && width === PILATUS_100K.width) {
    for (const [y, x] of I16_DEAD_PIXELS) dead.push(y * width + x);
  } else {
    for (let k = 0; k < Math.max(1, Math.round((height * width) / 10000)); k++) {
      dead.push(rng.int(height * width));
    }
  }
  const hot: [number, number][] = [];
  for (let k = 0, m = 2 + rng.int(4); k < m; k++) {
    hot.push([rng.int(height * width), Math.round(10 ** rng.uniform(4, 5.5))]);
  }
  // The detector mask knows about half of the bad pixels (the rest are found by value).
  const masked = [
    ...dead.filter((_, i) => i % 2 === 0),
    ...hot.filter((_, i) => i % 2 === 0).map((h) => h[0]),
  ];
  return {
    seed: o.seed,
    frames: o.frames,
    height,
    width,
    saturation,
    background,
    peaks,
    dead,
    hot,
    masked,
  };
}

/** One peak of a kind at (y, x) (the draws of `planScan`'s peaks, amplitude given). */
function drawPeak(
  rng: Rng,
  kind: PeakKind,
  y: number,
  x: number,
  amplitude: number,
  f0: number,
  fw: number,
  saturation: number,
): PeakSpec {
  const p: PeakSpec = {
    kind,
    y,
    x,
    dy: rng.normal(0, 0.3),
    dx: rng.normal(0, 0.3),
    su: rng.uniform(0.9, 2.5),
    sv: 0,
    theta: rng.uniform(0, Math.PI),
    amplitude,
    f0,
    fw,
  };
  p.sv = p.su;
  if (kind === 'anisotropic') p.sv = p.su * rng.uniform(1.6, 3);
  if (kind === 'streaked') {
    p.su = rng.uniform(0.8, 1.5);
    p.sv = rng.uniform(5, 14);
  }
  if (kind === 'split') {
    const d = rng.uniform(2.5, 4) * p.su;
    const a = rng.uniform(0, 2 * Math.PI);
    p.lobe = { dy: d * Math.sin(a), dx: d * Math.cos(a), ratio: rng.uniform(0.4, 1) };
  }
  if (kind === 'saturated') p.amplitude = saturation * rng.uniform(1.5, 6);
  return p;
}

/** The `hard` preset (see `PlanOptions.preset`). */
function planHard(
  o: PlanOptions,
  rng: Rng,
  height: number,
  width: number,
  saturation: number,
): ScanPlan {
  const background: BackgroundSpec = {
    flat: rng.uniform(1, 20),
    ring: {
      radius: 0,
      cy: 0,
      cx: rng.uniform(0, width),
      width: rng.uniform(5, 25),
      amplitude: rng.uniform(10, 80),
    },
    streaks: [],
    fluorescence: {
      amplitude: rng.uniform(10, 100),
      gy: rng.uniform(-0.8, 0.8),
      gx: rng.uniform(-0.8, 0.8),
    },
  };
  const ring = background.ring!;
  ring.radius = rng.uniform(0.4, 1.0) * Math.max(height, width);
  ring.cy = height + rng.uniform(-0.2, 0.4) * ring.radius;
  for (let k = 0, m = 1 + rng.int(3); k < m; k++) {
    background.streaks.push({
      cy: rng.uniform(0, height),
      cx: rng.uniform(0, width),
      angle: rng.uniform(0, Math.PI),
      width: rng.uniform(2, 10),
      length: rng.uniform(80, 400),
      amplitude: rng.uniform(5, 40),
    });
  }
  const density = o.density ?? 1.5;
  const n = Math.max(
    0,
    Math.round(o.frames * density + rng.normal(0, Math.sqrt(o.frames * density))),
  );
  const peaks: PeakSpec[] = [];
  for (let k = 0; k < n; k++) {
    const kind = pick(rng, PEAK_KINDS);
    // weak: 10^0.8 … 10^3.5 counts, many within a few σ of the background noise
    const amplitude = 10 ** rng.uniform(0.8, 3.5);
    const prev = peaks.length > 0 && rng.next() < 0.4 ? peaks[rng.int(peaks.length)]! : undefined;
    let y: number;
    let x: number;
    let f0: number;
    let fw: number;
    if (prev) {
      // touching: 2–3.5 widths away, at the same rocking angle
      const d = rng.uniform(2, 3.5) * Math.max(prev.su, 1.2);
      const a = rng.uniform(0, 2 * Math.PI);
      y = Math.min(height - 6, Math.max(6, prev.y + d * Math.sin(a)));
      x = Math.min(width - 6, Math.max(6, prev.x + d * Math.cos(a)));
      f0 = prev.f0 + rng.uniform(-0.5, 0.5);
      fw = prev.fw;
    } else {
      fw = rng.uniform(0.6, 2.5);
      y = rng.uniform(6, height - 6);
      x = rng.uniform(6, width - 6);
      f0 = rng.uniform(-fw, o.frames - 1 + fw);
    }
    peaks.push(drawPeak(rng, kind, y, x, amplitude, f0, fw, saturation));
  }
  const dead: number[] = [];
  if (height === PILATUS_100K.height && width === PILATUS_100K.width) {
    for (const [yy, xx] of I16_DEAD_PIXELS) dead.push(yy * width + xx);
  } else {
    for (let k = 0; k < Math.max(1, Math.round((height * width) / 10000)); k++) {
      dead.push(rng.int(height * width));
    }
  }
  const hot: [number, number][] = [];
  for (let k = 0, m = 2 + rng.int(6); k < m; k++) {
    hot.push([rng.int(height * width), Math.round(10 ** rng.uniform(3, 5.5))]);
  }
  const masked = [
    ...dead.filter((_, i) => i % 2 === 0),
    ...hot.filter((_, i) => i % 2 === 0).map((h) => h[0]),
  ];
  return {
    seed: o.seed,
    frames: o.frames,
    height,
    width,
    saturation,
    background,
    peaks,
    dead,
    hot,
    masked,
  };
}

/** The noise-free background of the scan (counts per pixel; the fluorescence of frame f scales by `fluorescenceScale`). */
export function backgroundMap(plan: ScanPlan, f: number): Float32Array {
  const { height: h, width: w, background: b } = plan;
  const out = new Float32Array(h * w).fill(b.flat);
  const fl = b.fluorescence;
  const scale = 1 + 0.1 * Math.sin((2 * Math.PI * f) / Math.max(1, plan.frames));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      if (b.ring) {
        const r = Math.hypot(y - b.ring.cy, x - b.ring.cx);
        v += b.ring.amplitude * Math.exp(-0.5 * ((r - b.ring.radius) / b.ring.width) ** 2);
      }
      for (const s of b.streaks) {
        const c = Math.cos(s.angle);
        const sn = Math.sin(s.angle);
        const along = (x - s.cx) * c + (y - s.cy) * sn;
        const across = -(x - s.cx) * sn + (y - s.cy) * c;
        v += s.amplitude * Math.exp(-0.5 * (across / s.width) ** 2 - 0.5 * (along / s.length) ** 2);
      }
      if (fl)
        v += fl.amplitude * scale * Math.max(0, 1 + fl.gx * (x / w - 0.5) + fl.gy * (y / h - 0.5));
      out[y * w + x]! += v;
    }
  }
  return out;
}

/** A peak's noise-free image in frame f over its window (peak height 1 at the profile's maximum before scaling). */
interface PeakImage {
  y0: number;
  x0: number;
  h: number;
  w: number;
  values: Float32Array;
  max: number;
}

function profile(p: PeakSpec, dy: number, dx: number): number {
  const c = Math.cos(p.theta);
  const s = Math.sin(p.theta);
  const g = (yy: number, xx: number): number => {
    const u = xx * c + yy * s;
    const v = -xx * s + yy * c;
    return Math.exp(-0.5 * ((u / p.su) ** 2 + (v / p.sv) ** 2));
  };
  let val = g(dy, dx);
  if (p.lobe) val += p.lobe.ratio * g(dy - p.lobe.dy, dx - p.lobe.dx);
  return val;
}

export function peakAmplitude(p: PeakSpec, f: number): number {
  return p.amplitude * Math.exp(-0.5 * ((f - p.f0) / p.fw) ** 2);
}

function peakImage(plan: ScanPlan, p: PeakSpec, f: number): PeakImage | undefined {
  const a = peakAmplitude(p, f);
  const cy = p.y + p.dy * (f - p.f0);
  const cx = p.x + p.dx * (f - p.f0);
  const reach = 4 * Math.max(p.su, p.sv) + (p.lobe ? Math.hypot(p.lobe.dy, p.lobe.dx) : 0) + 1;
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(plan.height, Math.ceil(cy + reach) + 1);
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(plan.width, Math.ceil(cx + reach) + 1);
  if (y1 <= y0 || x1 <= x0) return undefined;
  const h = y1 - y0;
  const w = x1 - x0;
  const values = new Float32Array(h * w);
  let max = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = a * profile(p, y0 + y - cy, x0 + x - cx);
      values[y * w + x] = v;
      if (v > max) max = v;
    }
  }
  return { y0, x0, h, w, values, max };
}

export interface RenderedFrame {
  /** Detector counts (int32: dead pixels read DEAD_VALUE). */
  counts: Int32Array;
  /** Truth instance ids (0 = background). */
  truth: Uint16Array;
  /** Plan index of the peak behind each instance id (id k at k−1). */
  peakOf: number[];
}

/** Render frame `f` of the plan (noise from the frame's own seed). */
export function renderFrame(plan: ScanPlan, f: number): RenderedFrame {
  const { height: h, width: w } = plan;
  const bg = backgroundMap(plan, f);
  const model = Float32Array.from(bg);
  const truth = new Uint16Array(h * w);
  const own = new Float32Array(h * w); // intensity of the instance owning each truth pixel
  const peakOf: number[] = [];
  plan.peaks.forEach((p, k) => {
    const img = peakImage(plan, p, f);
    if (!img || img.max <= 0) return;
    const cy = Math.min(h - 1, Math.max(0, Math.round(p.y + p.dy * (f - p.f0))));
    const cx = Math.min(w - 1, Math.max(0, Math.round(p.x + p.dx * (f - p.f0))));
    const visible = img.max >= 5 * Math.max(1, Math.sqrt(bg[cy * w + cx]!));
    const id = visible ? peakOf.length + 1 : 0;
    if (visible) peakOf.push(k);
    const cut = 0.1 * img.max;
    for (let y = 0; y < img.h; y++) {
      for (let x = 0; x < img.w; x++) {
        const v = img.values[y * img.w + x]!;
        const i = (img.y0 + y) * w + img.x0 + x;
        model[i]! += v;
        if (id > 0 && v > cut && v > own[i]!) {
          truth[i] = id;
          own[i] = v;
        }
      }
    }
  });
  const rng = createRng(deriveSeed(plan.seed, 'peaks-frame', f));
  const counts = new Int32Array(h * w);
  for (let i = 0; i < h * w; i++) counts[i] = Math.min(plan.saturation, rng.poisson(model[i]!));
  for (const [i, c] of plan.hot) counts[i] = Math.min(plan.saturation, c);
  for (const i of plan.dead) counts[i] = DEAD_VALUE;
  return { counts, truth, peakOf };
}
