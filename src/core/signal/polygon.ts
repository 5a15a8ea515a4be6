/**
 * Polygon rasterisation onto a pixel grid: a pixel (row y, column x) is inside when its
 * centre (x, y) is inside the polygon by the even–odd rule (pixel centres at integer
 * coordinates, as image annotation tools place them). Scanline fill, O(rows × edges + area).
 */
import { ValidationError } from '../errors.js';

export interface Point2d {
  /** Column coordinate (pixels). */
  x: number;
  /** Row coordinate (pixels). */
  y: number;
}

/**
 * Set `value` in `out` (row-major `height × width`) at every pixel whose centre lies inside
 * `polygon`; returns how many pixels were set. Fewer than 3 vertices set nothing.
 */
export function fillPolygon(
  out: { [i: number]: number; length: number },
  height: number,
  width: number,
  polygon: readonly Point2d[],
  value = 1,
): number {
  if (out.length !== height * width) {
    throw new ValidationError(`${out.length} pixels is not ${height}×${width}`, 'shape');
  }
  for (const p of polygon) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      throw new ValidationError('polygon vertex is not a finite (x, y)', 'polygon');
    }
  }
  if (polygon.length < 3) return 0;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const p of polygon) {
    if (p.y < ymin) ymin = p.y;
    if (p.y > ymax) ymax = p.y;
  }
  const r0 = Math.max(0, Math.ceil(ymin));
  const r1 = Math.min(height - 1, Math.floor(ymax));
  const xs: number[] = [];
  let set = 0;
  const n = polygon.length;
  for (let y = r0; y <= r1; y++) {
    xs.length = 0;
    for (let k = 0; k < n; k++) {
      const a = polygon[k]!;
      const b = polygon[(k + 1) % n]!;
      // Half-open rule on y so that a vertex on the scanline counts once.
      if (a.y <= y === b.y <= y) continue;
      xs.push(a.x + ((y - a.y) * (b.x - a.x)) / (b.y - a.y));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const c0 = Math.max(0, Math.ceil(xs[k]!));
      const c1 = Math.min(width - 1, Math.floor(xs[k + 1]!));
      for (let x = c0; x <= c1; x++) {
        // A centre exactly on the right edge is outside (half-open in x too).
        if (x === xs[k + 1]) continue;
        out[y * width + x] = value;
        set++;
      }
    }
  }
  return set;
}

/** Bounding box of a polygon's vertices: [xmin, ymin, xmax, ymax] (pixels). */
export function polygonBounds(polygon: readonly Point2d[]): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of polygon) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return [x0, y0, x1, y1];
}

/** Area of a simple polygon by the shoelace formula (pixels², ≥ 0). */
export function polygonArea(polygon: readonly Point2d[]): number {
  let s = 0;
  const n = polygon.length;
  for (let k = 0; k < n; k++) {
    const a = polygon[k]!;
    const b = polygon[(k + 1) % n]!;
    s += a.x * b.y - b.x * a.y;
  }
  return Math.abs(s) / 2;
}
