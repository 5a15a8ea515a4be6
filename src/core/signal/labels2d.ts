/**
 * Connected components of a 2D binary image (row-major, `height × width`): two-pass labelling
 * with union–find, 4- or 8-connectivity. Labels are 1, 2, … in raster order of each
 * component's first pixel; 0 is background. Plus per-label statistics (area, bounding box,
 * weighted centroid, sum) used by spot finders.
 */
import { ValidationError } from '../errors.js';

export interface Labels2d {
  /** One label per pixel (0 = background), row-major. */
  labels: Int32Array;
  /** Number of components (labels run 1..count). */
  count: number;
}

function checkShape(n: number, height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
    throw new ValidationError(
      `image size ${height}×${width} is not a pair of integers ≥ 0`,
      'shape',
    );
  }
  if (n !== height * width) {
    throw new ValidationError(`${n} pixels is not ${height}×${width}`, 'shape');
  }
}

function find(parent: Int32Array, x: number): number {
  let r = x;
  while (parent[r]! !== r) r = parent[r]!;
  while (parent[x]! !== r) {
    const next = parent[x]!;
    parent[x] = r;
    x = next;
  }
  return r;
}

/**
 * Label the connected components of `mask` (non-zero = foreground).
 * @param connectivity 4 (edge neighbours) or 8 (edges and corners; default)
 */
export function labelComponents(
  mask: ArrayLike<number>,
  height: number,
  width: number,
  connectivity: 4 | 8 = 8,
): Labels2d {
  checkShape(mask.length, height, width);
  const n = height * width;
  const prov = new Int32Array(n);
  // parent[k] for provisional label k (1-based); at most one new label per pixel.
  const parent = new Int32Array(n + 1);
  let next = 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!mask[i]) continue;
      let label = 0;
      const consider = (j: number): void => {
        const l = prov[j]!;
        if (l === 0) return;
        if (label === 0) label = l;
        else if (l !== label) {
          const a = find(parent, l);
          const b = find(parent, label);
          if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
        }
      };
      if (x > 0) consider(i - 1);
      if (y > 0) {
        consider(i - width);
        if (connectivity === 8) {
          if (x > 0) consider(i - width - 1);
          if (x < width - 1) consider(i - width + 1);
        }
      }
      if (label === 0) {
        label = next++;
        parent[label] = label;
      }
      prov[i] = label;
    }
  }
  // Final labels in raster order of first appearance.
  const final = new Int32Array(next);
  let count = 0;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = prov[i]!;
    if (l === 0) continue;
    const r = find(parent, l);
    if (final[r] === 0) final[r] = ++count;
    labels[i] = final[r]!;
  }
  return { labels, count };
}

/** Statistics of one label of a labelled image. */
export interface RegionStats {
  label: number;
  /** Pixels in the region. */
  area: number;
  /** Bounding box, inclusive–exclusive: rows [y0, y1), columns [x0, x1). */
  y0: number;
  x0: number;
  y1: number;
  x1: number;
  /** Sum of `values` over the region (0 without values). */
  sum: number;
  /** Largest value in the region (−Infinity without values). */
  max: number;
  /** Centroid (row, column) weighted by max(value, 0); the plain centroid without values or weight. */
  cy: number;
  cx: number;
}

/**
 * Per-label statistics of `labels` (values 0..count, 0 skipped), optionally weighted by
 * `values` (e.g. background-subtracted intensity). Returns `count` entries, label i at i−1.
 */
export function regionStats(
  labels: ArrayLike<number>,
  height: number,
  width: number,
  count: number,
  values?: ArrayLike<number>,
): RegionStats[] {
  checkShape(labels.length, height, width);
  if (values && values.length !== labels.length) {
    throw new ValidationError(`${values.length} values for ${labels.length} pixels`, 'values');
  }
  const out: RegionStats[] = Array.from({ length: count }, (_, k) => ({
    label: k + 1,
    area: 0,
    y0: height,
    x0: width,
    y1: 0,
    x1: 0,
    sum: 0,
    max: -Infinity,
    cy: 0,
    cx: 0,
  }));
  const wy = new Float64Array(count);
  const wx = new Float64Array(count);
  const ww = new Float64Array(count);
  const py = new Float64Array(count);
  const px = new Float64Array(count);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const l = labels[i]!;
      if (l <= 0 || l > count) continue;
      const s = out[l - 1]!;
      s.area++;
      if (y < s.y0) s.y0 = y;
      if (x < s.x0) s.x0 = x;
      if (y + 1 > s.y1) s.y1 = y + 1;
      if (x + 1 > s.x1) s.x1 = x + 1;
      py[l - 1]! += y;
      px[l - 1]! += x;
      if (values) {
        const v = values[i]!;
        s.sum += v;
        if (v > s.max) s.max = v;
        const w = v > 0 ? v : 0;
        wy[l - 1]! += w * y;
        wx[l - 1]! += w * x;
        ww[l - 1]! += w;
      }
    }
  }
  for (let k = 0; k < count; k++) {
    const s = out[k]!;
    if (ww[k]! > 0) {
      s.cy = wy[k]! / ww[k]!;
      s.cx = wx[k]! / ww[k]!;
    } else if (s.area > 0) {
      s.cy = py[k]! / s.area;
      s.cx = px[k]! / s.area;
    }
  }
  return out;
}
