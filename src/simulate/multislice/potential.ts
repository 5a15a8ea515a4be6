/**
 * Independent-atom projected potentials of the Lobato 2014 (default), Kirkland 2010 and Peng
 * 1996 parametrizations, built exactly in Fourier space.
 *
 * Every parametrization writes f_e(q) (q = 1/d, Å⁻¹) as a sum of three kinds of term:
 *   L1: A/(κ₀² + q²)     (Lobato a/(1+bq²): A = a/b, κ₀² = 1/b; Kirkland a/(q²+b): A = a, κ₀² = b)
 *   L2: A/(κ₀² + q²)²    (Lobato a/(1+bq²)²: A = a/b², κ₀² = 1/b)
 *   G : A·exp(−D q²)     (Kirkland c·exp(−dq²); Peng a·exp(−b s²) = a·exp(−(b/4) q²))
 * The 3D Fourier transform of an atom's potential is C·f_e(|q₃|) with
 * C = h²/(2π m₀ e) = 2π a₀ e ≈ 47.878 V·Å² (Kirkland 2010, eq. 5.9), so
 *  - infinite projection: the 2D transform of the projected potential is C·f_e(q) — the exact
 *    transform of the analytic projected forms (Lobato: K0 and K1 sums; Kirkland: K0 sums +
 *    Gaussians; `projectedPotentialReal` evaluates them in real space for checks);
 *  - finite slices: integrating the mixed (q, z) representation over the slab [z₀, z₁] gives
 *    closed forms in q (exponentials for L1/L2 with κ² = q² + κ₀², error functions for G).
 * A slice's potential is v̂(k) = (N/A)·C·Σ_groups W_g(|k|)·Σ_atoms occ·e^{−2πi k·r}, then one
 * inverse FFT — exact on the periodic grid, no real-space sampling of the log singularity.
 */
import { PLANCK, ELECTRON_MASS, ELEMENTARY_CHARGE } from '../../crystal/wavelength.js';
import { scatteringParameters, type Parametrization } from '../../crystal/scattering/index.js';
import { ValidationError } from '../../core/errors.js';
import { besselK0, besselK1, erf } from './special.js';
import type { Grid } from './grid.js';
import { BACKWARD, FORWARD, type Fft2 } from './fft.js';
import { antialiasMask } from './grid.js';

/** C = h²/(2π m₀ e) in V·Å² (CODATA 2018 constants via src/crystal/wavelength.ts). */
export const POTENTIAL_PREFACTOR =
  ((PLANCK * PLANCK) / (2 * Math.PI * ELECTRON_MASS * ELEMENTARY_CHARGE)) * 1e20;

export type Projection = 'infinite' | 'finite';

interface Terms {
  /** L1 terms: amplitude A [Å⁻¹] and κ₀² [Å⁻²]. */
  l1: { a: number; k2: number }[];
  l2: { a: number; k2: number }[];
  g: { a: number; d: number }[];
}

const TERMS_CACHE = new Map<string, Terms>();

/** The parametrization of `element` (Z) as L1/L2/G terms of f_e(q). */
export function scatteringTerms(p: Parametrization, z: number): Terms {
  const key = `${p}:${z}`;
  const hit = TERMS_CACHE.get(key);
  if (hit) return hit;
  const c = scatteringParameters(p, z);
  const t: Terms = { l1: [], l2: [], g: [] };
  const a = c.a ?? [];
  const b = c.b ?? [];
  if (p === 'lobato') {
    for (let i = 0; i < a.length; i++) {
      const bi = b[i]!;
      t.l1.push({ a: a[i]! / bi, k2: 1 / bi });
      t.l2.push({ a: a[i]! / (bi * bi), k2: 1 / bi });
    }
  } else if (p === 'kirkland') {
    const cc = c.c ?? [];
    const d = c.d ?? [];
    for (let i = 0; i < a.length; i++) t.l1.push({ a: a[i]!, k2: b[i]! });
    for (let i = 0; i < cc.length; i++) t.g.push({ a: cc[i]!, d: d[i]! });
  } else {
    for (let i = 0; i < a.length; i++) t.g.push({ a: a[i]!, d: b[i]! / 4 });
  }
  TERMS_CACHE.set(key, t);
  return t;
}

/** f_e(q) [Å] from the terms (q = 1/d, Å⁻¹). */
export function scatteringFactorQ(t: Terms, q: number): number {
  const q2 = q * q;
  let f = 0;
  for (const { a, k2 } of t.l1) f += a / (k2 + q2);
  for (const { a, k2 } of t.l2) f += a / ((k2 + q2) * (k2 + q2));
  for (const { a, d } of t.g) f += a * Math.exp(-d * q2);
  return f;
}

/** ∫_0^z e^{−u t} dt for z ≥ 0, extended odd. */
function g1(u: number, z: number): number {
  const s = Math.sign(z);
  const az = Math.abs(z);
  return (s * -Math.expm1(-u * az)) / u;
}

/** ∫_0^z (1 + u t) e^{−u t} dt for z ≥ 0, extended odd. */
function g2(u: number, z: number): number {
  const s = Math.sign(z);
  const az = Math.abs(z);
  if (az === Infinity) return (s * 2) / u;
  const e = Math.exp(-u * az);
  return s * ((2 * -Math.expm1(-u * az)) / u - az * e);
}

/**
 * Slab weight W(q) [Å]: the part of f_e(q) from the atom's potential between z₀ and z₁
 * (relative to the atom, Å). W → f_e(q) as z₀ → −∞, z₁ → ∞.
 */
export function slabWeight(t: Terms, q: number, z0: number, z1: number): number {
  const q2 = q * q;
  let w = 0;
  for (const { a, k2 } of t.l1) {
    const k = Math.sqrt(k2 + q2);
    const u = 2 * Math.PI * k;
    // ∫ e^{2πi qz z}/(κ² + qz²) dqz = (π/κ) e^{−2πκ|z|}
    w += ((a * Math.PI) / k) * (g1(u, z1) - g1(u, z0));
  }
  for (const { a, k2 } of t.l2) {
    const k = Math.sqrt(k2 + q2);
    const u = 2 * Math.PI * k;
    // ∫ e^{2πi qz z}/(κ² + qz²)² dqz = (π/2κ³)(1 + 2πκ|z|) e^{−2πκ|z|}
    w += ((a * Math.PI) / (2 * k * k * k)) * (g2(u, z1) - g2(u, z0));
  }
  for (const { a, d } of t.g) {
    const sd = Math.sqrt(d);
    w += a * Math.exp(-d * q2) * 0.5 * (erf((Math.PI * z1) / sd) - erf((Math.PI * z0) / sd));
  }
  return w;
}

/**
 * Analytic projected potential v_z(r) [V·Å] of one atom at distance r [Å] > 0 (infinite
 * projection): L1 → 2πA·K0(2πκ₀r), L2 → (2π²rA/κ₀)·K1(2πκ₀r), G → (πA/D)·e^{−π²r²/D}, all × C.
 */
export function projectedPotentialReal(p: Parametrization, z: number, r: number): number {
  if (!(r > 0)) throw new ValidationError(`radius must be > 0 Å, got ${r}`, 'r');
  const t = scatteringTerms(p, z);
  let v = 0;
  for (const { a, k2 } of t.l1) v += 2 * Math.PI * a * besselK0(2 * Math.PI * Math.sqrt(k2) * r);
  for (const { a, k2 } of t.l2) {
    const k = Math.sqrt(k2);
    v += ((2 * Math.PI * Math.PI * r * a) / k) * besselK1(2 * Math.PI * k * r);
  }
  for (const { a, d } of t.g) v += ((Math.PI * a) / d) * Math.exp((-Math.PI * Math.PI * r * r) / d);
  return POTENTIAL_PREFACTOR * v;
}

/** Atoms as flat arrays (positions in Å; z along the beam, increasing downstream). */
export interface AtomArrays {
  numbers: Int32Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  occupancy: Float64Array;
}

export interface SliceOptions {
  parametrization: Parametrization;
  projection: Projection;
  /** Finite projection: atoms farther than this from the slab [Å] are ignored. */
  cutoff?: number;
}

/**
 * Projected potential [V·Å] of the atoms in slab [z0, z1) on `grid`, row-major [ny, nx].
 * Infinite projection: every atom with z in [z0, z1) contributes its whole projected potential.
 * Finite: each atom within `cutoff` of the slab contributes the part of it inside the slab.
 */
export function slicePotential(
  grid: Grid,
  atoms: AtomArrays,
  z0: number,
  z1: number,
  opts: SliceOptions,
  fft: Fft2,
): Float64Array {
  const { nx, ny } = grid;
  const kx = grid.frequenciesX();
  const ky = grid.frequenciesY();
  const cutoff = opts.cutoff ?? 4;
  // Group atoms by (element, slab offset) so each radial weight is computed once per group.
  const groups = new Map<string, { z: number; dz0: number; dz1: number; idx: number[] }>();
  for (let i = 0; i < atoms.numbers.length; i++) {
    const za = atoms.z[i]!;
    let dz0 = -Infinity;
    let dz1 = Infinity;
    if (opts.projection === 'infinite') {
      if (!(za >= z0 && za < z1)) continue;
    } else {
      if (za < z0 - cutoff || za >= z1 + cutoff) continue;
      dz0 = Math.round((z0 - za) * 1e4) / 1e4;
      dz1 = Math.round((z1 - za) * 1e4) / 1e4;
    }
    const key = `${atoms.numbers[i]}:${dz0}:${dz1}`;
    let g = groups.get(key);
    if (!g) {
      g = { z: atoms.numbers[i]!, dz0, dz1, idx: [] };
      groups.set(key, g);
    }
    g.idx.push(i);
  }
  const n = nx * ny;
  const spec = new Float64Array(2 * n);
  const sre = new Float64Array(n);
  const sim = new Float64Array(n);
  const exr = new Float64Array(nx);
  const exi = new Float64Array(nx);
  const q = new Float64Array(n);
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) q[iy * nx + ix] = Math.hypot(kx[ix]!, ky[iy]!);
  }
  const radial = new Map<number, number>();
  for (const g of groups.values()) {
    sre.fill(0);
    sim.fill(0);
    for (const i of g.idx) {
      const x = atoms.x[i]!;
      const y = atoms.y[i]!;
      const occ = atoms.occupancy[i]!;
      for (let ix = 0; ix < nx; ix++) {
        const ph = -2 * Math.PI * kx[ix]! * x;
        exr[ix] = occ * Math.cos(ph);
        exi[ix] = occ * Math.sin(ph);
      }
      for (let iy = 0; iy < ny; iy++) {
        const ph = -2 * Math.PI * ky[iy]! * y;
        const cr = Math.cos(ph);
        const ci = Math.sin(ph);
        const row = iy * nx;
        for (let ix = 0; ix < nx; ix++) {
          const ar = exr[ix]!;
          const ai = exi[ix]!;
          sre[row + ix] = sre[row + ix]! + ar * cr - ai * ci;
          sim[row + ix] = sim[row + ix]! + ar * ci + ai * cr;
        }
      }
    }
    const terms = scatteringTerms(opts.parametrization, g.z);
    radial.clear();
    for (let j = 0; j < n; j++) {
      const qj = q[j]!;
      let w = radial.get(qj);
      if (w === undefined) {
        w =
          opts.projection === 'infinite'
            ? scatteringFactorQ(terms, qj)
            : slabWeight(terms, qj, g.dz0, g.dz1);
        radial.set(qj, w);
      }
      spec[2 * j] = spec[2 * j]! + w * sre[j]!;
      spec[2 * j + 1] = spec[2 * j + 1]! + w * sim[j]!;
    }
  }
  const scale = (POTENTIAL_PREFACTOR * n) / (grid.extentX * grid.extentY);
  const buf = new Float32Array(2 * n);
  for (let j = 0; j < 2 * n; j++) buf[j] = spec[j]! * scale;
  fft.transform(buf, BACKWARD);
  const v = new Float64Array(n);
  for (let j = 0; j < n; j++) v[j] = buf[2 * j]!;
  return v;
}

/**
 * Transmission function t = exp(iσv), band-limited to the anti-aliasing aperture
 * (Kirkland 2010 §6.8), as interleaved complex float32 [ny, nx].
 */
export function transmissionFunction(
  grid: Grid,
  v: Float64Array,
  sigma: number,
  fft: Fft2,
  mask: Uint8Array = antialiasMask(grid),
): Float32Array {
  const n = grid.nx * grid.ny;
  const t = new Float32Array(2 * n);
  for (let j = 0; j < n; j++) {
    const ph = sigma * v[j]!;
    t[2 * j] = Math.cos(ph);
    t[2 * j + 1] = Math.sin(ph);
  }
  fft.transform(t, FORWARD);
  for (let j = 0; j < n; j++) {
    if (mask[j] === 0) {
      t[2 * j] = 0;
      t[2 * j + 1] = 0;
    }
  }
  fft.transform(t, BACKWARD);
  return t;
}
