/**
 * Projected electron density of a scene along the beam, on an n × n real-space grid
 * (row-major [y, x], pixel units). Every scene is a sum of uniform ellipsoids; the projection
 * of one with in-plane semi-axes a, b (rotated by `angle`) and depth semi-axis c is
 * `2c·ρ·√(1 − u²/a² − v²/b²)` inside its outline. Pixels are supersampled (s × s points)
 * so edges are not staircased.
 */
import { ValidationError } from '../../core/errors.js';

/** A uniform ellipsoid; lengths in real-space pixels, `angle` in radians. */
export interface Ellipsoid {
  /** Centre, relative to the grid centre. */
  x: number;
  y: number;
  /** In-plane semi-axes (a along the rotated x axis). */
  a: number;
  b: number;
  /** Semi-axis along the beam. */
  c: number;
  angle: number;
  /** Density (relative); negative subtracts (a hollow). */
  density: number;
}

/** Sphere of radius r at (x, y). */
export function sphere(x: number, y: number, r: number, density = 1): Ellipsoid {
  return { x, y, a: r, b: r, c: r, angle: 0, density };
}

/** Add the projected density of `e` to `out` (n × n), supersampled `s` × `s`. */
export function addEllipsoid(out: Float64Array, n: number, e: Ellipsoid, s = 3): void {
  if (!(e.a > 0 && e.b > 0 && e.c > 0)) {
    throw new ValidationError(`semi-axes must be > 0, got ${e.a}, ${e.b}, ${e.c}`, 'ellipsoid');
  }
  const cx = n / 2 + e.x;
  const cy = n / 2 + e.y;
  const cos = Math.cos(e.angle);
  const sin = Math.sin(e.angle);
  const reach = Math.max(e.a, e.b) + 1;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(n - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(n - 1, Math.ceil(cy + reach));
  const w = (2 * e.c * e.density) / (s * s);
  const ia2 = 1 / (e.a * e.a);
  const ib2 = 1 / (e.b * e.b);
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      let acc = 0;
      for (let sy = 0; sy < s; sy++) {
        const dy = py + (sy + 0.5) / s - 0.5 - cy;
        for (let sx = 0; sx < s; sx++) {
          const dx = px + (sx + 0.5) / s - 0.5 - cx;
          const u = cos * dx + sin * dy;
          const v = -sin * dx + cos * dy;
          const q = 1 - u * u * ia2 - v * v * ib2;
          if (q > 0) acc += Math.sqrt(q);
        }
      }
      if (acc > 0) out[py * n + px] = out[py * n + px]! + w * acc;
    }
  }
}

/** The projected density of a set of ellipsoids on an n × n grid. */
export function projectedDensity(
  parts: readonly Ellipsoid[],
  n: number,
  supersample = 3,
): Float64Array {
  const out = new Float64Array(n * n);
  for (const e of parts) addEllipsoid(out, n, e, supersample);
  return out;
}
