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

/** ln(1 + 2^20): the scale of the log input. */
export const LOG_SCALE = Math.log1p(2 ** 20);

export const PEAKS_PREPROCESSING =
  'peaks/1: bad pixels repaired (scan/preprocess.ts), log(1 + max(0, counts)) / log(1 + 2^20), edge-padded to a multiple of 2^levels';

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
