/**
 * The classic baseline of the peaks workflow, in the manner of peakfinder8 (Barty et al.,
 * J. Appl. Cryst. 47, 1118 (2014), Cheetah): a local background and noise per pixel, a
 * signal-to-noise threshold for seed pixels, connected components, and minimum/maximum pixel
 * counts per peak. Differences, for area detectors at a single-crystal beamline (I16) rather
 * than serial crystallography: the background is a sigma-clipped local box (not radial rings
 * around a beam centre on the detector), computed on a coarse grid of pixel blocks and
 * interpolated (`background.ts`), and each peak's mask is grown from its seeds over the
 * 8-connected pixels above both `growSnr`·σ and `fraction` of the peak's height above
 * background — the workflow's 10 % mask convention — so masks compare with the labels.
 */
import { ValidationError } from '../../../core/errors.js';
import { localBackground } from './background.js';
import { segmentPeaks } from './segment.js';

export interface ClassicOptions {
  /** Half-width of the local background window (pixels; window 2r+1). Default 20. */
  radius?: number;
  /** Sigma-clipping passes of the background (each drops pixels above mean + `clip`·σ). Default 5. */
  passes?: number;
  /** Clip level of the background passes (σ). Default 3. */
  clip?: number;
  /**
   * Block size of the background's coarse grid (pixels, at most `radius`; `background.ts`).
   * Default 4; 1 = exact per-pixel windows (slower).
   */
  grid?: number;
  /** Seed threshold: signal-to-noise of a peak’s seed pixels. Default 8. */
  snr?: number;
  /** Growth threshold around seeds (σ). Default 2.5. */
  growSnr?: number;
  /** Mask level: fraction of the peak's height above background. Default 0.1. */
  fraction?: number;
  /** Minimum counts above background of a seed pixel (the ADC threshold). Default 5. */
  minCounts?: number;
  /** Pixels per peak, inclusive. Defaults 2 and 5000. */
  minPixels?: number;
  maxPixels?: number;
}

export interface ClassicPeak {
  /** Instance id in the mask. */
  id: number;
  /** Largest signal-to-noise ratio in the peak. */
  snr: number;
  /** Confidence in [0, 1]: 1 − exp(−SNR / seed threshold). */
  confidence: number;
}

export interface ClassicResult {
  /** Instance ids (0 = background). */
  mask: Uint16Array;
  peaks: ClassicPeak[];
  /** Local background (counts per pixel). */
  background: Float32Array;
}

function resolved(o: ClassicOptions): Required<ClassicOptions> {
  const r: Required<ClassicOptions> = {
    radius: o.radius ?? 20,
    passes: o.passes ?? 5,
    clip: o.clip ?? 3,
    grid: o.grid ?? 4,
    snr: o.snr ?? 8,
    growSnr: o.growSnr ?? 2.5,
    fraction: o.fraction ?? 0.1,
    minCounts: o.minCounts ?? 5,
    minPixels: o.minPixels ?? 2,
    maxPixels: o.maxPixels ?? 5000,
  };
  const pos = (v: number, name: string): void => {
    if (!(v > 0) || !Number.isFinite(v))
      throw new ValidationError(`${name} must be > 0, got ${v}`, name);
  };
  if (!Number.isInteger(r.radius) || r.radius < 1 || r.radius > 200)
    throw new ValidationError(`radius must be an integer 1..200, got ${r.radius}`, 'radius');
  if (!Number.isInteger(r.passes) || r.passes < 1 || r.passes > 10)
    throw new ValidationError(`passes must be 1..10, got ${r.passes}`, 'passes');
  if (!Number.isInteger(r.grid) || r.grid < 1 || r.grid > 32)
    throw new ValidationError(`grid must be an integer 1..32, got ${r.grid}`, 'grid');
  pos(r.clip, 'clip');
  pos(r.snr, 'snr');
  pos(r.growSnr, 'growSnr');
  if (!(r.fraction >= 0 && r.fraction < 1))
    throw new ValidationError(`fraction must be in [0, 1), got ${r.fraction}`, 'fraction');
  if (!(r.minCounts >= 0)) throw new ValidationError(`minCounts must be ≥ 0`, 'minCounts');
  if (
    !Number.isInteger(r.minPixels) ||
    r.minPixels < 1 ||
    !Number.isInteger(r.maxPixels) ||
    r.maxPixels < r.minPixels
  )
    throw new ValidationError(
      `pixel limits ${r.minPixels}..${r.maxPixels} are not 1 ≤ min ≤ max`,
      'minPixels',
    );
  return r;
}

/** Check the options once (before a scan is read). */
export function checkClassicOptions(o: ClassicOptions): void {
  resolved(o);
}

/**
 * Find the peaks of one frame (counts, bad pixels already repaired); `bad` flags pixels left
 * out of the background statistics (the detector mask).
 */
export function findPeaksClassic(
  frame: Float32Array,
  height: number,
  width: number,
  options: ClassicOptions = {},
  bad?: Uint8Array,
): ClassicResult {
  const o = resolved(options);
  const n = height * width;
  if (frame.length !== n)
    throw new ValidationError(`${frame.length} pixels is not ${height}×${width}`, 'frame');
  const st = localBackground(
    frame,
    height,
    width,
    { radius: o.radius, passes: o.passes, clip: o.clip, grid: Math.min(o.grid, o.radius) },
    bad,
  );
  const seg = segmentPeaks(frame, st.mean, st.std, height, width, o);
  const peaks: ClassicPeak[] = seg.peaks.map((p) => ({
    id: p.id,
    snr: p.snr,
    confidence: 1 - Math.exp(-p.snr / o.snr),
  }));
  return { mask: seg.mask, peaks, background: st.mean };
}
