/** One training step and one evaluation pass: loss, L1/L2 penalties, accuracy. */
import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizers.js';

export type LossName = 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

export interface Regularization {
  l1?: number;
  l2?: number;
}

const EPS = 1e-7;

export function lossFn(name: LossName, y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (name) {
      case 'categoricalCrossentropy':
        return tf
          .neg(tf.sum(y.mul(tf.log(tf.clipByValue(p, EPS, 1 - EPS))), -1))
          .mean() as tf.Scalar;
      case 'binaryCrossentropy': {
        const q = tf.clipByValue(p, EPS, 1 - EPS);
        return tf
          .neg(y.mul(tf.log(q)).add(tf.sub(1, y).mul(tf.log(tf.sub(1, q)))))
          .mean() as tf.Scalar;
      }
      case 'meanSquaredError':
        return tf.squaredDifference(y, p).mean() as tf.Scalar;
    }
  });
}

/** Fraction of rows whose arg-max matches (categorical) or whose rounding matches (binary). */
export function accuracy(name: LossName, y: tf.Tensor, p: tf.Tensor): number {
  if (name === 'meanSquaredError') return NaN;
  return tf.tidy(() => {
    const hit =
      name === 'categoricalCrossentropy'
        ? tf.equal(tf.argMax(y, -1), tf.argMax(p, -1))
        : tf.equal(tf.round(y), tf.round(p));
    return hit.cast('float32').mean().dataSync()[0]!;
  });
}

/** Kernel weights (not biases, BN parameters) get the L1/L2 penalty. */
export function isKernel(name: string): boolean {
  return /kernel/.test(name);
}

export interface StepResult {
  loss: number;
  accuracy: number;
}

/** Forward + backward + update for one batch; disposes everything it creates. */
export function trainStep(
  model: tf.LayersModel,
  optimizer: Optimizer,
  x: tf.Tensor,
  y: tf.Tensor,
  lr: number,
  loss: LossName,
  reg: Regularization,
): StepResult {
  const weights = model.trainableWeights;
  const vars = weights.map((w) => w.read() as tf.Variable);
  let pred: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const p = model.apply(x, { training: true }) as tf.Tensor;
    pred = tf.keep(p.clone());
    let l = lossFn(loss, y, p);
    const l1 = reg.l1 ?? 0;
    const l2 = reg.l2 ?? 0;
    if (l1 > 0 || l2 > 0) {
      weights.forEach((w, i) => {
        if (!isKernel(w.name)) return;
        const v = vars[i]!;
        if (l1 > 0) l = l.add(tf.abs(v).sum().mul(l1));
        if (l2 > 0) l = l.add(tf.square(v).sum().mul(l2));
      });
    }
    return l;
  }, vars);
  const ordered = vars.map((v) => grads[v.name]!);
  optimizer.step(vars, ordered, lr);
  const lossValue = value.dataSync()[0]!;
  const acc = accuracy(loss, y, pred!);
  tf.dispose([value, pred!]);
  tf.dispose(grads);
  return { loss: lossValue, accuracy: acc };
}

/** Batch-weighted mean loss and accuracy of the model (inference mode) over a stream. */
export async function evaluate(
  model: tf.LayersModel,
  batches: AsyncIterable<{ x: tf.Tensor; y: tf.Tensor }>,
  loss: LossName,
): Promise<StepResult> {
  let n = 0;
  let sumLoss = 0;
  let sumAcc = 0;
  for await (const b of batches) {
    const k = b.x.shape[0]!;
    const p = tf.tidy(() => model.apply(b.x, { training: false }) as tf.Tensor);
    const l = lossFn(loss, b.y, p);
    sumLoss += l.dataSync()[0]! * k;
    sumAcc += accuracy(loss, b.y, p) * k;
    n += k;
    tf.dispose([p, l, b.x, b.y]);
  }
  return { loss: n === 0 ? NaN : sumLoss / n, accuracy: n === 0 ? NaN : sumAcc / n };
}
