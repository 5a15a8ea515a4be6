/**
 * What the peaks network sees and learns: the input scaling of a frame and the two target maps
 * made from an instance mask.
 *
 * **Input: log scaling, not the seed's per-frame min–max.** Detector counts span six decades
 * (a background of 0.2–30 counts, peaks of 30–3·10⁴ counts, saturated peaks and hot pixels at
 * 10⁴–10⁶); a per-frame min–max maps a frame with one hot pixel or one saturated peak so that
 * every weak peak lies below 10⁻³ — the network would have to learn a different contrast for
 * every frame. `log(1 + max(0, counts)) / log(1 + 2²⁰)` keeps a weak peak's contrast against
 * its background the same whatever else is in the frame, and maps every 20-bit count onto [0, 1]
 * with one fixed scale (no per-frame statistics: a crop scales the same as the whole frame).
 *
 * **Targets.** `foreground`: the pixel belongs to a peak (instance id > 0). `interior`: it
 * belongs to a peak and none of its 8 neighbours belongs to another peak — touching peaks are
 * separated by a 2-pixel gap in this map, while an isolated peak (however small) is interior
 * everywhere, so every peak keeps a seed (`decode.ts`).
 */

import { localBackground, type LocalBackground } from '../classic/background.js';

/** ln(1 + 2^20): the scale of the log input. */
export const LOG_SCALE = Math.log1p(2 ** 20);

export const PEAKS_PREPROCESSING =
  'peaks/1: bad pixels repaired (scan/preprocess.ts), log(1 + max(0, counts)) / log(1 + 2^20), edge-padded to a multiple of 2^levels';

/**
 * What the network is given, per pixel (the U-Net's `input` option):
 * - `log`: one channel, the log scaling above.
 * - `log+snr`: a second channel, the pixel's significance over its local background as the
 *   classic finder measures it — s = (counts − b) / max(σ, 1), b and σ the sigma-clipped mean
 *   and standard deviation around the pixel (`PEAKS_BACKGROUND`) — compressed as
 *   asinh(s) / asinh(1000). The log channel alone leaves the network to learn what "above the
 *   background" means under every background; strong structured backgrounds (air-scatter
 *   rings, fluorescence, streaks at 10–100 counts) are where it made its false positives, and
 *   where the classic finder, which thresholds s, did best.
 */
export const PEAKS_INPUTS = ['log', 'log+snr'] as const;
export type PeaksInput = (typeof PEAKS_INPUTS)[number];

export const PEAKS_PREPROCESSING_SNR = `${PEAKS_PREPROCESSING}; channel 2: asinh((counts − b) / max(σ, 1)) / asinh(1000), b and σ the local background (radius 20, 5 passes clipped at 3σ, grid 4)`;

/** The local background of the snr channel, and of the predicted peaks' intensities. */
export const PEAKS_BACKGROUND = { radius: 20, passes: 5, clip: 3, grid: 4 } as const;

/** asinh(1000): the scale of the snr channel. */
export const SNR_SCALE = Math.asinh(1000);

/** Channels of an input kind. */
export function inputChannels(input: PeaksInput): number {
  return input === 'log' ? 1 : 2;
}

/** Range of each channel (for the 16-bit storage of training frames). */
export const CHANNEL_RANGE: readonly (readonly [number, number])[] = [
  [0, 1],
  [-1, 2],
];

/**
 * The network input of one frame (counts, bad pixels repaired): h × w × channels, channel last.
 * `background` is the frame's `PEAKS_BACKGROUND` when the caller has it (computed otherwise,
 * for `log+snr`); it is returned so that the caller can reuse it.
 */
export function networkInput(
  frame: Float32Array,
  h: number,
  w: number,
  input: PeaksInput,
  out: Float32Array = new Float32Array(h * w * inputChannels(input)),
  background?: LocalBackground,
): { data: Float32Array; background?: LocalBackground } {
  if (input === 'log') return { data: logScale(frame, out) };
  const bg = background ?? localBackground(frame, h, w, PEAKS_BACKGROUND);
  inputSpan(frame, bg, input, 0, h * w, out, 0);
  return { data: out, background: bg };
}

/**
 * The network input of pixels [i0, i0 + len) of a frame (as `networkInput`), written channel
 * last from `out[o0]` on; `bg` is the frame's `PEAKS_BACKGROUND` (unused for `log`).
 */
export function inputSpan(
  frame: Float32Array,
  bg: LocalBackground,
  input: PeaksInput,
  i0: number,
  len: number,
  out: Float32Array,
  o0: number,
): void {
  const lut = logTable();
  if (input === 'log') {
    for (let k = 0; k < len; k++) {
      const v = frame[i0 + k]!;
      out[o0 + k] = v > 0 && Number.isFinite(v) ? Math.log1p(v) / LOG_SCALE : 0;
    }
    return;
  }
  const mean = bg.mean;
  const std = bg.std;
  for (let k = 0; k < len; k++) {
    const i = i0 + k;
    const v = frame[i]!;
    const ok = Number.isFinite(v);
    const q = v | 0;
    const o = o0 + 2 * k;
    // detector counts are whole numbers: the log of most pixels is a table lookup
    out[o] = q === v && q >= 0 && q < LOG_TABLE ? lut[q]! : ok && v > 0 ? Math.log1p(v) / LOG_SCALE : 0; // prettier-ignore
    out[o + 1] = ok ? scaledAsinh((v - mean[i]!) / Math.max(std[i]!, 1)) : 0;
  }
}

/** |s| up to this is interpolated from the asinh table, in steps of 1/ASINH_STEPS. */
const ASINH_MAX = 64;
const ASINH_STEPS = 256;
let asinhLut: Float64Array | undefined;

/**
 * asinh(s) / SNR_SCALE, the significance channel: linear interpolation in a table of step
 * 1/256 for |s| ≤ 64 (error ≤ h²/8 · max|asinh''| / SNR_SCALE ≈ 1e-7, a 460th of the 16-bit
 * storage step of training frames; Math.asinh costs ~25 ns a pixel, 2.5 ms a 195 × 487 frame),
 * Math.asinh beyond.
 */
export function scaledAsinh(s: number): number {
  const a = Math.abs(s);
  if (!(a < ASINH_MAX)) return Math.asinh(s) / SNR_SCALE;
  let t = asinhLut;
  if (t === undefined) {
    t = new Float64Array(ASINH_MAX * ASINH_STEPS + 2);
    for (let k = 0; k < t.length; k++) t[k] = Math.asinh(k / ASINH_STEPS) / SNR_SCALE;
    asinhLut = t;
  }
  const x = a * ASINH_STEPS;
  const k = x | 0;
  const f = t[k]! + (x - k) * (t[k + 1]! - t[k]!);
  return s < 0 ? -f : f;
}

/** Whole counts below this are scaled by table. */
const LOG_TABLE = 1 << 16;
let logLut: Float32Array | undefined;
/** log1p(k) / LOG_SCALE for k < LOG_TABLE, rounded to float32 as `logScale` stores it. */
function logTable(): Float32Array {
  if (logLut === undefined) {
    logLut = new Float32Array(LOG_TABLE);
    for (let k = 0; k < LOG_TABLE; k++) logLut[k] = Math.log1p(k) / LOG_SCALE;
  }
  return logLut;
}

/** The network input of one frame: `out[i] = log1p(max(0, frame[i])) / LOG_SCALE`. */
export function logScale(
  frame: Float32Array,
  out: Float32Array = new Float32Array(frame.length),
): Float32Array {
  for (let i = 0; i < frame.length; i++) {
    const v = frame[i]!;
    out[i] = v > 0 && Number.isFinite(v) ? Math.log1p(v) / LOG_SCALE : 0;
  }
  return out;
}

/**
 * The two targets of an instance mask (h × w ids, 0 = background), interleaved as the network's
 * output is (h × w × 2: foreground, interior).
 */
export function targetMaps(mask: Uint16Array, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w * 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const id = mask[i]!;
      if (id === 0) continue;
      out[2 * i] = 1;
      let interior = 1;
      for (let dy = -1; dy <= 1 && interior; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const j = mask[yy * w + xx]!;
          if (j !== 0 && j !== id) {
            interior = 0;
            break;
          }
        }
      }
      out[2 * i + 1] = interior;
    }
  }
  return out;
}
