/**
 * What a single-shot detector makes of a pattern (a pnCCD-like small-angle detector): the
 * pattern scaled to a number of scattered photons, a flat background, Poisson counting noise,
 * a central hole (the direct beam passes through it) and a horizontal gap between the two
 * detector halves, both reading zero; counts saturate at 65535 (uint16).
 */
import type { Rng } from '../../core/rng.js';
import { ValidationError } from '../../core/errors.js';

export interface DetectorOptions {
  /** Photons scattered onto the detector (the pattern's sum before noise). */
  photons: number;
  /** Mean background photons per pixel. */
  background: number;
  /** Radius of the central hole, pixels. */
  holeRadius: number;
  /** Full height of the horizontal gap through the centre, pixels (0: none). */
  gap: number;
  /** Vertical offset of the gap from the centre, pixels. */
  gapOffset?: number;
}

function check(o: DetectorOptions): void {
  for (const k of ['photons', 'background', 'holeRadius', 'gap'] as const) {
    if (!(Number.isFinite(o[k]) && o[k] >= 0)) {
      throw new ValidationError(`must be a finite number ≥ 0, got ${o[k]}`, k);
    }
  }
}

/** True for pixels the detector does not record (hole, gap). */
export function detectorMask(
  n: number,
  o: Pick<DetectorOptions, 'holeRadius' | 'gap' | 'gapOffset'>,
): Uint8Array {
  const m = new Uint8Array(n * n);
  const c = n / 2;
  const g0 = c + (o.gapOffset ?? 0) - o.gap / 2;
  const g1 = g0 + o.gap;
  const r2 = o.holeRadius * o.holeRadius;
  for (let y = 0; y < n; y++) {
    const inGap = o.gap > 0 && y + 0.5 > g0 && y + 0.5 < g1;
    for (let x = 0; x < n; x++) {
      const dx = x - c;
      const dy = y - c;
      if (inGap || dx * dx + dy * dy < r2) m[y * n + x] = 1;
    }
  }
  return m;
}

/** Record `intensity` (n × n, any scale) as counts. */
export function recordPattern(
  intensity: Float64Array,
  n: number,
  o: DetectorOptions,
  rng: Rng,
): Uint16Array {
  check(o);
  const mask = detectorMask(n, o);
  let sum = 0;
  for (let i = 0; i < n * n; i++) if (!mask[i]) sum += intensity[i]!;
  const scale = sum > 0 ? o.photons / sum : 0;
  const out = new Uint16Array(n * n);
  for (let i = 0; i < n * n; i++) {
    if (mask[i]) continue;
    const counts = rng.poisson(intensity[i]! * scale + o.background);
    out[i] = Math.min(65535, counts);
  }
  return out;
}
