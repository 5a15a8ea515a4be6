/**
 * A trained peaks model at prediction time: the bundle (`bragg.json` + TF.js layers model,
 * checked by `loadBundle`), rebuilt at the size of the frames it is given (the U-Net is fully
 * convolutional: the architecture is built again at the padded frame size and the trained
 * weights copied in), run on blocks of frames and decoded into instances (`decode.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../core/errors.js';
import { loadBundle, type ModelBundle } from '../../../ml/store/bundle.js';
import type { PeaksPredictor } from '../predictor.js';
import {
  paddedSize,
  PEAKS_UNET,
  PEAKS_UNET_ARCHITECTURE,
  PEAKS_UNET_OUTPUTS,
  type PeaksUnetOptions,
} from '../models/unet.js';
import { decodeInstances, type DecodedFrame, type DecodeOptions } from './decode.js';
import { localBackground, type LocalBackground } from '../classic/background.js';
import { inputChannels, inputSpan, networkInput, PEAKS_BACKGROUND } from './maps.js';

export interface PeaksModel extends PeaksPredictor {
  /**
   * The network's maps of `count` frames (count × h × w counts, bad pixels repaired): for each
   * frame hp × wp × 2 (foreground, interior), hp and wp the padded size.
   */
  maps(
    frames: Float32Array,
    count: number,
    h: number,
    w: number,
    /**
     * The frames are already the network's input (`networkInput`: count × h × w × channels),
     * not counts.
     */
    scaled?: boolean,
    /** Run the network only near pixels this many σ above their background (`RunOptions`). */
    gate?: number,
  ): {
    data: Float32Array;
    hp: number;
    wp: number;
    backgrounds?: LocalBackground[];
    /** With a gate: the network's windows' cores as a share of the frames' area (at most 1). */
    tileShare?: number;
  };
}

/** Options of a prediction run that are not decoding. */
export interface RunOptions {
  /**
   * Gate in σ (e.g. 5–8): the network runs only on windows of 32 × 32 pixels (with 8 pixels
   * of context on each side) placed over the pixels within 8 of one whose 3 × 3 sum above the
   * local background (`PEAKS_BACKGROUND`) is at least this significant — one window for most
   * isolated peaks; the maps are 0 elsewhere. Absent: the whole frame.
   */
  gate?: number;
}

/**
 * Marks the cells (m × m pixels of the padded frame, hp × wp) within M pixels of a significant
 * pixel: one whose 3 × 3 sum above the background is at least `gate` times that sum's noise
 * (3·max(σ, 1)) — a matched filter for peaks of a few pixels (single-pixel Poisson tails at
 * low backgrounds would light up every cell). `excess` is scratch of (h + 2) × (w + 2), the
 * excess with a border of zeros, so that the sums need no edge cases.
 */
function markActive(
  fr: Float32Array,
  bg: LocalBackground,
  h: number,
  w: number,
  gate: number,
  M: number,
  m: number,
  hp: number,
  wp: number,
  active: Uint8Array,
  excess: Float32Array,
): void {
  const cw = wp / m;
  active.fill(0);
  const mean = bg.mean;
  const std = bg.std;
  const W2 = w + 2;
  for (let yy = 0; yy < h; yy++) {
    const o = yy * w;
    const e = (yy + 1) * W2 + 1;
    for (let xx = 0; xx < w; xx++) excess[e + xx] = fr[o + xx]! - mean[o + xx]!;
  }
  const level = 3 * gate;
  for (let yy = 0; yy < h; yy++) {
    const a0 = yy * W2;
    const a1 = a0 + W2;
    const a2 = a1 + W2;
    const row = yy * w;
    // the column sums of the 3 rows, rolled along the row
    let cl = Math.fround(excess[a0]! + excess[a1]! + excess[a2]!);
    let cm = Math.fround(excess[a0 + 1]! + excess[a1 + 1]! + excess[a2 + 1]!);
    for (let xx = 0; xx < w; xx++) {
      const cr = Math.fround(excess[a0 + xx + 2]! + excess[a1 + xx + 2]! + excess[a2 + xx + 2]!);
      const sum = Math.fround(cm + cl + cr);
      const s = std[row + xx]!;
      const hit = sum >= level * (s > 1 ? s : 1);
      cl = cm;
      cm = cr;
      if (!hit) continue;
      const r0 = Math.floor(Math.max(0, yy - M) / m);
      const r1 = Math.floor(Math.min(hp - 1, yy + M) / m);
      const c0 = Math.floor(Math.max(0, xx - M) / m);
      const c1 = Math.floor(Math.min(wp - 1, xx + M) / m);
      for (let r = r0; r <= r1; r++) active.fill(1, r * cw + c0, r * cw + c1 + 1);
    }
  }
}

/** Frames the network runs on at once (the memory is ~ this × frame pixels × 4·filters floats). */
const SUB_BATCH = 4;

export async function loadPeaksModel(dir: string): Promise<PeaksModel> {
  return unetModel(await loadBundle(dir));
}

/** A loaded U-Net bundle as a model (a ValidationError, the bundle disposed, for any other). */
export function unetModel(b: ModelBundle): PeaksModel {
  if (b.meta.workflow !== 'peaks' || b.meta.architecture.name !== PEAKS_UNET) {
    b.model.dispose();
    throw new ValidationError(
      `${b.dir} is a ${b.meta.workflow} model (${b.meta.architecture.name}), not a peaks model (${PEAKS_UNET} or peaks-sslm); train one with bragg peaks train`,
      'model',
    );
  }
  const arch = PEAKS_UNET_ARCHITECTURE.resolve(
    b.meta.architecture.config as Partial<PeaksUnetOptions>,
  );
  const weights = b.model.getWeights();
  const sized = new Map<string, tf.LayersModel>();
  const at = (hp: number, wp: number): tf.LayersModel => {
    const key = `${hp}x${wp}`;
    let m = sized.get(key);
    if (m === undefined) {
      m = PEAKS_UNET_ARCHITECTURE.build({ ...arch, height: hp, width: wp }, 0);
      m.setWeights(weights);
      sized.set(key, m);
    }
    return m;
  };
  /** The maps' buffer of `predict`, which decodes them at once: reused from call to call. */
  let reused: Float32Array | undefined;
  const buffer = (size: number, reuse: boolean, zero: boolean): Float32Array => {
    if (!reuse) return new Float32Array(size);
    if (reused === undefined || reused.length < size) reused = new Float32Array(size);
    const b = reused.subarray(0, size);
    return zero ? b.fill(0) : b;
  };
  const mapsOf = (
    frames: Float32Array,
    count: number,
    h: number,
    w: number,
    isScaled: boolean,
    gate: number | undefined,
    reuse: boolean,
  ): ReturnType<PeaksModel['maps']> => {
    if (gate !== undefined) {
      if (isScaled) throw new ValidationError('a gate needs counts, not scaled frames', 'gate');
      return gatedMaps(frames, count, h, w, gate, reuse);
    }
    const hp = paddedSize(h, arch.levels, arch.patch);
    const wp = paddedSize(w, arch.levels, arch.patch);
    const model = at(hp, wp);
    const c = inputChannels(arch.input);
    // (every value is written below)
    const out = buffer(count * hp * wp * PEAKS_UNET_OUTPUTS.length, reuse, false);
    const scaled = new Float32Array(h * w * c);
    const backgrounds: LocalBackground[] = [];
    for (let k0 = 0; k0 < count; k0 += SUB_BATCH) {
      const k1 = Math.min(count, k0 + SUB_BATCH);
      const x = new Float32Array((k1 - k0) * hp * wp * c);
      for (let k = k0; k < k1; k++) {
        if (isScaled) scaled.set(frames.subarray(k * h * w * c, (k + 1) * h * w * c));
        else {
          const f = frames.subarray(k * h * w, (k + 1) * h * w);
          const r = networkInput(f, h, w, arch.input, scaled);
          if (r.background) backgrounds.push(r.background);
        }
        const base = (k - k0) * hp * wp * c;
        // edge padding: the last row / column repeated
        for (let r = 0; r < hp; r++) {
          const sr = Math.min(r, h - 1) * w;
          const o = base + r * wp * c;
          for (let q = 0; q < wp; q++) {
            const src = (sr + Math.min(q, w - 1)) * c;
            for (let j = 0; j < c; j++) x[o + q * c + j] = scaled[src + j]!;
          }
        }
      }
      const y = tf.tidy(() => model.predict(tf.tensor4d(x, [k1 - k0, hp, wp, c])) as tf.Tensor);
      out.set(y.dataSync() as Float32Array, k0 * hp * wp * 2);
      y.dispose();
    }
    return {
      data: out,
      hp,
      wp,
      ...(backgrounds.length === count ? { backgrounds } : {}),
    };
  };
  const maps: PeaksModel['maps'] = (frames, count, h, w, isScaled = false, gate) =>
    mapsOf(frames, count, h, w, isScaled, gate, false);
  /**
   * The maps of frames computed window by window where something is significant. A pixel is
   * significant when its 3 × 3 sum above the background is at least `gate` times that sum's
   * noise (3·max(σ, 1)); cells of m × m pixels (m = patch · 2^levels, the network's stride
   * grid) within M pixels of one are active. Each 8-connected group of active cells is covered
   * by cores of T × T pixels (T = 32, a multiple of m) placed on the cell grid from the group's
   * corner — usually one core for an isolated peak — and each core runs with M pixels of
   * context around it (edge-padded at the frame's borders, as the whole-frame path pads):
   * inputs of (T + 2M)², the size class of the training crops, so a window sees what the
   * network was trained on. Every pixel within M of a significant one thus lies in a core; the
   * maps are 0 outside the cores.
   */
  function gatedMaps(
    frames: Float32Array,
    count: number,
    h: number,
    w: number,
    gate: number,
    reuse: boolean,
  ): ReturnType<PeaksModel['maps']> {
    if (!(gate >= 0 && gate < 1e6))
      throw new ValidationError(`gate must be a number of σ ≥ 0, got ${gate}`, 'gate');
    const m = arch.patch << arch.levels;
    const hp = paddedSize(h, arch.levels, arch.patch);
    const wp = paddedSize(w, arch.levels, arch.patch);
    const T = Math.ceil(32 / m) * m;
    let M = 8;
    while ((T + 2 * M) % m !== 0) M++;
    const k = T / m; // cells per side of the smallest core
    const ch = hp / m;
    const cw = wp / m;
    const c = inputChannels(arch.input);
    const out = buffer(count * hp * wp * 2, reuse, true);
    const backgrounds: LocalBackground[] = [];
    const TILE_BATCH = 32;
    /** Windows waiting to run, by core size (rows × columns in pixels). */
    const pending = new Map<
      string,
      { th: number; tw: number; x: Float32Array; where: [number, number, number][] }
    >();
    let covered = 0;
    const flush = (p: {
      th: number;
      tw: number;
      x: Float32Array;
      where: [number, number, number][];
    }): void => {
      const n = p.where.length;
      if (n === 0) return;
      const sh = p.th + 2 * M;
      const sw = p.tw + 2 * M;
      const model = at(sh, sw);
      const y = tf.tidy(
        () =>
          model.predict(tf.tensor4d(p.x.subarray(0, n * sh * sw * c), [n, sh, sw, c])) as tf.Tensor,
      );
      const maps = y.dataSync() as Float32Array;
      y.dispose();
      for (let t = 0; t < n; t++) {
        const [f, y0, x0] = p.where[t]!;
        const q1 = Math.min(p.tw, wp - x0);
        for (let r = 0; r < p.th && y0 + r < hp; r++) {
          const src = ((t * sh + M + r) * sw + M) * 2;
          const dst = ((f * hp + y0 + r) * wp + x0) * 2;
          out.set(maps.subarray(src, src + q1 * 2), dst);
        }
      }
      p.where.length = 0;
    };
    /**
     * One window: a core of th × tw pixels at (y0, x0) of frame f (counts `fr`, background
     * `bg`), its input computed here (the input of the frame outside the windows is never
     * needed).
     */
    const addWindow = (
      f: number,
      fr: Float32Array,
      bg: LocalBackground,
      y0: number,
      x0: number,
      th: number,
      tw: number,
    ): void => {
      covered += th * tw;
      const key = `${th}x${tw}`;
      const sh = th + 2 * M;
      const sw = tw + 2 * M;
      let p = pending.get(key);
      if (p === undefined) {
        p = { th, tw, x: new Float32Array(TILE_BATCH * sh * sw * c), where: [] };
        pending.set(key, p);
      }
      const x = p.x;
      const base = p.where.length * sh * sw * c;
      const ya = y0 - M;
      const xa = x0 - M;
      if (ya >= 0 && xa >= 0 && ya + sh <= h && xa + sw <= w) {
        for (let r = 0; r < sh; r++)
          inputSpan(fr, bg, arch.input, (ya + r) * w + xa, sw, x, base + r * sw * c);
      } else {
        // edge padding: the nearest pixel of the frame, row runs where the window is inside
        const qa = Math.max(0, -xa);
        const qb = Math.min(sw, w - xa);
        for (let r = 0; r < sh; r++) {
          const sr = Math.min(h - 1, Math.max(0, ya + r)) * w;
          const o = base + r * sw * c;
          if (qb > qa) inputSpan(fr, bg, arch.input, sr + xa + qa, qb - qa, x, o + qa * c);
          for (let q = 0; q < sw; q++) {
            if (q >= qa && q < qb) continue;
            inputSpan(
              fr,
              bg,
              arch.input,
              sr + Math.min(w - 1, Math.max(0, xa + q)),
              1,
              x,
              o + q * c,
            );
          }
        }
      }
      p.where.push([f, y0, x0]);
      if (p.where.length === TILE_BATCH) flush(p);
    };
    /** Blocks [start, size) covering n cells: one block of k, 1.5k or 2k cells, or 2k-blocks. */
    const blocks = (n: number): [number, number][] => {
      const mid = Math.ceil((3 * k) / 2);
      const fit = (r: number): number => (r <= k ? k : r <= mid ? mid : 2 * k);
      const res: [number, number][] = [];
      for (let s0 = 0; s0 < n; s0 += 2 * k) res.push([s0, fit(Math.min(2 * k, n - s0))]);
      return res;
    };
    const active = new Uint8Array(ch * cw);
    const group = new Int32Array(ch * cw);
    const stack = new Int32Array(ch * cw);
    // the excess over the background with a border of zeros, so the 3 × 3 sums of pixels
    // inside the frame need no edge cases
    const excess = new Float32Array((h + 2) * (w + 2));
    for (let f = 0; f < count; f++) {
      const fr = frames.subarray(f * h * w, (f + 1) * h * w);
      const bg = localBackground(fr, h, w, PEAKS_BACKGROUND);
      backgrounds.push(bg);
      markActive(fr, bg, h, w, gate, M, m, hp, wp, active, excess);
      // 8-connected groups of active cells, each covered by cores from its top-left cell
      group.fill(0);
      let groups = 0;
      for (let i0 = 0; i0 < ch * cw; i0++) {
        if (active[i0] === 0 || group[i0] !== 0) continue;
        const id = ++groups;
        let top = 0;
        stack[top++] = i0;
        group[i0] = id;
        let gr0 = ch;
        let gr1 = -1;
        let gc0 = cw;
        let gc1 = -1;
        while (top > 0) {
          const i = stack[--top]!;
          const r = (i / cw) | 0;
          const q = i - r * cw;
          if (r < gr0) gr0 = r;
          if (r > gr1) gr1 = r;
          if (q < gc0) gc0 = q;
          if (q > gc1) gc1 = q;
          for (let dr = -1; dr <= 1; dr++) {
            const rr = r + dr;
            if (rr < 0 || rr >= ch) continue;
            for (let dq = -1; dq <= 1; dq++) {
              const qq = q + dq;
              if (qq < 0 || qq >= cw) continue;
              const j = rr * cw + qq;
              if (active[j] === 0 || group[j] !== 0) continue;
              group[j] = id;
              stack[top++] = j;
            }
          }
        }
        for (const [oy, kr] of blocks(gr1 - gr0 + 1))
          for (const [ox, kc] of blocks(gc1 - gc0 + 1)) {
            const ry = gr0 + oy;
            const rx = gc0 + ox;
            // a core on this block only if the group has a cell in it (L-shaped groups)
            let any = false;
            for (let a = ry; a < Math.min(ry + kr, gr1 + 1) && !any; a++)
              for (let q = rx; q < Math.min(rx + kc, gc1 + 1); q++)
                if (group[a * cw + q] === id) {
                  any = true;
                  break;
                }
            if (!any) continue;
            // the core inside the padded frame where it fits (a frame smaller than a core
            // overhangs, as the edge padding does)
            const ty = Math.max(0, Math.min(ry, ch - kr));
            const tx = Math.max(0, Math.min(rx, cw - kc));
            addWindow(f, fr, bg, ty * m, tx * m, kr * m, kc * m);
          }
      }
    }
    for (const p of pending.values()) flush(p);
    return {
      data: out,
      hp,
      wp,
      backgrounds,
      tileShare: Math.min(1, covered / Math.max(1, count * hp * wp)),
    };
  }
  const own = ((b.meta as { peaks?: { decode?: DecodeOptions } }).peaks?.decode ??
    {}) as DecodeOptions;
  const decodeOwn: DecodeOptions = {};
  for (const k of ['threshold', 'nmsIou', 'seedLevel', 'maskLevel', 'grow', 'minPixels'] as const)
    if (typeof own[k] === 'number') decodeOwn[k] = own[k];
  return {
    dir: b.dir,
    meta: b.meta,
    decode: decodeOwn,
    maps,
    predict(frames, count, h, w, given = {}, run = {}) {
      const decode: DecodeOptions = { ...decodeOwn };
      for (const [k, v] of Object.entries(given))
        if (v !== undefined) decode[k as keyof DecodeOptions] = v as number;
      const { data, hp, wp, backgrounds } = mapsOf(frames, count, h, w, false, run.gate, true);
      const res: DecodedFrame[] = [];
      for (let k = 0; k < count; k++) {
        const d = decodeInstances(
          data.subarray(k * hp * wp * 2, (k + 1) * hp * wp * 2),
          h,
          w,
          decode,
          wp,
        );
        const bg = backgrounds?.[k];
        res.push(bg ? { ...d, background: bg.mean } : d);
      }
      return res;
    },
    dispose() {
      for (const m of sized.values()) m.dispose();
      sized.clear();
      b.model.dispose();
    },
  };
}
