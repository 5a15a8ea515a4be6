/**
 * The SSLM's loss (STUDY.md §3.3, `SSLTrainer.calc_losses`), on the network's response map
 * `r` (n × h × w × C, tfjs' NHWC — the pixel grid on axes 1 and 2, the clusters last):
 *
 * - **ce** (self-labelling): the softmax cross-entropy of `r` against its own per-pixel argmax,
 *   the argmax taken as a fixed label (no gradient through it), averaged over the pixels —
 *   equal to mean(logsumexp_c r − max_c r);
 * - **ss** (spatial sparsity): the L1 norm of the first differences of `r` along the rows and
 *   along the columns, each averaged over its elements:
 *   mean|r[:, y+1, x, c] − r[:, y, x, c]| + mean|r[:, y, x+1, c] − r[:, y, x, c]|. Taken on the
 *   real pixel grid: the seed reshapes its (C, H, W) tensor to (W, H, C) without a permute,
 *   so its differences mix channels and pixels (a bug, not copied);
 * - **cc** (context consistency, optional): each cluster's softmax map `p_c` as a distribution
 *   over the pixels, `(p_c + 1e-6) / Σ (p_c + 1e-6)`; its centre on coordinates scaled to
 *   [−1, 1] and its variances along y and x; cc = mean over the clusters of (var_y + var_x),
 *   per frame, averaged over the frames (a cluster should be compact). The seed's cc takes the
 *   raw response map as the density; after a BN the map is signed, so the softmax
 *   membership is used here instead.
 *
 * total = cc·w_cc + ce·w_ce + ss·w_ss, with the seed's weights (w_cc, w_ce, w_ss) = (0, 1, 1).
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../core/errors.js';

export interface SslLossWeights {
  cc: number;
  ce: number;
  ss: number;
}

/** The seed's `stepsizes = [0, 1, 1]` unpacked as (cc, ce, ss). */
export const SSL_LOSS_WEIGHTS: SslLossWeights = { cc: 0, ce: 1, ss: 1 };

export function checkLossWeights(w: Partial<SslLossWeights>): SslLossWeights {
  const r = { ...SSL_LOSS_WEIGHTS, ...w };
  for (const k of ['cc', 'ce', 'ss'] as const) {
    const v = r[k];
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0))
      throw new ValidationError(`loss weight ${k} must be a number ≥ 0, got ${String(v)}`, k);
  }
  if (r.cc + r.ce + r.ss === 0)
    throw new ValidationError('the loss weights (cc, ce, ss) are all 0', 'ce');
  return r;
}

export interface SslLossTerms {
  total: tf.Scalar;
  ce: tf.Scalar;
  ss: tf.Scalar;
  cc: tf.Scalar;
}

/** Self-labelling cross-entropy: mean over pixels of −log softmax(r)[argmax r]. */
export function selfLabelCe(r: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const c = r.shape[3];
    const flat = r.reshape([-1, c]);
    // the label: a constant (argMax has no gradient, and the one-hot is built from it)
    const target = tf.oneHot(tf.argMax(flat, 1), c).toFloat();
    const logp = tf.logSoftmax(flat, 1);
    return tf.neg(tf.sum(target.mul(logp), 1)).mean() as tf.Scalar;
  });
}

/** Spatial sparsity: mean |Δ_y r| + mean |Δ_x r| on the pixel grid (axes 1, 2 of NHWC). */
export function spatialSparsity(r: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [n, h, w, c] = r.shape;
    const terms: tf.Scalar[] = [];
    if (h > 1) {
      const dy = tf.sub(r.slice([0, 1, 0, 0], [n, h - 1, w, c]), r.slice([0, 0, 0, 0], [n, h - 1, w, c])); // prettier-ignore
      terms.push(tf.abs(dy).mean() as tf.Scalar);
    }
    if (w > 1) {
      const dx = tf.sub(r.slice([0, 0, 1, 0], [n, h, w - 1, c]), r.slice([0, 0, 0, 0], [n, h, w - 1, c])); // prettier-ignore
      terms.push(tf.abs(dx).mean() as tf.Scalar);
    }
    return terms.length === 0 ? tf.scalar(0) : (tf.addN(terms) as tf.Scalar);
  });
}

/** Context consistency: mean over frames and clusters of the softmax maps' var_y + var_x. */
export function contextConsistency(r: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w] = r.shape;
    const p = tf.softmax(r, 3).add(1e-6);
    const pdf = p.div(p.sum([1, 2], true)); // n × h × w × C, each cluster sums to 1
    const coord = (m: number): tf.Tensor1D => (m > 1 ? tf.linspace(-1, 1, m) : tf.zeros([1]));
    const ys = coord(h).reshape([1, h, 1, 1]);
    const xs = coord(w).reshape([1, 1, w, 1]);
    const cy = pdf.mul(ys).sum([1, 2], true);
    const cx = pdf.mul(xs).sum([1, 2], true);
    const vy = pdf.mul(tf.square(ys.sub(cy))).sum([1, 2]);
    const vx = pdf.mul(tf.square(xs.sub(cx))).sum([1, 2]);
    return vy.add(vx).mean() as tf.Scalar;
  });
}

/** Every term and their weighted sum (cc is computed only when its weight is > 0; else 0). */
export function sslLoss(r: tf.Tensor4D, weights: SslLossWeights = SSL_LOSS_WEIGHTS): SslLossTerms {
  const ce = selfLabelCe(r);
  const ss = spatialSparsity(r);
  const cc = weights.cc > 0 ? contextConsistency(r) : tf.scalar(0);
  const total = tf.tidy(
    () => tf.addN([cc.mul(weights.cc), ce.mul(weights.ce), ss.mul(weights.ss)]) as tf.Scalar,
  );
  return { total, ce, ss, cc };
}
