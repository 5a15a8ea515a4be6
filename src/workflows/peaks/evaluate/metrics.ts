/**
 * Scores of instance masks against truth, per frame and overall:
 *
 * - **seed IoU** (DiPID, STUDY §3.2): dot(V, P)/(ΣV + ΣP − dot) with V the *sum* of the truth
 *   instance masks and P the sum of the predicted ones. bragg's masks hold one id per pixel, so
 *   the sums are the OR; a frame with neither truth nor prediction gives 0/0 = NaN, as in the
 *   seed, and is counted (`seedNaN`);
 * - **IoU**: |G ∩ P| / |G ∪ P| of the union masks (frames where both are empty are left out of
 *   the mean and counted as `bothEmpty`);
 * - **per peak**: truth and predicted instances matched greedily by descending mask IoU, a
 *   match needing IoU > 0.5 (true positive); unmatched predictions are false positives,
 *   unmatched truths false negatives → precision, recall, F1 (overall: from the summed counts).
 */

export interface FrameScore {
  frame: number;
  truthPeaks: number;
  predPeaks: number;
  tp: number;
  fp: number;
  fn: number;
  /** The seed's IoU (NaN when the frame has neither truth nor prediction). */
  seedIoU: number;
  /** Union IoU (NaN when both are empty). */
  iou: number;
  /** IoU of each matched pair. */
  matchedIoU: number[];
}

export const MATCH_IOU = 0.5;

export function scoreFrame(frame: number, truth: Uint16Array, pred: Uint16Array): FrameScore {
  let nt = 0;
  let np = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i]! > nt) nt = truth[i]!;
    if (pred[i]! > np) np = pred[i]!;
  }
  const at = new Float64Array(nt + 1);
  const ap = new Float64Array(np + 1);
  const overlap = new Map<number, number>(); // key t·(np+1)+p
  let inter = 0;
  let sumT = 0;
  let sumP = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = pred[i]!;
    if (t) {
      at[t]!++;
      sumT++;
    }
    if (p) {
      ap[p]!++;
      sumP++;
    }
    if (t && p) {
      inter++;
      const k = t * (np + 1) + p;
      overlap.set(k, (overlap.get(k) ?? 0) + 1);
    }
  }
  const truthIds = new Set<number>();
  const predIds = new Set<number>();
  for (let t = 1; t <= nt; t++) if (at[t]! > 0) truthIds.add(t);
  for (let p = 1; p <= np; p++) if (ap[p]! > 0) predIds.add(p);
  const pairs: { t: number; p: number; iou: number }[] = [];
  for (const [k, c] of overlap) {
    const t = Math.floor(k / (np + 1));
    const p = k - t * (np + 1);
    pairs.push({ t, p, iou: c / (at[t]! + ap[p]! - c) });
  }
  pairs.sort((a, b) => b.iou - a.iou || a.t - b.t || a.p - b.p);
  const usedT = new Set<number>();
  const usedP = new Set<number>();
  const matchedIoU: number[] = [];
  for (const q of pairs) {
    if (q.iou <= MATCH_IOU) break;
    if (usedT.has(q.t) || usedP.has(q.p)) continue;
    usedT.add(q.t);
    usedP.add(q.p);
    matchedIoU.push(q.iou);
  }
  const union = sumT + sumP - inter;
  return {
    frame,
    truthPeaks: truthIds.size,
    predPeaks: predIds.size,
    tp: matchedIoU.length,
    fp: predIds.size - matchedIoU.length,
    fn: truthIds.size - matchedIoU.length,
    seedIoU: inter / (sumT + sumP - inter), // 0/0 = NaN when both are empty, as the seed
    iou: union > 0 ? inter / union : NaN,
    matchedIoU,
  };
}

export interface Summary {
  frames: number;
  truthPeaks: number;
  predPeaks: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** Mean union IoU over frames where truth or prediction is non-empty. */
  meanIoU: number;
  /** Mean of the seed's IoU over its non-NaN frames. */
  meanSeedIoU: number;
  /** Frames where the seed's IoU is NaN (no truth and no prediction). */
  seedNaN: number;
  bothEmpty: number;
  /** Mean IoU of the matched peak pairs. */
  meanMatchedIoU: number;
}

const mean = (xs: number[]): number =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;

export function summarise(scores: readonly FrameScore[]): Summary {
  const tp = scores.reduce((a, s) => a + s.tp, 0);
  const fp = scores.reduce((a, s) => a + s.fp, 0);
  const fn = scores.reduce((a, s) => a + s.fn, 0);
  const precision = tp + fp > 0 ? tp / (tp + fp) : NaN;
  const recall = tp + fn > 0 ? tp / (tp + fn) : NaN;
  const f1 = tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : NaN;
  const ious = scores.map((s) => s.iou).filter((v) => !Number.isNaN(v));
  const seed = scores.map((s) => s.seedIoU).filter((v) => !Number.isNaN(v));
  return {
    frames: scores.length,
    truthPeaks: scores.reduce((a, s) => a + s.truthPeaks, 0),
    predPeaks: scores.reduce((a, s) => a + s.predPeaks, 0),
    tp,
    fp,
    fn,
    precision,
    recall,
    f1,
    meanIoU: mean(ious),
    meanSeedIoU: mean(seed),
    seedNaN: scores.length - seed.length,
    bothEmpty: scores.length - ious.length,
    meanMatchedIoU: mean(scores.flatMap((s) => s.matchedIoU)),
  };
}
