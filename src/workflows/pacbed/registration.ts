/**
 * Polar-log (log-polar) registration of two PACBED patterns, as the seed's validation figure
 * does (STUDY.md §1, `skimage.transform.warp_polar(scaling='log')` + phase correlation): both
 * patterns are resampled around their centres on a grid of log radius × angle, where a rotation
 * about the centre is a cyclic shift along the angle axis and a change of camera length a shift
 * along the log-radius axis. The shift that maximises the normalised cross-correlation of the
 * two resampled images (all angle shifts, log-radius shifts within ±`maxLogShift` bins) gives
 * the rotation and the scale; the angle is refined to below one bin by a parabola through the
 * peak and its neighbours.
 *
 * Convention: `registerRotation(ref, moving)` returns the `angle` [degrees] such that
 * `rotateImage(ref, n, angle)` matches `moving` (the rotation of `affine2d`'s `theta`), and the
 * `scale` such that `moving`'s features sit `scale` times farther from the centre.
 */
import { ValidationError } from '../../core/errors.js';

export interface LogPolarOptions {
  /** Radial samples (default 48). */
  nr?: number;
  /** Angle samples over 360° (default 360). */
  nt?: number;
  /** Innermost and outermost radius [px] (default 1 and 0.95 of the half side). */
  rMin?: number;
  rMax?: number;
}

interface Grid {
  nr: number;
  nt: number;
  rMin: number;
  rMax: number;
}

function grid(n: number, o: LogPolarOptions): Grid {
  const nr = o.nr ?? 48;
  const nt = o.nt ?? 360;
  const rMin = o.rMin ?? 1;
  const rMax = o.rMax ?? 0.95 * ((n - 1) / 2);
  if (!(Number.isInteger(nr) && nr >= 4 && Number.isInteger(nt) && nt >= 8)) {
    throw new ValidationError(`need nr ≥ 4 and nt ≥ 8 (integers), got ${nr}, ${nt}`, 'logPolar');
  }
  if (!(rMin > 0 && rMax > rMin)) {
    throw new ValidationError(`need 0 < rMin < rMax, got ${rMin}, ${rMax}`, 'logPolar');
  }
  return { nr, nt, rMin, rMax };
}

function checkSquare(img: Float32Array, n: number, name: string): void {
  if (!(Number.isInteger(n) && n >= 8) || img.length !== n * n) {
    throw new ValidationError(`expected ${n}² values (side ≥ 8), got ${img.length}`, name);
  }
}

/** Bilinear sample (0 outside). */
function sample(img: Float32Array, n: number, y: number, x: number): number {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  if (y0 < 0 || x0 < 0 || y0 + 1 >= n || x0 + 1 >= n) return 0;
  const fy = y - y0;
  const fx = x - x0;
  const i = y0 * n + x0;
  return (
    (1 - fy) * ((1 - fx) * img[i]! + fx * img[i + 1]!) +
    fy * ((1 - fx) * img[i + n]! + fx * img[i + n + 1]!)
  );
}

/**
 * The n × n image on the log-polar grid about its centre ((n−1)/2, (n−1)/2): nr rows (radius
 * rMin·(rMax/rMin)^(i/(nr−1))) × nt columns (angle 2π·j/nt, atan2 of (row, column) offsets).
 */
export function logPolar(img: Float32Array, n: number, o: LogPolarOptions = {}): Float32Array {
  checkSquare(img, n, 'image');
  const g = grid(n, o);
  const c = (n - 1) / 2;
  const out = new Float32Array(g.nr * g.nt);
  const ratio = Math.log(g.rMax / g.rMin) / (g.nr - 1);
  for (let i = 0; i < g.nr; i++) {
    const r = g.rMin * Math.exp(i * ratio);
    for (let j = 0; j < g.nt; j++) {
      const t = (2 * Math.PI * j) / g.nt;
      out[i * g.nt + j] = sample(img, n, c + r * Math.sin(t), c + r * Math.cos(t));
    }
  }
  return out;
}

export interface Registration {
  /** Rotation from the reference to the moving pattern [degrees, (−180, 180]]. */
  angle: number;
  /** Radial scale from the reference to the moving pattern. */
  scale: number;
  /** Normalised cross-correlation at the optimum (−1…1). */
  score: number;
}

export interface RegisterOptions extends LogPolarOptions {
  /** Largest log-radius shift searched [bins] (default 4; 0: rotation only). */
  maxLogShift?: number;
}

/** Rotation (and radial scale) taking `ref` onto `moving`; both n × n, centred. */
export function registerRotation(
  ref: Float32Array,
  moving: Float32Array,
  n: number,
  o: RegisterOptions = {},
): Registration {
  checkSquare(ref, n, 'reference');
  checkSquare(moving, n, 'moving');
  const g = grid(n, o);
  const D = o.maxLogShift ?? 4;
  if (!(Number.isInteger(D) && D >= 0 && D < g.nr / 2)) {
    throw new ValidationError(`must be an integer in [0, ${g.nr / 2}), got ${D}`, 'maxLogShift');
  }
  const A = logPolar(ref, n, o);
  const B = logPolar(moving, n, o);
  for (const a of [A, B]) {
    let m = 0;
    for (const v of a) m += v;
    m /= a.length;
    for (let i = 0; i < a.length; i++) a[i] = a[i]! - m;
  }
  const { nr, nt } = g;
  let best = { s: 0, d: 0, score: -Infinity };
  const scores = new Float64Array(nt * (2 * D + 1));
  for (let d = -D; d <= D; d++) {
    const r0 = Math.max(0, -d);
    const r1 = Math.min(nr, nr - d);
    for (let s = 0; s < nt; s++) {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let r = r0; r < r1; r++) {
        const ra = r * nt;
        const rb = (r + d) * nt;
        for (let t = 0; t < nt; t++) {
          const a = A[ra + t]!;
          const tb = t + s < nt ? t + s : t + s - nt;
          const b = B[rb + tb]!;
          ab += a * b;
          aa += a * a;
          bb += b * b;
        }
      }
      const sc = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
      scores[(d + D) * nt + s] = sc;
      if (sc > best.score) best = { s, d, score: sc };
    }
  }
  // sub-bin angle: a parabola through the peak and its cyclic neighbours
  const row = (best.d + D) * nt;
  const ym = scores[row + ((best.s - 1 + nt) % nt)]!;
  const y0 = scores[row + best.s]!;
  const yp = scores[row + ((best.s + 1) % nt)]!;
  const den = ym - 2 * y0 + yp;
  const frac = den < 0 ? (0.5 * (ym - yp)) / den : 0;
  // moving(θ + s) ≈ ref(θ): rotateImage's angle is this atan2 shift
  let angle = (360 * (best.s + frac)) / nt;
  if (angle > 180) angle -= 360;
  // sub-bin log radius likewise (when the peak is inside the searched range)
  let dFrac = 0;
  if (best.d > -D && best.d < D) {
    const dm = scores[row - nt + best.s]!;
    const dp = scores[row + nt + best.s]!;
    const dd = dm - 2 * y0 + dp;
    if (dd < 0) dFrac = (0.5 * (dm - dp)) / dd;
  }
  const ratio = Math.log(g.rMax / g.rMin) / (g.nr - 1);
  return { angle, scale: Math.exp((best.d + dFrac) * ratio), score: best.score };
}


/**
 * The n × n image rotated by `angle` degrees about its centre ((n−1)/2, (n−1)/2), bilinear, 0
 * outside: out(r, c) = in(c₀ + cos·dr − sin·dc, c₀ + sin·dr + cos·dc), the sense of
 * `affine2d`'s theta (whose Keras centre n/2 + 0.5 is one pixel off the image centre).
 */
export function rotateImage(img: Float32Array, n: number, angle: number): Float32Array {
  checkSquare(img, n, 'image');
  if (!Number.isFinite(angle)) throw new ValidationError(`must be finite, got ${angle}`, 'angle');
  const t = (angle * Math.PI) / 180;
  const co = Math.cos(t);
  const si = Math.sin(t);
  const c = (n - 1) / 2;
  const out = new Float32Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const dr = r - c;
      const dc = k - c;
      out[r * n + k] = sample(img, n, c + co * dr - si * dc, c + si * dr + co * dc);
    }
  }
  return out;
}

/** The n × n image scaled about its centre by `s` (> 1: features move outwards). */
export function scaleImage(img: Float32Array, n: number, s: number): Float32Array {
  checkSquare(img, n, 'image');
  if (!(s > 0 && Number.isFinite(s))) throw new ValidationError(`must be > 0, got ${s}`, 'scale');
  const c = (n - 1) / 2;
  const out = new Float32Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) out[r * n + k] = sample(img, n, c + (r - c) / s, c + (k - c) / s);
  }
  return out;
}
