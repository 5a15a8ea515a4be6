/**
 * Multi-label classification metrics, accumulated batch by batch (bounded memory): every
 * class is a binary decision (probability ≥ threshold), counted as TP/FP/FN/TN per class.
 *
 * - `accuracy`: fraction of correct (image, class) decisions (TF's `tf.metrics.accuracy` on
 *   the multi-hot vectors, as the AiryNet seed reports it); `exactMatch`: images whose whole
 *   label vector is right.
 * - `meanPerClassAccuracy`: as the seed logs it, TF's `tf.metrics.mean_per_class_accuracy` over
 *   the flattened 0/1 decisions: the mean of the recalls of "1" and "0", (TP/(TP+FN) +
 *   TN/(TN+FP))/2 (balanced accuracy); `meanLabelAccuracy`: mean over classes of (TP+TN)/N
 *   (equal to `accuracy`).
 * - `precision`, `recall`, `mcc`: micro-averaged, from the TP/FP/FN/TN summed over classes;
 *   per class as well. Matthews correlation coefficient
 *   MCC = (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN)) (Matthews 1975), 0 when a factor
 *   is 0. Undefined ratios are 0, never NaN.
 * - per-class confusion: [[TN, FP], [FN, TP]] (rows: truth 0/1, columns: prediction 0/1).
 */
import { ValidationError } from '../../core/errors.js';

export interface BinaryCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface LabelMetrics extends BinaryCounts {
  label: string;
  /** Images that have this label. */
  support: number;
  accuracy: number;
  precision: number;
  recall: number;
  mcc: number;
  /** [[TN, FP], [FN, TP]] */
  confusion: [[number, number], [number, number]];
}

export interface MultiLabelReport extends BinaryCounts {
  labels: string[];
  images: number;
  threshold: number;
  accuracy: number;
  exactMatch: number;
  meanPerClassAccuracy: number;
  meanLabelAccuracy: number;
  precision: number;
  recall: number;
  mcc: number;
  perClass: LabelMetrics[];
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export function mcc(c: BinaryCounts): number {
  const d = (c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn);
  return d === 0 ? 0 : (c.tp * c.tn - c.fp * c.fn) / Math.sqrt(d);
}

export class MultiLabelMetrics {
  private readonly counts: BinaryCounts[];
  private images = 0;
  private exact = 0;

  constructor(
    readonly labels: readonly string[],
    readonly threshold = 0.5,
  ) {
    if (labels.length < 1) throw new ValidationError('needs at least one class', 'labels');
    if (!(threshold > 0 && threshold < 1))
      throw new ValidationError(`must be in (0, 1), got ${threshold}`, 'threshold');
    this.counts = labels.map(() => ({ tp: 0, fp: 0, fn: 0, tn: 0 }));
  }

  /** Adds n images: truth (n × classes, 0/1) and probabilities (n × classes). */
  add(truth: ArrayLike<number>, probability: ArrayLike<number>): void {
    const c = this.labels.length;
    if (truth.length !== probability.length || truth.length % c !== 0) {
      throw new ValidationError(
        `${truth.length} labels and ${probability.length} probabilities are not n × ${c}`,
        'probability',
      );
    }
    for (let i = 0; i < truth.length; i += c) {
      let all = true;
      for (let k = 0; k < c; k++) {
        const t = truth[i + k]! >= 0.5;
        const p = probability[i + k]! >= this.threshold;
        const n = this.counts[k]!;
        if (t && p) n.tp++;
        else if (!t && p) n.fp++;
        else if (t && !p) n.fn++;
        else n.tn++;
        if (t !== p) all = false;
      }
      this.images++;
      if (all) this.exact++;
    }
  }

  report(): MultiLabelReport {
    const sum: BinaryCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
    const perClass = this.labels.map((label, k): LabelMetrics => {
      const n = this.counts[k]!;
      sum.tp += n.tp;
      sum.fp += n.fp;
      sum.fn += n.fn;
      sum.tn += n.tn;
      return {
        label,
        ...n,
        support: n.tp + n.fn,
        accuracy: ratio(n.tp + n.tn, this.images),
        precision: ratio(n.tp, n.tp + n.fp),
        recall: ratio(n.tp, n.tp + n.fn),
        mcc: mcc(n),
        confusion: [
          [n.tn, n.fp],
          [n.fn, n.tp],
        ],
      };
    });
    const decisions = this.images * this.labels.length;
    return {
      labels: [...this.labels],
      images: this.images,
      threshold: this.threshold,
      ...sum,
      accuracy: ratio(sum.tp + sum.tn, decisions),
      exactMatch: ratio(this.exact, this.images),
      meanPerClassAccuracy: (ratio(sum.tp, sum.tp + sum.fn) + ratio(sum.tn, sum.tn + sum.fp)) / 2,
      meanLabelAccuracy: ratio(
        perClass.reduce((a, m) => a + m.accuracy, 0),
        perClass.length,
      ),
      precision: ratio(sum.tp, sum.tp + sum.fp),
      recall: ratio(sum.tp, sum.tp + sum.fn),
      mcc: mcc(sum),
      perClass,
    };
  }
}
