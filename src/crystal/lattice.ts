/**
 * Crystal lattices: direct and reciprocal bases, metric tensors, d-spacings, g-vectors and
 * angles. Conventions: a along x, b in the xy plane (the ITA / PDB Cartesian frame);
 * reciprocal vectors WITHOUT the 2π factor, so |g| = 1/d in Å⁻¹.
 */
import { ValidationError } from '../core/errors.js';

/** Cell lengths in Å and angles in degrees. */
export interface CellParameters {
  a: number;
  b: number;
  c: number;
  alpha: number;
  beta: number;
  gamma: number;
}

export type Vec3 = [number, number, number];

const DEG = Math.PI / 180;

function dot(u: readonly number[], v: readonly number[]): number {
  return u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!;
}

function cross(u: readonly number[], v: readonly number[]): Vec3 {
  return [
    u[1]! * v[2]! - u[2]! * v[1]!,
    u[2]! * v[0]! - u[0]! * v[2]!,
    u[0]! * v[1]! - u[1]! * v[0]!,
  ];
}

function checkCell(cell: CellParameters): void {
  for (const k of ['a', 'b', 'c'] as const) {
    const v = cell[k];
    if (!Number.isFinite(v) || v <= 0) {
      throw new ValidationError(`cell length must be a positive number of Å, got ${v}`, k);
    }
  }
  for (const k of ['alpha', 'beta', 'gamma'] as const) {
    const v = cell[k];
    if (!Number.isFinite(v) || v <= 0 || v >= 180) {
      throw new ValidationError(`cell angle must be in (0, 180) degrees, got ${v}`, k);
    }
  }
}

export class Lattice {
  readonly cell: Readonly<CellParameters>;
  /** Cell volume in Å³. */
  readonly volume: number;
  /** Rows a, b, c in Cartesian Å. */
  readonly direct: number[][];
  /** Rows a*, b*, c* in Cartesian Å⁻¹ (no 2π): direct · reciprocalᵀ = identity. */
  readonly reciprocal: number[][];
  /** G_ij = a_i · a_j (Å²). */
  readonly metric: number[][];
  /** G*_ij = a*_i · a*_j (Å⁻²) = G⁻¹. */
  readonly reciprocalMetric: number[][];

  constructor(cell: CellParameters) {
    checkCell(cell);
    this.cell = Object.freeze({ ...cell });
    const { a, b, c } = cell;
    const ca = Math.cos(cell.alpha * DEG);
    const cb = Math.cos(cell.beta * DEG);
    const cg = Math.cos(cell.gamma * DEG);
    const sg = Math.sin(cell.gamma * DEG);
    const v2 = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg;
    if (!(v2 > 1e-12)) {
      throw new ValidationError(
        `angles α=${cell.alpha}°, β=${cell.beta}°, γ=${cell.gamma}° do not form a cell (zero or imaginary volume)`,
        'cell',
      );
    }
    this.volume = a * b * c * Math.sqrt(v2);
    const cy = (ca - cb * cg) / sg;
    const cz = Math.sqrt(Math.max(0, 1 - cb * cb - cy * cy));
    const av: Vec3 = [a, 0, 0];
    const bv: Vec3 = [b * cg, b * sg, 0];
    const cv: Vec3 = [c * cb, c * cy, c * cz];
    this.direct = [av, bv, cv];
    const vol = dot(av, cross(bv, cv));
    this.reciprocal = [
      cross(bv, cv).map((x) => x / vol),
      cross(cv, av).map((x) => x / vol),
      cross(av, bv).map((x) => x / vol),
    ];
    this.metric = this.direct.map((u) => this.direct.map((v) => dot(u, v)));
    this.reciprocalMetric = this.reciprocal.map((u) => this.reciprocal.map((v) => dot(u, v)));
  }

  /** Interplanar spacing d_hkl in Å. */
  dSpacing(h: number, k: number, l: number): number {
    const g = this.gLength(h, k, l);
    if (g === 0) throw new ValidationError('d-spacing of (000) is undefined', 'hkl');
    return 1 / g;
  }

  /** |g_hkl| = 1/d in Å⁻¹. */
  gLength(h: number, k: number, l: number): number {
    const G = this.reciprocalMetric;
    const hkl = [h, k, l];
    let s = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += hkl[i]! * G[i]![j]! * hkl[j]!;
    return Math.sqrt(Math.max(0, s));
  }

  /** g_hkl = h a* + k b* + l c* in Cartesian Å⁻¹. */
  gVector(h: number, k: number, l: number): Vec3 {
    const R = this.reciprocal;
    return [0, 1, 2].map((j) => h * R[0]![j]! + k * R[1]![j]! + l * R[2]![j]!) as Vec3;
  }

  /** Fractional → Cartesian Å: x a + y b + z c. */
  fracToCart(f: readonly number[]): Vec3 {
    const D = this.direct;
    return [0, 1, 2].map((j) => f[0]! * D[0]![j]! + f[1]! * D[1]![j]! + f[2]! * D[2]![j]!) as Vec3;
  }

  /** Cartesian Å → fractional: x_i = r · a*_i. */
  cartToFrac(c: readonly number[]): Vec3 {
    return this.reciprocal.map((r) => dot(c, r)) as Vec3;
  }

  /** Lattice direction [uvw] as a Cartesian vector in Å. */
  directionVector(u: number, v: number, w: number): Vec3 {
    return this.fracToCart([u, v, w]);
  }

  /** Angle between the normals of planes (h1) and (h2), in degrees. */
  angleBetweenPlanes(h1: readonly number[], h2: readonly number[]): number {
    const g1 = this.gVector(h1[0]!, h1[1]!, h1[2]!);
    const g2 = this.gVector(h2[0]!, h2[1]!, h2[2]!);
    const n = Math.hypot(...g1) * Math.hypot(...g2);
    if (n === 0) throw new ValidationError('angle with (000) is undefined', 'hkl');
    return Math.acos(Math.min(1, Math.max(-1, dot(g1, g2) / n))) / DEG;
  }

  /** Angle between lattice directions [uvw]₁ and [uvw]₂, in degrees. */
  angleBetweenDirections(d1: readonly number[], d2: readonly number[]): number {
    const v1 = this.fracToCart(d1);
    const v2 = this.fracToCart(d2);
    const n = Math.hypot(...v1) * Math.hypot(...v2);
    if (n === 0) throw new ValidationError('angle with [000] is undefined', 'uvw');
    return Math.acos(Math.min(1, Math.max(-1, dot(v1, v2) / n))) / DEG;
  }

  /**
   * Shortest Cartesian distance in Å between fractional positions p and q, over the
   * 27 nearest periodic images (exact for the reduced cells of real structures).
   */
  periodicDistance(p: readonly number[], q: readonly number[]): number {
    const d = [0, 1, 2].map((i) => {
      const x = p[i]! - q[i]!;
      return x - Math.round(x);
    });
    let best = Infinity;
    for (let i = -1; i <= 1; i++) {
      for (let j = -1; j <= 1; j++) {
        for (let k = -1; k <= 1; k++) {
          const c = this.fracToCart([d[0]! + i, d[1]! + j, d[2]! + k]);
          const r = Math.hypot(c[0], c[1], c[2]);
          if (r < best) best = r;
        }
      }
    }
    return best;
  }
}
