/**
 * A trained SSLM at prediction time: the bundle's network rebuilt at the frame size (fully
 * convolutional, no pooling: no padding), run on small blocks of frames in inference mode
 * (batch normalisation with its moving averages), and decoded into instances with the peak
 * clusters chosen at training (`bragg.json` `peaks.clusters`; `clusters.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { FormatError } from '../../../core/errors.js';
import type { ModelBundle } from '../../../ml/store/bundle.js';
import type { DecodedFrame } from '../cnn/decode.js';
import { logScale } from '../cnn/maps.js';
import type { PeaksPredictor } from '../predictor.js';
import { PEAKS_SSLM_ARCHITECTURE, type PeaksSslmOptions } from '../models/sslm.js';
import { checkSslDecode, decodeClusters, type SslDecodeOptions } from './clusters.js';

/** Frames the network runs on at once (memory ~ this × pixels × channels × 4 B, ×3 in flight). */
const SUB_BATCH = 2;

/**
 * The network of a trained SSLM at any frame size (its weights copied in). `model` stays the
 * caller's: dispose it after this net.
 */
export class SslNet {
  private readonly sized = new Map<string, tf.LayersModel>();
  readonly arch: PeaksSslmOptions;
  constructor(
    private readonly model: tf.LayersModel,
    config: Partial<PeaksSslmOptions>,
  ) {
    this.arch = PEAKS_SSLM_ARCHITECTURE.resolve(config);
  }

  private at(h: number, w: number): tf.LayersModel {
    const key = `${h}x${w}`;
    let m = this.sized.get(key);
    if (m === undefined) {
      m = PEAKS_SSLM_ARCHITECTURE.build({ ...this.arch, height: h, width: w }, 0);
      m.setWeights(this.model.getWeights());
      this.sized.set(key, m);
    }
    return m;
  }

  /**
   * Per pixel of `count` frames (network input, already log-scaled, count × h × w): the argmax
   * cluster, and with `peakClusters` the peak probability (the softmax summed over them).
   */
  run(
    x: Float32Array,
    count: number,
    h: number,
    w: number,
    peakClusters?: readonly number[],
  ): { assign: Int32Array; prob?: Float32Array } {
    const model = this.at(h, w);
    const assign = new Int32Array(count * h * w);
    const prob = peakClusters ? new Float32Array(count * h * w) : undefined;
    const idx = peakClusters && peakClusters.length > 0 ? tf.tensor1d([...peakClusters], 'int32') : undefined; // prettier-ignore
    try {
      for (let k0 = 0; k0 < count; k0 += SUB_BATCH) {
        const k1 = Math.min(count, k0 + SUB_BATCH);
        const [a, p] = tf.tidy(() => {
          const input = tf.tensor4d(x.subarray(k0 * h * w, k1 * h * w), [k1 - k0, h, w, 1]);
          const r = model.predict(input) as tf.Tensor4D;
          const am = tf.argMax(r, 3);
          if (prob === undefined) return [am];
          const pk =
            idx === undefined ? tf.zeros([k1 - k0, h, w]) : tf.gather(tf.softmax(r, 3), idx, 3).sum(3); // prettier-ignore
          return [am, pk];
        });
        assign.set(a!.dataSync() as Int32Array, k0 * h * w);
        if (prob !== undefined) prob.set(p!.dataSync() as Float32Array, k0 * h * w);
        tf.dispose([a!, ...(p ? [p] : [])]);
      }
    } finally {
      idx?.dispose();
    }
    return prob ? { assign, prob } : { assign };
  }

  dispose(): void {
    for (const m of this.sized.values()) m.dispose();
    this.sized.clear();
  }
}

interface SslPeaksMeta {
  method?: unknown;
  clusters?: unknown;
  decode?: { threshold?: unknown; minPixels?: unknown };
}

/** The bundle's peak clusters and decoding (a FormatError naming the file when malformed). */
export function sslMeta(b: Pick<ModelBundle, 'dir' | 'meta'>): {
  clusters: number[];
  decode: Required<SslDecodeOptions>;
} {
  const p = (b.meta as { peaks?: SslPeaksMeta }).peaks;
  const channels = b.meta.labels.length;
  const cl = p?.clusters;
  if (
    !Array.isArray(cl) ||
    cl.length === 0 ||
    !cl.every((c) => Number.isInteger(c) && (c as number) >= 0 && (c as number) < channels)
  )
    throw new FormatError('peaks model', 'an SSLM bundle without its peak clusters', {
      file: `${b.dir}/bragg.json`,
      path: 'peaks.clusters',
      expected: `a non-empty list of cluster indices < ${channels}`,
    });
  const d = p?.decode ?? {};
  return {
    clusters: cl as number[],
    decode: checkSslDecode({
      ...(typeof d.threshold === 'number' ? { threshold: d.threshold } : {}),
      ...(typeof d.minPixels === 'number' ? { minPixels: d.minPixels } : {}),
    }),
  };
}

/** An SSLM bundle as a predictor (its `dispose` disposes the bundle's model too). */
export function sslPredictor(b: ModelBundle): PeaksPredictor {
  const { clusters, decode } = sslMeta(b);
  const net = new SslNet(b.model, b.meta.architecture.config as Partial<PeaksSslmOptions>);
  return {
    dir: b.dir,
    meta: b.meta,
    decode,
    predict(frames, count, h, w, given = {}) {
      const o = checkSslDecode({
        threshold: given.threshold ?? decode.threshold,
        minPixels: given.minPixels ?? decode.minPixels,
      });
      const x = new Float32Array(count * h * w);
      for (let k = 0; k < count; k++)
        logScale(frames.subarray(k * h * w, (k + 1) * h * w), x.subarray(k * h * w, (k + 1) * h * w)); // prettier-ignore
      const { assign, prob } = net.run(x, count, h, w, clusters);
      const isPeak = new Uint8Array(net.arch.channels);
      for (const c of clusters) isPeak[c] = 1;
      const res: DecodedFrame[] = [];
      const peak = new Uint8Array(h * w);
      for (let k = 0; k < count; k++) {
        for (let p = 0; p < h * w; p++) peak[p] = isPeak[assign[k * h * w + p]!]!;
        res.push(decodeClusters(peak, prob!.subarray(k * h * w, (k + 1) * h * w), h, w, o));
      }
      return res;
    },
    dispose() {
      net.dispose();
      b.model.dispose();
    },
  };
}
