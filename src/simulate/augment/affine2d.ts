/**
 * Affine augmentation of 2D patterns with Keras' conventions (`apply_affine_transform` of
 * keras-preprocessing, the generator of the PACBED-CNN seed): the transform
 * R(θ)·T(tx, ty)·Sh(shear)·Z(zx, zy) about the image centre maps output pixel coordinates
 * (row, column) to input coordinates, sampled with bilinear interpolation (order 1); samples
 * outside the image take `fill` (`constant`: `cval`; `nearest`: the closest edge pixel). Angles
 * in degrees (Keras' rotation and shear), shifts in pixels. `randomAffine` draws the parameters
 * of the seed's `ImageDataGenerator` from an `Rng`, so the same seed gives the same bytes.
 */
import { ValidationError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';

export interface AffineParams {
  /** Rotation [degrees], counter-clockwise. */
  theta: number;
  /** Shift along rows and columns [px]. */
  tx: number;
  ty: number;
  /** Shear angle [degrees]. */
  shear: number;
  /** Zoom along rows and columns: > 1 shows more of the input (the content shrinks). */
  zx: number;
  zy: number;
  flipRows: boolean;
  flipCols: boolean;
}

export const IDENTITY: AffineParams = {
  theta: 0,
  tx: 0,
  ty: 0,
  shear: 0,
  zx: 1,
  zy: 1,
  flipRows: false,
  flipCols: false,
};

export type FillMode = 'constant' | 'nearest';

type M3 = [number, number, number, number, number, number, number, number, number];

function mul(a: M3, b: M3): M3 {
  const r: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += a[3 * i + k]! * b[3 * k + j]!;
      r.push(s);
    }
  }
  return r as M3;
}

/** The output → input matrix of Keras' `apply_affine_transform` for an h × w image. */
export function affineMatrix(p: AffineParams, h: number, w: number): M3 {
  const t = (p.theta * Math.PI) / 180;
  const s = (p.shear * Math.PI) / 180;
  let m: M3 = [Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1];
  m = mul(m, [1, 0, p.tx, 0, 1, p.ty, 0, 0, 1]);
  m = mul(m, [1, -Math.sin(s), 0, 0, Math.cos(s), 0, 0, 0, 1]);
  m = mul(m, [p.zx, 0, 0, 0, p.zy, 0, 0, 0, 1]);
  // keras' transform_matrix_offset_center: o = h/2 + 0.5, w/2 + 0.5
  const ox = h / 2 + 0.5;
  const oy = w / 2 + 0.5;
  return mul(mul([1, 0, ox, 0, 1, oy, 0, 0, 1], m), [1, 0, -ox, 0, 1, -oy, 0, 0, 1]);
}

/**
 * Apply `p` to a row-major h × w image (a new array). Flips come after the affine part, as
 * Keras' generator applies them.
 */
export function affine2d(
  img: ArrayLike<number>,
  h: number,
  w: number,
  p: AffineParams,
  o: { fill?: FillMode; cval?: number } = {},
): Float32Array {
  if (img.length !== h * w || h < 1 || w < 1) {
    throw new ValidationError(`image has ${img.length} values, expected ${h}×${w}`, 'image');
  }
  for (const k of ['theta', 'tx', 'ty', 'shear', 'zx', 'zy'] as const) {
    if (!Number.isFinite(p[k])) throw new ValidationError(`must be finite, got ${p[k]}`, k);
  }
  const fill = o.fill ?? 'constant';
  const cval = o.cval ?? 0;
  const m = affineMatrix(p, h, w);
  const out = new Float32Array(h * w);
  // scipy.ndimage.affine_transform, order 1: `constant` gives cval outside [0, n − 1] (no
  // interpolation with cval across the edge), `nearest` clamps the coordinates
  const eps = 1e-9;
  const at = (r: number, c: number): number =>
    img[Math.min(h - 1, Math.max(0, r)) * w + Math.min(w - 1, Math.max(0, c))]!;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      let y = m[0] * r + m[1] * c + m[2];
      let x = m[3] * r + m[4] * c + m[5];
      let v: number;
      if (fill === 'constant' && (y < -eps || y > h - 1 + eps || x < -eps || x > w - 1 + eps)) {
        v = cval;
      } else {
        y = Math.min(h - 1, Math.max(0, y));
        x = Math.min(w - 1, Math.max(0, x));
        const y0 = Math.floor(y);
        const x0 = Math.floor(x);
        const fy = y - y0;
        const fx = x - x0;
        v =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
          fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      }
      const rr = p.flipRows ? h - 1 - r : r;
      const cc = p.flipCols ? w - 1 - c : c;
      out[rr * w + cc] = v;
    }
  }
  return out;
}

/** Ranges of the random affine augmentation (the generator's arguments). */
export interface RandomAffineOptions {
  /** Zoom: a fixed value, or U(lo, hi) drawn once per image. */
  zoom: number | readonly [number, number];
  /** σ of the anisotropic stretch: zx, zy ~ N(zoom, σ) each (0: zx = zy = zoom). */
  zoomAnisotropy?: number;
  /** Shear ~ U(−shear, shear) [degrees]. */
  shear?: number;
  /** Rotation ~ U(−rotation, rotation) [degrees]. */
  rotation?: number;
  /** Shift ~ U(−shift, shift) × the image side (a fraction). */
  shift?: number;
  /** Flip rows and columns with probability 0.5 each. */
  flips?: boolean;
}

/** Draw one image's parameters (order of draws fixed: zoom, stretch, shear, rotation, shift, flips). */
export function randomAffine(rng: Rng, h: number, w: number, o: RandomAffineOptions): AffineParams {
  const zoom = typeof o.zoom === 'number' ? o.zoom : rng.uniform(o.zoom[0], o.zoom[1]);
  const an = o.zoomAnisotropy ?? 0;
  const zx = an > 0 ? rng.normal(zoom, an) : zoom;
  const zy = an > 0 ? rng.normal(zoom, an) : zoom;
  const sym = (r: number | undefined): number =>
    r !== undefined && r > 0 ? rng.uniform(-r, r) : 0;
  const shear = sym(o.shear);
  const theta = sym(o.rotation);
  const tx = sym(o.shift) * h;
  const ty = sym(o.shift) * w;
  const flips = o.flips ?? false;
  return {
    theta,
    tx,
    ty,
    shear,
    zx,
    zy,
    flipRows: flips && rng.next() < 0.5,
    flipCols: flips && rng.next() < 0.5,
  };
}
