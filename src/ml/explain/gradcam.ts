/**
 * Class activation maps for any functional tfjs LayersModel with a named (convolutional) layer:
 *
 * - Grad-CAM (Selvaraju et al., ICCV 2017): w_k = mean_ij g_kij, L = relu(Σ_k w_k A_k).
 * - Grad-CAM++ (Chattopadhay et al., WACV 2018, eq. 19 with the exponential score):
 *   α_kij = g² / (2g² + Σ_ab A_kab · g³), w_k = Σ_ij α_kij · relu(g_kij),
 *   L = relu(Σ_k w_k A_k),
 *
 * where A (n, h, w, k) is the layer's output and g = ∂S_c/∂A the gradient of class c's score
 * (the logit, before a final sigmoid/softmax). Every class is explained on its own (not the
 * AiryNet seed's cumulative sum over classes). Maps are at the layer's resolution; `upsample`
 * resizes them bilinearly to the input size and scales each to [0, 1] by its maximum.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { splitModel, type SplitModel } from './split.js';

export type CamMethod = 'gradcam' | 'gradcam++';

/** The layer output A and ∂S_c/∂A for every requested class c. */
export interface ScoreGradients {
  /** (n, h, w, k) */
  activations: tf.Tensor4D;
  /** One (n, h, w, k) per class, in the order of `classes`. */
  gradients: tf.Tensor4D[];
  /** (n, classes) scores S (logits). */
  scores: tf.Tensor2D;
}

/** A and g for `classes` of the images x (n, H, W, C); the caller disposes the result. */
export function scoreGradients(
  split: SplitModel,
  x: tf.Tensor,
  classes: readonly number[],
): ScoreGradients {
  const outs = split.head.predict(x) as tf.Tensor | tf.Tensor[];
  const [a, ...ext] = Array.isArray(outs) ? outs : [outs];
  const A = a as tf.Tensor4D;
  const tail = (t: tf.Tensor): tf.Tensor2D =>
    split.tail.apply(ext.length === 0 ? t : [t, ...ext], { training: false }) as tf.Tensor2D;
  const scores = tf.tidy(() => tail(A));
  const nClasses = scores.shape[1];
  const gradients = classes.map((c) => {
    if (!(Number.isInteger(c) && c >= 0 && c < nClasses))
      throw new ValidationError(`must be a class index in 0…${nClasses - 1}, got ${c}`, 'classes');
    // images are independent in inference mode, so the gradient of the batch sum is per image
    return tf.tidy(() =>
      tf.grad((t: tf.Tensor) => tail(t).slice([0, c], [-1, 1]).sum())(A),
    ) as tf.Tensor4D;
  });
  tf.dispose(ext);
  return { activations: A, gradients, scores };
}

/** Channel weights w (n, k) from A and g (both (n, h, w, k)). */
export function camWeights(method: CamMethod, A: tf.Tensor4D, g: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    if (method === 'gradcam') return g.mean([1, 2]) as tf.Tensor2D;
    const g2 = g.square();
    const g3 = g2.mul(g);
    const sumA = A.sum([1, 2], true);
    const denom = g2.mul(2).add(sumA.mul(g3));
    const ok = denom.notEqual(0);
    const alpha = tf.where(ok, g2.div(tf.where(ok, denom, tf.onesLike(denom))), tf.zerosLike(g2));
    return alpha.mul(g.relu()).sum([1, 2]) as tf.Tensor2D;
  });
}

/** L = relu(Σ_k w_k A_k): (n, h, w). */
export function camFromWeights(A: tf.Tensor4D, w: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => A.mul(w.expandDims(1).expandDims(1)).sum(-1).relu() as tf.Tensor3D);
}

/** Resize (n, h, w) maps bilinearly to size² and scale each to [0, 1] by its maximum. */
export function upsampleMaps(maps: tf.Tensor3D, size: readonly [number, number]): tf.Tensor3D {
  return tf.tidy(() => {
    const up = tf.image
      .resizeBilinear(maps.expandDims(-1) as tf.Tensor4D, [size[0], size[1]])
      .squeeze([3])
      .relu() as tf.Tensor3D;
    const mx = up.max([1, 2], true);
    return up.div(tf.where(mx.greater(0), mx, tf.onesLike(mx))) as tf.Tensor3D;
  });
}

export interface ExplainOptions {
  /** The layer whose output is explained (for AiryNet: the last activation before the pool). */
  layer: string;
  /** The score layer (default: the logits, see `defaultScoreLayer`). */
  scoreLayer?: string;
  method?: CamMethod;
  /** Classes to explain (default: all). */
  classes?: readonly number[];
  /** Resize to the input size and scale to [0, 1] (default true). */
  upsample?: boolean;
}

export interface Explanation {
  /** Per requested class, (n, h, w) maps (input size when upsampled). */
  maps: tf.Tensor3D[];
  /** (n, classes) logits. */
  scores: tf.Tensor2D;
}

/** Class activation maps of `model` for the images x; the caller disposes the result. */
export class Explainer {
  readonly split: SplitModel;
  constructor(
    readonly model: tf.LayersModel,
    readonly o: ExplainOptions,
  ) {
    this.split = splitModel(model, o.layer, o.scoreLayer);
  }

  explain(x: tf.Tensor4D): Explanation {
    const n = (this.split.tail.outputs[0]!.shape[1] as number | null) ?? 0;
    const classes = this.o.classes ?? Array.from({ length: n }, (_, i) => i);
    const sg = scoreGradients(this.split, x, classes);
    const method = this.o.method ?? 'gradcam++';
    const maps = sg.gradients.map((g) =>
      tf.tidy(() => {
        const m = camFromWeights(sg.activations, camWeights(method, sg.activations, g));
        return this.o.upsample === false ? m : upsampleMaps(m, [x.shape[1], x.shape[2]]);
      }),
    );
    tf.dispose([sg.activations, ...sg.gradients]);
    return { maps, scores: sg.scores };
  }
}
