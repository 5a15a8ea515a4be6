/**
 * The SSLM loss on cases small enough to compute by hand: the self-labelling cross-entropy
 * (−log softmax at the argmax), the spatial-sparsity L1 on the real pixel grid (a map whose
 * first differences are known per axis — the seed's (C,H,W) → (W,H,C) reshape would give other
 * values), the context-consistency term of a uniform and of a concentrated cluster, the
 * weighted total, that no gradient flows through the argmax label, and bad weights refused.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import { initBackend } from '../../../ml/backend/select.js';
import {
  checkLossWeights,
  contextConsistency,
  selfLabelCe,
  spatialSparsity,
  sslLoss,
} from './loss.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const value = (t: tf.Tensor): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('SSLM loss', () => {
  it('ce is −log softmax at each pixel’s own argmax, averaged over pixels', () => {
    // 1 × 1 × 2 pixels × 2 clusters: logits (0, ln 3) and (2, 0)
    const r = tf.tensor4d([0, Math.log(3), 2, 0], [1, 1, 2, 2]);
    // pixel 1: argmax 1, p = 3/4 → −ln(3/4); pixel 2: argmax 0, p = e²/(e²+1)
    const want = (-Math.log(3 / 4) + Math.log1p(Math.exp(-2))) / 2;
    expect(value(selfLabelCe(r))).toBeCloseTo(want, 6);
    r.dispose();
  });

  it('ss is mean |Δy| + mean |Δx| on the (H, W) grid, per channel', () => {
    // r[y, x, c] = a_c·y + b_c·x on a 3 × 4 grid: every Δy of channel c is a_c, every Δx b_c
    const a = [1, -2, 0.5];
    const b = [0.25, 3, -1];
    const h = 3;
    const w = 4;
    const v: number[] = [];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) v.push(a[c]! * y + b[c]! * x);
    const r = tf.tensor4d(v, [1, h, w, 3]);
    const mean = (xs: number[]): number => xs.reduce((s, q) => s + Math.abs(q), 0) / xs.length;
    const want = mean(a) + mean(b); // 7/6 + 17/12
    expect(value(spatialSparsity(r))).toBeCloseTo(want, 6);
    // the seed's layout: the same numbers read as (W, H, C) from (C, H, W) give another value
    const chw = tf.transpose(r, [0, 3, 1, 2]).reshape([1, w, h, 3]) as tf.Tensor4D;
    expect(Math.abs(value(spatialSparsity(chw)) - want)).toBeGreaterThan(0.1);
    tf.dispose([r, chw]);
  });

  it('a constant map has ss 0; cc of a uniform cluster is the variance of the grid', () => {
    const r = tf.zeros([1, 5, 5, 2]) as tf.Tensor4D;
    expect(value(spatialSparsity(r))).toBe(0);
    // uniform softmax: every cluster's pdf is uniform over the 5 × 5 grid on [−1, 1]:
    // var of {−1, −0.5, 0, 0.5, 1} = 0.5 per axis
    expect(value(contextConsistency(r))).toBeCloseTo(1, 5);
    r.dispose();
    // one cluster concentrated on one pixel has (almost) no variance
    const v = new Float32Array(5 * 5 * 2);
    v[(2 * 5 + 2) * 2] = 40;
    for (let p = 0; p < 25; p++) v[p * 2 + 1] = 40 * (p === 12 ? 0 : 1);
    const peaked = tf.tensor4d(v, [1, 5, 5, 2]);
    const cc = value(contextConsistency(peaked));
    // cluster 0 ≈ one pixel (var ≈ 0); cluster 1 ≈ uniform on the other 24 pixels
    const ys = [-1, -0.5, 0, 0.5, 1];
    let s = 0;
    for (const y of ys) for (const x of ys) if (!(y === 0 && x === 0)) s += y * y + x * x;
    expect(cc).toBeCloseTo((0 + s / 24) / 2, 3);
    peaked.dispose();
  });

  it('total = cc·w_cc + ce·w_ce + ss·w_ss; no gradient through the argmax label', () => {
    const r = tf.tensor4d([0, Math.log(3), 2, 0], [1, 1, 2, 2]);
    const t = sslLoss(r, { cc: 0.5, ce: 2, ss: 3 });
    const ce = t.ce.dataSync()[0]!;
    const ss = t.ss.dataSync()[0]!;
    const cc = t.cc.dataSync()[0]!;
    expect(ss).toBeCloseTo((Math.abs(2 - 0) + Math.abs(0 - Math.log(3))) / 2, 6);
    expect(t.total.dataSync()[0]!).toBeCloseTo(0.5 * cc + 2 * ce + 3 * ss, 5);
    tf.dispose([t.total, t.ce, t.ss, t.cc]);
    // d ce / d r at a pixel = (softmax − onehot(argmax)) / pixels: the label is a constant
    const g = tf.grad((x: tf.Tensor) => selfLabelCe(x as tf.Tensor4D))(r);
    const p1 = [1 / 4, 3 / 4];
    const e = Math.exp(2);
    const p2 = [e / (e + 1), 1 / (e + 1)];
    const want = [p1[0]! / 2, (p1[1]! - 1) / 2, (p2[0]! - 1) / 2, p2[1]! / 2];
    const got = Array.from(g.dataSync());
    want.forEach((wv, i) => expect(got[i]).toBeCloseTo(wv, 6));
    tf.dispose([g, r]);
  });

  it('the seed’s weights by default; negative or all-zero weights are refused', () => {
    expect(checkLossWeights({})).toEqual({ cc: 0, ce: 1, ss: 1 });
    expect(() => checkLossWeights({ ss: -1 })).toThrow(ValidationError);
    expect(() => checkLossWeights({ cc: 0, ce: 0, ss: 0 })).toThrow(/all 0/);
  });
});
