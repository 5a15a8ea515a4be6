/**
 * `bragg peaks evaluate`: a prediction mask file against a truth mask file (both the
 * `peaks-masks/1` contract), frame by frame on the scan frames both contain, read in blocks
 * (bounded memory) → per-frame scores and the summary (`metrics.ts`).
 */
import { ValidationError } from '../../../core/errors.js';
import { openMaskFile } from '../labels/label-file.js';
import { scoreFrame, summarise, type FrameScore, type Summary } from './metrics.js';

export interface Evaluation {
  pred: string;
  truth: string;
  /** Truth frames without a prediction (left out of the scores). */
  missingFrames: number;
  summary: Summary;
  frames: FrameScore[];
}

export async function evaluateMasks(
  predPath: string,
  truthPath: string,
  block = 32,
): Promise<Evaluation> {
  const pred = await openMaskFile(predPath);
  try {
    const truth = await openMaskFile(truthPath);
    try {
      if (pred.height !== truth.height || pred.width !== truth.width) {
        throw new ValidationError(
          `prediction frames are ${pred.height}×${pred.width}, truth frames ${truth.height}×${truth.width}`,
          'pred',
        );
      }
      const at = new Map<number, number>();
      pred.frameIndex.forEach((f, i) => at.set(f, i));
      const common = [...truth.frameIndex.entries()].filter(([, f]) => at.has(f));
      if (common.length === 0) {
        throw new ValidationError('the prediction and the truth have no frame in common', 'pred');
      }
      const px = pred.height * pred.width;
      const scores: FrameScore[] = [];
      for (let s = 0; s < common.length; s += block) {
        const part = common.slice(s, s + block);
        const t0 = part[0]![0];
        const t1 = part[part.length - 1]![0] + 1;
        const tm = await truth.read(t0, t1);
        const pIdx = part.map(([, f]) => at.get(f)!);
        const p0 = Math.min(...pIdx);
        const p1 = Math.max(...pIdx) + 1;
        // A block of contiguous truth frames maps to a bounded range of prediction frames.
        if (p1 - p0 > 4 * block) {
          for (const [ti, f] of part) {
            const pi = at.get(f)!;
            const pm = await pred.read(pi, pi + 1);
            scores.push(scoreFrame(f, tm.subarray((ti - t0) * px, (ti - t0 + 1) * px), pm));
          }
          continue;
        }
        const pm = await pred.read(p0, p1);
        for (const [ti, f] of part) {
          const pi = at.get(f)!;
          scores.push(
            scoreFrame(
              f,
              tm.subarray((ti - t0) * px, (ti - t0 + 1) * px),
              pm.subarray((pi - p0) * px, (pi - p0 + 1) * px),
            ),
          );
        }
      }
      return {
        pred: pred.path,
        truth: truth.path,
        missingFrames: truth.frameIndex.length - common.length,
        summary: summarise(scores),
        frames: scores,
      };
    } finally {
      await truth.close();
    }
  } finally {
    await pred.close();
  }
}
