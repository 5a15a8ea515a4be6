/**
 * Detector images of spot lists and their radial integration into 1D profiles.
 * Images are row-major [y, x] Float32Array; pixel (row r, column c) has its centre at
 * detector coordinates (x, y) = (c, r) px; the pattern centre defaults to (size/2, size/2)
 * as in pyxem's `set_ai(center=(size/2, size/2))` used by the seed pipeline.
 */
import { ValidationError } from '../../core/errors.js';
import type { SpotList } from './pattern.js';

export interface DetectorOptions {
  /** Image side in pixels (square), default 256. */
  size?: number;
  /** Reciprocal-space sampling [Å⁻¹ per pixel], default 0.01. */
  calibration?: number;
  /** Gaussian spot σ in pixels (default 1); each spot's sum equals its intensity. */
  sigmaPx?: number;
  /** Add the direct beam (000) with this intensity (default: none). */
  directBeam?: number;
  /** Pattern centre [x, y] in pixels (default [size/2, size/2]). */
  centre?: readonly [number, number];
  /** Sub-pixel shift [dx, dy] in pixels added to every spot (augmentation). */
  shift?: readonly [number, number];
}

export function checkDetector(
  o: DetectorOptions,
): Required<Omit<DetectorOptions, 'directBeam'>> & { directBeam: number } {
  const size = o.size ?? 256;
  if (!Number.isSafeInteger(size) || size < 2 || size > 8192) {
    throw new ValidationError(`detector size must be an integer in 2…8192 px, got ${size}`, 'size');
  }
  const calibration = o.calibration ?? 0.01;
  if (!(calibration > 0 && Number.isFinite(calibration))) {
    throw new ValidationError(`calibration must be > 0 Å⁻¹/px, got ${calibration}`, 'calibration');
  }
  const sigmaPx = o.sigmaPx ?? 1;
  if (!(sigmaPx > 0 && sigmaPx <= 100))
    throw new ValidationError(`spot sigma must be in (0, 100] px, got ${sigmaPx}`, 'sigma');
  const centre = o.centre ?? [size / 2, size / 2];
  const shift = o.shift ?? [0, 0];
  const directBeam = o.directBeam ?? 0;
  if (![...centre, ...shift, directBeam].every(Number.isFinite) || directBeam < 0) {
    throw new ValidationError(
      'centre, shift and direct-beam intensity must be finite (intensity ≥ 0)',
      'detector',
    );
  }
  return { size, calibration, sigmaPx, centre, shift, directBeam };
}

/**
 * Render spots as Gaussians on a size × size image (sum of each spot = its intensity, up to
 * the part that falls off the detector). `out` is reused when given (zeroed first).
 */
export function renderPattern(
  spots: SpotList,
  opts: DetectorOptions = {},
  out?: Float32Array,
): Float32Array {
  const o = checkDetector(opts);
  const n = o.size;
  const img = out ?? new Float32Array(n * n);
  if (img.length !== n * n)
    throw new ValidationError(`output buffer must hold ${n * n} pixels, has ${img.length}`, 'out');
  img.fill(0);
  const rad = Math.ceil(4 * o.sigmaPx);
  const wx = new Float64Array(2 * rad + 1);
  const wy = new Float64Array(2 * rad + 1);
  const inv2s2 = 1 / (2 * o.sigmaPx * o.sigmaPx);
  const norm = 1 / (2 * Math.PI * o.sigmaPx * o.sigmaPx);
  const cx = o.centre[0] + o.shift[0];
  const cy = o.centre[1] + o.shift[1];
  const put = (x: number, y: number, inten: number): void => {
    const c0 = Math.round(x);
    const r0 = Math.round(y);
    if (c0 + rad < 0 || c0 - rad >= n || r0 + rad < 0 || r0 - rad >= n) return;
    for (let d = -rad; d <= rad; d++) {
      const ex = c0 + d - x;
      const ey = r0 + d - y;
      wx[d + rad] = Math.exp(-ex * ex * inv2s2);
      wy[d + rad] = Math.exp(-ey * ey * inv2s2);
    }
    const a = inten * norm;
    for (let dr = -rad; dr <= rad; dr++) {
      const r = r0 + dr;
      if (r < 0 || r >= n) continue;
      const rowW = a * wy[dr + rad]!;
      const base = r * n;
      for (let dc = -rad; dc <= rad; dc++) {
        const c = c0 + dc;
        if (c < 0 || c >= n) continue;
        img[base + c] = img[base + c]! + rowW * wx[dc + rad]!;
      }
    }
  };
  for (let i = 0; i < spots.count; i++) {
    put(cx + spots.kx[i]! / o.calibration, cy + spots.ky[i]! / o.calibration, spots.intensity[i]!);
  }
  if (o.directBeam > 0) put(cx, cy, o.directBeam);
  return img;
}

export interface RadialOptions {
  /** Pattern centre [x, y] in pixels (default [width/2, height/2]). */
  centre?: readonly [number, number];
  /** Å⁻¹ per pixel. */
  calibration: number;
  /** Number of radial bins (default 256, as the seed pipeline). */
  bins?: number;
  /** q range [Å⁻¹] (default 0 … the largest radius on the image). */
  qMin?: number;
  qMax?: number;
}

/** A radial integrator for one image geometry: the bin of every pixel is computed once. */
export interface RadialIntegrator {
  /** Bin centres q [Å⁻¹]. */
  readonly q: Float64Array;
  /** Pixels per bin. */
  readonly counts: Uint32Array;
  /** Bin of every pixel (row-major), −1 for pixels outside the q range. */
  readonly binOf: Int32Array;
  /** Mean intensity per bin (0 for empty bins) of an image [height × width]. */
  integrate(image: ArrayLike<number>, out?: Float64Array): Float64Array;
}

/**
 * Azimuthal averaging into `bins` equal q bins, for many images of the same geometry (the bin
 * of each pixel is precomputed; each call is one pass over the pixels, no allocation with `out`).
 */
export function createRadialIntegrator(
  height: number,
  width: number,
  opts: RadialOptions,
): RadialIntegrator {
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
    throw new ValidationError(
      `image size must be positive integers, got ${height}×${width}`,
      'image',
    );
  }
  const cal = opts.calibration;
  if (!(cal > 0 && Number.isFinite(cal)))
    throw new ValidationError(`calibration must be > 0, got ${cal}`, 'calibration');
  const bins = opts.bins ?? 256;
  if (!Number.isSafeInteger(bins) || bins < 1 || bins > 1e6)
    throw new ValidationError(`bins must be in 1…1e6, got ${bins}`, 'bins');
  const [cx, cy] = opts.centre ?? [width / 2, height / 2];
  if (!Number.isFinite(cx) || !Number.isFinite(cy))
    throw new ValidationError('centre must be finite', 'centre');
  const corner = (x: number, y: number) => Math.sqrt(x * x + y * y);
  const rCorner = Math.max(
    corner(cx, cy),
    corner(width - 1 - cx, cy),
    corner(cx, height - 1 - cy),
    corner(width - 1 - cx, height - 1 - cy),
  );
  const qMin = opts.qMin ?? 0;
  const qMax = opts.qMax ?? rCorner * cal;
  if (!(qMax > qMin && qMin >= 0))
    throw new ValidationError(`need 0 ≤ qMin < qMax, got ${qMin}…${qMax}`, 'q');
  const scale = bins / (qMax - qMin);
  const binOf = new Int32Array(height * width);
  const counts = new Uint32Array(bins);
  for (let r = 0; r < height; r++) {
    const dy = r - cy;
    for (let c = 0; c < width; c++) {
      const dx = c - cx;
      const b = Math.floor((Math.sqrt(dx * dx + dy * dy) * cal - qMin) * scale);
      const inside = b >= 0 && b < bins;
      binOf[r * width + c] = inside ? b : -1;
      if (inside) counts[b] = counts[b]! + 1;
    }
  }
  const q = new Float64Array(bins);
  for (let b = 0; b < bins; b++) q[b] = qMin + (b + 0.5) / scale;
  return {
    q,
    counts,
    binOf,
    integrate(image, out = new Float64Array(bins)) {
      if (image.length !== height * width) {
        throw new ValidationError(
          `image has ${image.length} pixels, expected ${height}×${width}`,
          'image',
        );
      }
      if (out.length !== bins) throw new ValidationError(`output must hold ${bins} bins`, 'out');
      out.fill(0);
      for (let i = 0; i < binOf.length; i++) {
        const b = binOf[i]!;
        if (b >= 0) out[b] = out[b]! + image[i]!;
      }
      for (let b = 0; b < bins; b++) out[b] = counts[b]! > 0 ? out[b]! / counts[b]! : 0;
      return out;
    },
  };
}

/**
 * Azimuthal average of an image [height × width] into `bins` equal q bins; returns the bin
 * centres q [Å⁻¹] and the mean intensity per bin (0 for empty bins).
 */
export function radialProfile(
  image: ArrayLike<number>,
  height: number,
  width: number,
  opts: RadialOptions,
): { q: Float64Array; intensity: Float64Array; counts: Uint32Array } {
  if (image.length !== height * width) {
    throw new ValidationError(
      `image has ${image.length} pixels, expected ${height}×${width}`,
      'image',
    );
  }
  const integ = createRadialIntegrator(height, width, opts);
  return { q: integ.q, intensity: integ.integrate(image), counts: integ.counts };
}
