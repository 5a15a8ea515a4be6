import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BraggError } from '../../core/errors.js';
import { camFromWeights, camWeights, Explainer, scoreGradients } from './gradcam.js';
import { splitModel } from './split.js';

const H = 8;
const W = 8;
const R = { r0: 1, r1: 4, c0: 1, c1: 4 }; // class 0: channel 0, rows/cols 1..3
const Q = { r0: 5, r1: 8, c0: 4, c1: 7 }; // class 1: channel 1, rows 5..7, cols 4..6
const inside = (r: number, c: number, q: typeof R): boolean =>
  r >= q.r0 && r < q.r1 && c >= q.c0 && c < q.c1;
const area = (q: typeof R): number => (q.r1 - q.r0) * (q.c1 - q.c0);

/**
 * input (8, 8, 2) → 1×1 identity conv 'feat' → flatten → dense 'logits' (no bias) whose class 0
 * is the mean of channel 0 over R and class 1 the mean of channel 1 over Q → sigmoid.
 */
function regionModel(): tf.LayersModel {
  const input = tf.input({ shape: [H, W, 2] });
  const feat = tf.layers
    .conv2d({
      filters: 2,
      kernelSize: 1,
      useBias: false,
      name: 'feat',
      weights: [tf.eye(2).reshape([1, 1, 2, 2])],
    })
    .apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(feat) as tf.SymbolicTensor;
  const k = new Float32Array(H * W * 2 * 2);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      const base = (r * W + c) * 2 * 2; // flatten order (r, c, ch), then unit
      if (inside(r, c, R)) k[base + 0 * 2 + 0] = 1 / area(R);
      if (inside(r, c, Q)) k[base + 1 * 2 + 1] = 1 / area(Q);
    }
  const logits = tf.layers
    .dense({ units: 2, useBias: false, name: 'logits', weights: [tf.tensor2d(k, [H * W * 2, 2])] })
    .apply(flat) as tf.SymbolicTensor;
  const out = tf.layers.activation({ activation: 'sigmoid' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Channel 0 is a bump over R, channel 1 a bump over Q, plus a small positive floor. */
function regionImage(): { x: tf.Tensor4D; a: Float32Array } {
  const a = new Float32Array(H * W * 2);
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      a[(r * W + c) * 2] = 0.1 + (inside(r, c, R) ? 1 + 0.1 * r : 0);
      a[(r * W + c) * 2 + 1] = 0.1 + (inside(r, c, Q) ? 2 + 0.1 * c : 0);
    }
  return { x: tf.tensor4d(a, [1, H, W, 2]), a };
}

function argmax2d(m: Float32Array): [number, number] {
  let k = 0;
  for (let i = 1; i < m.length; i++) if (m[i]! > m[k]!) k = i;
  return [Math.floor(k / W), k % W];
}

describe('Grad-CAM / Grad-CAM++ on a model whose answer is known', () => {
  it('the score is the logit (before the sigmoid) and the map of each class peaks in its own region', () => {
    const model = regionModel();
    const { x } = regionImage();
    for (const method of ['gradcam', 'gradcam++'] as const) {
      const ex = new Explainer(model, { layer: 'feat', method, upsample: false });
      expect(ex.split.scoreLayer).toBe('logits');
      const { maps, scores } = ex.explain(x);
      const m0 = maps[0]!.dataSync() as Float32Array;
      const m1 = maps[1]!.dataSync() as Float32Array;
      expect(inside(...argmax2d(m0), R)).toBe(true);
      expect(inside(...argmax2d(m1), Q)).toBe(true);
      // per class independently: class 0's map is channel 0 only (zero weight on channel 1)
      expect(m0[6 * W + 5]).toBeCloseTo(0.1 * (m0[0]! / 0.1), 6);
      const s = scores.dataSync();
      expect(s[0]).toBeCloseTo(1 + 0.1 * 2 + 0.1, 5); // mean over R of 0.1 + 1 + 0.1·r, r = 1..3
      tf.dispose([...maps, scores]);
    }
    x.dispose();
  });

  it('matches the closed form: Grad-CAM w = 1/(hw); Grad-CAM++ w = 1/(2 + ΣA/|R|)', () => {
    const model = regionModel();
    const { x, a } = regionImage();
    const split = splitModel(model, 'feat');
    const sg = scoreGradients(split, x, [0]);
    const g = sg.gradients[0]!;
    const wc = camWeights('gradcam', sg.activations, g).dataSync();
    const wp = camWeights('gradcam++', sg.activations, g).dataSync();
    let sumA0 = 0;
    for (let i = 0; i < H * W; i++) sumA0 += a[i * 2]!;
    expect(wc[0]).toBeCloseTo(1 / (H * W), 7);
    expect(wc[1]).toBeCloseTo(0, 9);
    expect(wp[0]).toBeCloseTo(1 / (2 + sumA0 / area(R)), 6);
    expect(wp[1]).toBeCloseTo(0, 9);
    const map = camFromWeights(
      sg.activations,
      camWeights('gradcam++', sg.activations, g),
    ).dataSync();
    for (let i = 0; i < H * W; i++) expect(map[i]).toBeCloseTo(wp[0]! * a[i * 2]!, 6);
    tf.dispose([x, sg.activations, sg.scores, ...sg.gradients]);
  });

  it('refuses an unknown layer and a class out of range with typed errors', () => {
    const model = regionModel();
    expect(() => new Explainer(model, { layer: 'nope' })).toThrow(BraggError);
    const { x } = regionImage();
    expect(() => new Explainer(model, { layer: 'feat', classes: [2] }).explain(x)).toThrow(
      /class index/,
    );
    x.dispose();
  });
});

/**
 * A nonlinear net with a skip connection around the explained layer:
 * x → c1 (3×3, tanh) → feat (3×3, tanh) → add(feat, c1) → relu → pool → dense.
 */
function skipModel(): tf.LayersModel {
  const init = (s: number): ReturnType<typeof tf.initializers.randomNormal> =>
    tf.initializers.randomNormal({ stddev: 0.5, seed: s });
  const input = tf.input({ shape: [6, 6, 1] });
  const c1 = tf.layers
    .conv2d({
      filters: 3,
      kernelSize: 3,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(1),
      name: 'c1',
    })
    .apply(input) as tf.SymbolicTensor;
  const feat = tf.layers
    .conv2d({
      filters: 3,
      kernelSize: 3,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(2),
      name: 'feat',
    })
    .apply(c1) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([feat, c1]) as tf.SymbolicTensor;
  const act = tf.layers.reLU().apply(sum) as tf.SymbolicTensor;
  const pool = tf.layers.globalAveragePooling2d({}).apply(act) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: 2, kernelInitializer: init(3), name: 'logits' })
    .apply(pool) as tf.SymbolicTensor;
  return tf.model({
    inputs: input,
    outputs: tf.layers.activation({ activation: 'softmax' }).apply(logits) as tf.SymbolicTensor,
  });
}

describe('gradients against finite differences', () => {
  it('∂S/∂A from the split model equals central differences of the full model’s logits, and so do the Grad-CAM++ weights', () => {
    const model = skipModel();
    const split = splitModel(model, 'feat');
    const x = tf.randomUniform([1, 6, 6, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const sg = scoreGradients(split, x, [1]);
    const A = sg.activations.dataSync() as Float32Array;
    const g = sg.gradients[0]!.dataSync() as Float32Array;
    const outs = split.head.predict(x) as tf.Tensor[];
    const ext = outs.slice(1);
    expect(ext.length).toBe(1); // the skip from c1
    const score = (a: Float32Array): number =>
      tf.tidy(() => {
        const s = split.tail.apply([tf.tensor4d(a, sg.activations.shape), ...ext]) as tf.Tensor;
        return s.dataSync()[1]!;
      });
    // the tail equals the full model: its logits give the model's softmax
    const p = (model.predict(x) as tf.Tensor).dataSync();
    const s = sg.scores.dataSync();
    expect(p[1]).toBeCloseTo(Math.exp(s[1]!) / (Math.exp(s[0]!) + Math.exp(s[1]!)), 5);
    const h = 1e-2;
    const fd = new Float32Array(A.length);
    for (let i = 0; i < A.length; i++) {
      const up = A.slice();
      const dn = A.slice();
      up[i]! += h;
      dn[i]! -= h;
      fd[i] = (score(up) - score(dn)) / (2 * h);
    }
    let maxG = 0;
    for (let i = 0; i < A.length; i++) maxG = Math.max(maxG, Math.abs(g[i]!));
    expect(maxG).toBeGreaterThan(1e-3);
    for (let i = 0; i < A.length; i++)
      expect(Math.abs(fd[i]! - g[i]!)).toBeLessThan(2e-3 * maxG + 1e-5);
    const wAuto = camWeights('gradcam++', sg.activations, sg.gradients[0]!).dataSync();
    const wFd = camWeights(
      'gradcam++',
      sg.activations,
      tf.tensor4d(fd, sg.activations.shape),
    ).dataSync();
    for (let k = 0; k < wAuto.length; k++) expect(wFd[k]).toBeCloseTo(wAuto[k]!, 3);
    tf.dispose([x, sg.activations, sg.scores, ...sg.gradients, ...outs]);
  });
});
