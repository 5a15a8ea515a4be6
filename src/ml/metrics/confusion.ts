/**
 * Classification metrics: the confusion matrix (rows: true class, columns: predicted class,
 * the scikit-learn `confusion_matrix` convention), accuracy, and per-class precision, recall
 * and F1 (0 where undefined, never NaN).
 */
import { ValidationError } from '../../core/errors.js';

export interface ClassMetrics {
  label: string;
  /** Samples whose true class is this one. */
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ConfusionReport {
  labels: string[];
  /** matrix[t][p]: samples of true class t predicted as p. */
  matrix: number[][];
  total: number;
  accuracy: number;
  perClass: ClassMetrics[];
}

/** Counts (true, predicted) pairs; labels outside [0, n) are refused. */
export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: readonly string[],
): ConfusionReport {
  const n = labels.length;
  if (n < 1) throw new ValidationError('needs at least one class', 'labels');
  if (truth.length !== predicted.length) {
    throw new ValidationError(
      `${truth.length} true labels but ${predicted.length} predictions`,
      'predicted',
    );
  }
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    for (const [v, field] of [
      [t, 'truth'],
      [p, 'predicted'],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v >= n) {
        throw new ValidationError(
          `label ${v} at index ${i} is not a class index in [0, ${n})`,
          field,
        );
      }
    }
    matrix[t]![p]!++;
  }
  return reportFromMatrix(matrix, labels);
}

/** Accuracy and per-class metrics of an existing matrix. */
export function reportFromMatrix(matrix: number[][], labels: readonly string[]): ConfusionReport {
  const n = labels.length;
  let total = 0;
  let correct = 0;
  const colSum = new Array<number>(n).fill(0);
  const rowSum = new Array<number>(n).fill(0);
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const v = matrix[t]![p]!;
      total += v;
      rowSum[t]! += v;
      colSum[p]! += v;
      if (t === p) correct += v;
    }
  }
  const perClass = labels.map((label, c) => {
    const tp = matrix[c]![c]!;
    const precision = colSum[c]! > 0 ? tp / colSum[c]! : 0;
    const recall = rowSum[c]! > 0 ? tp / rowSum[c]! : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, support: rowSum[c]!, precision, recall, f1 };
  });
  return {
    labels: [...labels],
    matrix,
    total,
    accuracy: total > 0 ? correct / total : 0,
    perClass,
  };
}

/** Index of the largest of each row of a (rows × n) row-major array. */
export function argmaxRows(values: ArrayLike<number>, n: number): Int32Array {
  if (!(Number.isInteger(n) && n >= 1) || values.length % n !== 0) {
    throw new ValidationError(`length ${values.length} is not a multiple of ${n}`, 'values');
  }
  const rows = values.length / n;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < n; c++) if (values[r * n + c]! > values[r * n + best]!) best = c;
    out[r] = best;
  }
  return out;
}
