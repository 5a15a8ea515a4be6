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
import { inputChannels, networkInput, PEAKS_BACKGROUND } from './maps.js';

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
    /** With a gate: the share of the frames' tile cores the network ran on. */
    tileShare?: number;
  };
}

/** Options of a prediction run that are not decoding. */
export interface RunOptions {
  /**
   * Gate in σ (e.g. 5–8): the network runs only on 32 × 32 tiles (with 8 pixels of context on
   * each side) within reach of a pixel whose 3 × 3 sum above the local background
   * (`PEAKS_BACKGROUND`) is at least this significant; the maps are 0 elsewhere. Absent: the
   * whole frame.
   */
  gate?: number;
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
  const maps: PeaksModel['maps'] = (frames, count, h, w, isScaled = false, gate) => {
    if (gate !== undefined) {
      if (isScaled) throw new ValidationError('a gate needs counts, not scaled frames', 'gate');
      return gatedMaps(frames, count, h, w, gate);
    }
    const hp = paddedSize(h, arch.levels, arch.patch);
    const wp = paddedSize(w, arch.levels, arch.patch);
    const model = at(hp, wp);
    const c = inputChannels(arch.input);
    const out = new Float32Array(count * hp * wp * PEAKS_UNET_OUTPUTS.length);
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
  /**
   * The maps of frames computed tile by tile where something is significant. Tiles: cores of
   * T × T pixels (T = 32, a multiple of patch · 2^levels) over the padded frame, each run with
   * M pixels of context around it (edge-padded at the frame's borders, as the whole-frame path
   * pads) — inputs of (T + 2M)², the size class of the training crops, so a tile sees what the
   * network was trained on. A tile runs when a pixel whose 3 × 3 sum above the background is at
   * least `gate` times that sum's noise (3·max(σ, 1)) lies within M pixels of its core, so a
   * peak that spills over a core's edge runs in both tiles.
   */
  function gatedMaps(
    frames: Float32Array,
    count: number,
    h: number,
    w: number,
    gate: number,
  ): ReturnType<PeaksModel['maps']> {
    if (!(gate >= 0 && gate < 1e6))
      throw new ValidationError(`gate must be a number of σ ≥ 0, got ${gate}`, 'gate');
    const m = arch.patch << arch.levels;
    const hp = paddedSize(h, arch.levels, arch.patch);
    const wp = paddedSize(w, arch.levels, arch.patch);
    const T = Math.ceil(32 / m) * m;
    let M = 8;
    while ((T + 2 * M) % m !== 0) M++;
    const S = T + 2 * M;
    const ny = Math.ceil(hp / T);
    const nx = Math.ceil(wp / T);
    const c = inputChannels(arch.input);
    const model = at(S, S);
    const out = new Float32Array(count * hp * wp * 2);
    const scaled = new Float32Array(h * w * c);
    const backgrounds: LocalBackground[] = [];
    const TILE_BATCH = 32;
    const x = new Float32Array(TILE_BATCH * S * S * c);
    const where: [number, number, number][] = [];
    let ran = 0;
    const flush = (): void => {
      const n = where.length;
      if (n === 0) return;
      const y = tf.tidy(
        () => model.predict(tf.tensor4d(x.subarray(0, n * S * S * c), [n, S, S, c])) as tf.Tensor,
      );
      const maps = y.dataSync() as Float32Array;
      y.dispose();
      for (let t = 0; t < n; t++) {
        const [k, ty, tx] = where[t]!;
        for (let r = 0; r < T; r++) {
          const yy = ty * T + r;
          if (yy >= hp) break;
          const q1 = Math.min(T, wp - tx * T);
          const src = ((t * S + M + r) * S + M) * 2;
          const dst = ((k * hp + yy) * wp + tx * T) * 2;
          out.set(maps.subarray(src, src + q1 * 2), dst);
        }
      }
      where.length = 0;
    };
    const active = new Uint8Array(ny * nx);
    const excess = new Float32Array(h * w);
    const box = new Float32Array(h * w);
    for (let k = 0; k < count; k++) {
      const f = frames.subarray(k * h * w, (k + 1) * h * w);
      const bg = localBackground(f, h, w, PEAKS_BACKGROUND);
      backgrounds.push(bg);
      networkInput(f, h, w, arch.input, scaled, bg);
      active.fill(0);
      // the significance of 3 × 3 sums above the background (a matched filter for peaks of a
      // few pixels; single-pixel Poisson tails at low backgrounds would light up every tile)
      for (let i = 0; i < h * w; i++) excess[i] = f[i]! - bg.mean[i]!;
      boxSum3(excess, h, w, box);
      for (let yy = 0; yy < h; yy++)
        for (let xx = 0; xx < w; xx++) {
          const i = yy * w + xx;
          if (box[i]! < 3 * gate * Math.max(bg.std[i]!, 1)) continue;
          const ty0 = Math.max(0, Math.floor((yy - M) / T));
          const ty1 = Math.min(ny - 1, Math.floor((yy + M) / T));
          const tx0 = Math.max(0, Math.floor((xx - M) / T));
          const tx1 = Math.min(nx - 1, Math.floor((xx + M) / T));
          for (let a = ty0; a <= ty1; a++)
            for (let b2 = tx0; b2 <= tx1; b2++) active[a * nx + b2] = 1;
        }
      for (let ty = 0; ty < ny; ty++)
        for (let tx = 0; tx < nx; tx++) {
          if (active[ty * nx + tx] === 0) continue;
          ran++;
          const base = where.length * S * S * c;
          for (let r = 0; r < S; r++) {
            const sr = Math.min(h - 1, Math.max(0, ty * T - M + r)) * w;
            for (let q = 0; q < S; q++) {
              const src = (sr + Math.min(w - 1, Math.max(0, tx * T - M + q))) * c;
              const o = base + (r * S + q) * c;
              for (let j = 0; j < c; j++) x[o + j] = scaled[src + j]!;
            }
          }
          where.push([k, ty, tx]);
          if (where.length === TILE_BATCH) flush();
        }
    }
    flush();
    return { data: out, hp, wp, backgrounds, tileShare: ran / Math.max(1, count * ny * nx) };
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
      const { data, hp, wp, backgrounds } = maps(frames, count, h, w, false, run.gate);
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

/** out[y, x] = the sum of x over the 3 × 3 pixels around (y, x) (those inside the frame). */
function boxSum3(x: Float32Array, h: number, w: number, out: Float32Array): void {
  const row = new Float32Array(w);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let q = 0; q < w; q++) {
      let v = x[o + q]!;
      if (y > 0) v += x[o - w + q]!;
      if (y < h - 1) v += x[o + w + q]!;
      row[q] = v;
    }
    for (let q = 0; q < w; q++)
      out[o + q] = row[q]! + (q > 0 ? row[q - 1]! : 0) + (q < w - 1 ? row[q + 1]! : 0);
  }
}
