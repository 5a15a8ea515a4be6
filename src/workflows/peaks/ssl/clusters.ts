/**
 * Which of the SSLM's clusters are peaks, and from clusters to peak instances.
 *
 * **Choosing the peak clusters (no labels).** The seed hard-codes its trained model's channels
 * 13 and 66; a new training gives other channels. Here, after training, the network labels the
 * pixels of training frames (its argmax) and each cluster k is scored by how many of its
 * n_k pixels are *reference* pixels r_k — the pixels the classic peakfinder8-style finder puts
 * in a peak (`ssl/data.ts`; a local background and an SNR threshold, itself unsupervised). The
 * clusters are ranked by their reference share r_k / n_k (ties: more reference pixels first)
 * and the peak clusters are the best-ranked prefix whose union matches the reference best:
 * the prefix with the largest pixel IoU Σr / (Σn + R − Σr), R the reference pixels in all. No
 * level to tune, and a cluster that is mostly background never enters (it lowers the IoU).
 *
 * **Instances.** The peak mask is the pixels whose argmax is a peak cluster; its 8-connected
 * components with at least `minPixels` pixels are the instances; an instance's confidence is
 * the mean over its pixels of the peak probability (the softmax summed over the peak
 * clusters), kept when ≥ `threshold` (0.4, the seed's). Ids by descending confidence. Touching
 * peaks stay one instance (the clusters carry no instance boundary; the U-Net's interior map
 * does, `cnn/decode.ts`).
 */
import { ValidationError } from '../../../core/errors.js';
import type { DecodedFrame } from '../cnn/decode.js';

export interface ClusterStat {
  cluster: number;
  /** Pixels labelled with this cluster. */
  pixels: number;
  /** Of them, reference (classic peak) pixels. */
  reference: number;
}

/** Accumulates per-cluster pixel and reference counts over frames. */
export class ClusterCounter {
  readonly pixels: Float64Array;
  readonly reference: Float64Array;
  referenceTotal = 0;
  constructor(readonly channels: number) {
    this.pixels = new Float64Array(channels);
    this.reference = new Float64Array(channels);
  }
  /** One frame: `assign` the argmax cluster per pixel, `ref` 1 at the reference pixels. */
  add(assign: ArrayLike<number>, ref: ArrayLike<number>): void {
    if (assign.length !== ref.length)
      throw new ValidationError(`${assign.length} labels for ${ref.length} pixels`, 'assign');
    for (let p = 0; p < assign.length; p++) {
      const c = assign[p]!;
      this.pixels[c]! += 1;
      if (ref[p] !== 0) {
        this.reference[c]! += 1;
        this.referenceTotal++;
      }
    }
  }
  stats(): ClusterStat[] {
    const out: ClusterStat[] = [];
    for (let c = 0; c < this.channels; c++)
      if (this.pixels[c]! > 0)
        out.push({ cluster: c, pixels: this.pixels[c]!, reference: this.reference[c]! });
    return out;
  }
}

export interface ClusterChoice {
  /** The peak clusters, ascending. */
  clusters: number[];
  /** Pixel IoU of their union with the reference on the selection frames. */
  iou: number;
  /** Every used cluster, in rank order (reference share, descending). */
  ranked: (ClusterStat & { share: number })[];
}

/** The best-ranked prefix by IoU with the reference (see the module comment). */
export function choosePeakClusters(
  stats: readonly ClusterStat[],
  referenceTotal: number,
): ClusterChoice {
  if (!(referenceTotal > 0))
    throw new ValidationError(
      'the classic finder found no peak pixel in the selection frames: the peak clusters cannot be chosen (train on scans with peaks)',
      'data',
    );
  const ranked = stats
    .map((s) => ({ ...s, share: s.pixels > 0 ? s.reference / s.pixels : 0 }))
    .sort((a, b) => b.share - a.share || b.reference - a.reference || a.cluster - b.cluster);
  let best = 0;
  let bestIoU = 0;
  let n = 0;
  let r = 0;
  ranked.forEach((s, i) => {
    n += s.pixels;
    r += s.reference;
    const iou = r / (n + referenceTotal - r);
    if (iou > bestIoU) {
      bestIoU = iou;
      best = i + 1;
    }
  });
  const clusters = ranked
    .slice(0, best)
    .map((s) => s.cluster)
    .sort((a, b) => a - b);
  return { clusters, iou: bestIoU, ranked };
}

export interface SslDecodeOptions {
  /** Smallest mean peak probability of an instance (default 0.4). */
  threshold?: number;
  /** Smallest instance in pixels (default 2). */
  minPixels?: number;
}

export const SSL_DECODE_DEFAULTS: Required<SslDecodeOptions> = { threshold: 0.4, minPixels: 2 };

export function checkSslDecode(o: SslDecodeOptions): Required<SslDecodeOptions> {
  const r = { ...SSL_DECODE_DEFAULTS };
  if (o.threshold !== undefined) r.threshold = o.threshold;
  if (o.minPixels !== undefined) r.minPixels = o.minPixels;
  if (!(r.threshold >= 0 && r.threshold <= 1))
    throw new ValidationError(`threshold must be in [0, 1], got ${r.threshold}`, 'threshold');
  if (!(Number.isInteger(r.minPixels) && r.minPixels >= 1 && r.minPixels <= 10_000_000))
    throw new ValidationError(`minPixels must be an integer ≥ 1, got ${r.minPixels}`, 'minPixels');
  return r;
}

/**
 * Instances of one frame: `peak` is 1 where the pixel's argmax is a peak cluster, `prob` the
 * peak probability (h × w each).
 */
export function decodeClusters(
  peak: Uint8Array,
  prob: Float32Array,
  h: number,
  w: number,
  options: SslDecodeOptions = {},
): DecodedFrame {
  const o = checkSslDecode(options);
  const n = h * w;
  const comp = new Int32Array(n).fill(-1);
  const found: { pixels: number[]; score: number }[] = [];
  const stack: number[] = [];
  for (let s = 0; s < n; s++) {
    if (peak[s] === 0 || comp[s] !== -1) continue;
    const id = found.length;
    const px: number[] = [];
    let sum = 0;
    comp[s] = id;
    stack.push(s);
    while (stack.length > 0) {
      const p = stack.pop()!;
      px.push(p);
      sum += prob[p]!;
      const y = (p / w) | 0;
      const x = p - y * w;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (peak[q] !== 0 && comp[q] === -1) {
            comp[q] = id;
            stack.push(q);
          }
        }
      }
    }
    found.push({ pixels: px, score: sum / px.length });
  }
  const kept = found
    .map((c, i) => ({ ...c, i }))
    .filter((c) => c.pixels.length >= o.minPixels && c.score >= o.threshold)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, 65535);
  const mask = new Uint16Array(n);
  kept.forEach((c, j) => {
    for (const p of c.pixels) mask[p] = j + 1;
  });
  return { mask, confidence: kept.map((c) => c.score), candidates: found.length };
}
