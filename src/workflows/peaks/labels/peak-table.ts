/**
 * The per-peak table of the peaks workflow, shared by label files, mask predictions and the
 * `<scan>_peaks.csv` output: one row per instance of one frame. Built from an instance mask
 * (ids 1..k, 0 = background) and the frame's intensities.
 */
import { regionStats } from '../../../core/signal/labels2d.js';

export interface PeakRow {
  /** The frame's index in the scan. */
  frame: number;
  /** Instance id in that frame's mask (1, 2, …). */
  id: number;
  /** Intensity-weighted centroid (row, column), pixels. */
  cy: number;
  cx: number;
  /** Bounding box, rows [y0, y1) and columns [x0, x1), pixels. */
  y0: number;
  x0: number;
  y1: number;
  x1: number;
  /** Pixels in the mask. */
  area: number;
  /** Sum of the (background-subtracted, where known) counts over the mask. */
  intensity: number;
  /** Detection confidence in [0, 1] (1 for labels). */
  confidence: number;
}

export const PEAK_COLUMNS = [
  'frame',
  'id',
  'centroid_y',
  'centroid_x',
  'bbox_y0',
  'bbox_x0',
  'bbox_y1',
  'bbox_x1',
  'area',
  'intensity',
  'confidence',
] as const;

/** Rows for the instances of one mask frame; `values` weight the centroid and give the intensity. */
export function peakRows(
  frame: number,
  mask: Uint16Array,
  height: number,
  width: number,
  values?: ArrayLike<number>,
  confidence?: (id: number) => number,
): PeakRow[] {
  let count = 0;
  for (const v of mask) if (v > count) count = v;
  if (count === 0) return [];
  const stats = regionStats(mask, height, width, count, values);
  return stats
    .filter((s) => s.area > 0)
    .map((s) => ({
      frame,
      id: s.label,
      cy: s.cy,
      cx: s.cx,
      y0: s.y0,
      x0: s.x0,
      y1: s.y1,
      x1: s.x1,
      area: s.area,
      intensity: values ? s.sum : 0,
      confidence: confidence ? confidence(s.label) : 1,
    }));
}

/** The table as CSV text (header `PEAK_COLUMNS`). */
export function peaksCsv(rows: readonly PeakRow[]): string {
  const lines = [PEAK_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.frame,
        r.id,
        r.cy.toFixed(3),
        r.cx.toFixed(3),
        r.y0,
        r.x0,
        r.y1,
        r.x1,
        r.area,
        +r.intensity.toPrecision(8),
        r.confidence.toFixed(4),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
