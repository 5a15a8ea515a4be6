/**
 * Intensity scaling for display: values → [0, 1] over a range [lo, hi] (default: the finite
 * minimum and maximum). With u = clamp((v − lo) / (hi − lo), 0, 1):
 *   linear: u
 *   sqrt:   √u
 *   log:    ln(1 + k·u) / ln(1 + k), k = 10^decades − 1 (default 3 decades: the top 1/1000 of
 *           the range spreads over the first third of the scale — what diffraction patterns,
 *           whose spots are orders of magnitude brighter than the background, need)
 * Non-finite values give NaN (drawn as the lowest colour). A constant image maps to 0.
 */
import { finiteRange } from '../../core/ndarray.js';

export const SCALINGS = ['linear', 'log', 'sqrt'] as const;
export type Scaling = (typeof SCALINGS)[number];

export function isScaling(x: unknown): x is Scaling {
  return typeof x === 'string' && (SCALINGS as readonly string[]).includes(x);
}

export interface ScaleOptions {
  scale?: Scaling;
  /** Value range mapped to [0, 1]; default: finite min and max of the data. */
  range?: readonly [number, number];
  /** Decades spanned by the log scale (default 3). */
  decades?: number;
}

export function normalize(values: ArrayLike<number>, o: ScaleOptions = {}): Float32Array {
  const [lo, hi] = o.range ?? finiteRange(values);
  const span = hi - lo;
  const k = 10 ** (o.decades ?? 3) - 1;
  const logNorm = Math.log1p(k);
  const out = new Float32Array(values.length);
  const scale = o.scale ?? 'linear';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = NaN;
      continue;
    }
    const u = span > 0 ? Math.min(1, Math.max(0, (v - lo) / span)) : 0;
    out[i] = scale === 'linear' ? u : scale === 'sqrt' ? Math.sqrt(u) : Math.log1p(k * u) / logNorm;
  }
  return out;
}
