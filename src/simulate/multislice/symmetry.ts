/**
 * Symmetry-equivalent probe positions. If a grid operation g: x ↦ R·x + t maps the sampled
 * specimen onto itself (every transmission function: T(g·x) = T(x) on the pixels), and the
 * probe, the propagator and the detector are invariant under R, then the wave of the probe
 * at g·r is the wave at r moved by g, slice after slice, and its pattern is the pattern at r
 * with k ↦ R⁻¹·k: I_{g·r}(k) = I_r(R⁻¹·k). A PACBED over a set of positions the group G
 * maps onto itself therefore needs one position per orbit: with S = Σ_reps |orbit|/|G|·I_rep,
 *
 *   Σ_positions I = Σ_{g ∈ G} S(R_g·k)
 *
 * (a representative whose stabiliser is H stands for |G|/|H| positions; summing it over all
 * of G counts each of them |H| times). This holds in the discrete problem, not only in the
 * continuum: the operations are pixel permutations of the real-space grid (t a whole number
 * of pixels) and of the k-grid, so the result is the plain one to rounding.
 *
 * Candidates are the 8 operations of the square (4 of the rectangle, where the grid or its
 * pixels are not square) with the translations that take one atom of the cell onto an atom
 * of the same element; each is accepted only after the transmission functions themselves are
 * compared pixel by pixel. The probe has only round aberrations (defocus, C3, C5) and a round
 * aperture; a mistilt keeps only the operations that fix the tilt vector. Frozen phonons
 * displace atoms at random, which breaks the symmetry of every configuration: they run every
 * position.
 */
import type { DetectorGeometry } from './engine.js';
import type { Plan } from './plan.js';

/** x ↦ R·x + t on the pixel grid: R row-major 2×2 (entries 0, ±1), t in pixels. */
export interface GridOp {
  r: readonly [number, number, number, number];
  t: readonly [number, number];
}

/** The 8 operations of the square (row-major 2×2); the first 4 are those of the rectangle. */
export const SQUARE_OPERATIONS: readonly (readonly [number, number, number, number])[] = [
  [1, 0, 0, 1],
  [-1, 0, 0, -1],
  [-1, 0, 0, 1],
  [1, 0, 0, -1],
  [0, 1, 1, 0],
  [0, -1, -1, 0],
  [0, -1, 1, 0],
  [0, 1, -1, 0],
];

/**
 * Largest |T(g·x) − T(x)| accepted (T ≈ unit modulus). The potential and the band limit are
 * computed through FFTs, so exact symmetries leave ~1e-6 of rounding; a real asymmetry that
 * small changes the pattern by about as much, far below the accuracy asked of a simulation.
 */
export const SYMMETRY_TOLERANCE = 1e-5;

const mod = (v: number, n: number): number => ((v % n) + n) % n;

/** The nearest integer to v if v is one to within 1e-6, else undefined. */
function whole(v: number): number | undefined {
  const r = Math.round(v);
  return Math.abs(v - r) <= 1e-6 ? r : undefined;
}

/** The lattice of one orthogonal cell in pixels, if it is a whole number of pixels. */
export function latticePixels(plan: Plan): [number, number] | undefined {
  const la = whole(plan.cell.a / plan.grid.samplingX);
  const lb = whole(plan.cell.b / plan.grid.samplingY);
  return la !== undefined && lb !== undefined && la > 0 && lb > 0 ? [la, lb] : undefined;
}

/** Whether T(g·x) = T(x) on every pixel of every transmission function. */
function leavesInvariant(
  op: GridOp,
  nx: number,
  ny: number,
  transmissions: readonly Float32Array[],
  tolerance: number,
): boolean {
  const [r00, r01, r10, r11] = op.r;
  const [tx, ty] = op.t;
  for (const t of transmissions) {
    for (let iy = 0; iy < ny; iy++) {
      for (let ix = 0; ix < nx; ix++) {
        const jx = mod(r00 * ix + r01 * iy + tx, nx);
        const jy = mod(r10 * ix + r11 * iy + ty, ny);
        const p = 2 * (iy * nx + ix);
        const q = 2 * (jy * nx + jx);
        if (Math.abs(t[p]! - t[q]!) > tolerance || Math.abs(t[p + 1]! - t[q + 1]!) > tolerance) {
          return false;
        }
      }
    }
  }
  return true;
}

/**
 * The grid operations that leave the specimen (`transmissions`, one beam period of a static
 * lattice), the probe and the propagator of `plan` invariant, one per class modulo the
 * lattice translations; the identity first. Only the identity where the cell is not a whole
 * number of pixels (its translations would not be grid operations) or with frozen phonons.
 */
export function specimenSymmetry(
  plan: Plan,
  transmissions: readonly Float32Array[],
  tolerance = SYMMETRY_TOLERANCE,
): GridOp[] {
  const identity: GridOp = { r: [1, 0, 0, 1], t: [0, 0] };
  const lattice = latticePixels(plan);
  if (lattice === undefined || (plan.params.phonons ?? 0) > 0) return [identity];
  const { grid, cell, engine, detector } = plan;
  const square =
    grid.nx === grid.ny &&
    Math.abs(grid.samplingX - grid.samplingY) <= 1e-12 * grid.samplingX &&
    detector.nx === detector.ny;
  const [tx, ty] = engine.tilt;
  const atoms = cell.atoms;
  const ops: GridOp[] = [identity];
  const seen = new Set<string>(['1,0,0,1:0,0']);
  for (const r of SQUARE_OPERATIONS) {
    if ((r[1] !== 0 || r[2] !== 0) && !square) continue;
    // the tilted propagator: R·tilt = tilt
    const fx = r[0] * tx + r[1] * ty;
    const fy = r[2] * tx + r[3] * ty;
    if (Math.abs(fx - tx) > 1e-9 || Math.abs(fy - ty) > 1e-9) continue;
    // a symmetry takes atom 0 onto some atom of its element
    const x0 = atoms.x[0]! / grid.samplingX;
    const y0 = atoms.y[0]! / grid.samplingY;
    for (let b = 0; b < atoms.numbers.length; b++) {
      if (atoms.numbers[b] !== atoms.numbers[0]) continue;
      const px = whole(atoms.x[b]! / grid.samplingX - (r[0] * x0 + r[1] * y0));
      const py = whole(atoms.y[b]! / grid.samplingY - (r[2] * x0 + r[3] * y0));
      if (px === undefined || py === undefined) continue;
      const t: [number, number] = [mod(px, lattice[0]), mod(py, lattice[1])];
      const key = `${r.join(',')}:${t.join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const op: GridOp = { r, t };
      if (leavesInvariant(op, grid.nx, grid.ny, transmissions, tolerance)) ops.push(op);
    }
  }
  return ops;
}

/** Probe positions reduced to one per orbit. */
export interface PositionOrbits {
  /** The operations that map the position set onto itself (a group; the identity first). */
  ops: GridOp[];
  /** Index of each orbit's representative (its first position), in position order. */
  representatives: number[];
  /** |orbit| / |ops| per representative. */
  weights: number[];
}

/**
 * The orbits of `positions` (interleaved x, y [Å]) under those of `ops` that map the set onto
 * itself modulo the lattice (`lattice` in pixels of `sampling`). Positions match to 1e-6 Å.
 */
export function positionOrbits(
  ops: readonly GridOp[],
  positions: Float64Array,
  sampling: readonly [number, number],
  lattice: readonly [number, number],
): PositionOrbits {
  const [dx, dy] = sampling;
  const ax = lattice[0] * dx;
  const ay = lattice[1] * dy;
  const n = positions.length / 2;
  const keyOf = (x: number, y: number): string => {
    const u = Math.round(mod(x, ax) * 1e6) % Math.round(ax * 1e6);
    const v = Math.round(mod(y, ay) * 1e6) % Math.round(ay * 1e6);
    return `${u},${v}`;
  };
  const index = new Map<string, number>();
  for (let p = 0; p < n; p++) {
    const key = keyOf(positions[2 * p]!, positions[2 * p + 1]!);
    // two positions in one place: leave the set as it is (no reduction)
    if (index.has(key)) return { ops: [ops[0]!], representatives: range(n), weights: ones(n) };
    index.set(key, p);
  }
  const find = (x: number, y: number): number | undefined => {
    // the neighbouring keys too: an image computed with rounding may land across a boundary
    for (const ex of [0, -5e-7, 5e-7])
      for (const ey of [0, -5e-7, 5e-7]) {
        const q = index.get(keyOf(x + ex, y + ey));
        if (q !== undefined) return q;
      }
    return undefined;
  };
  const image = (op: GridOp, p: number): number | undefined => {
    const x = positions[2 * p]!;
    const y = positions[2 * p + 1]!;
    const [r00, r01, r10, r11] = op.r;
    // R acts on Cartesian coordinates; with square pixels (required for swaps) dx = dy
    return find(r00 * x + r01 * y + op.t[0] * dx, r10 * x + r11 * y + op.t[1] * dy);
  };
  const group = ops.filter((op) => {
    for (let p = 0; p < n; p++) if (image(op, p) === undefined) return false;
    return true;
  });
  const orbitOf = new Int32Array(n).fill(-1);
  const representatives: number[] = [];
  const weights: number[] = [];
  for (let p = 0; p < n; p++) {
    if (orbitOf[p] !== -1) continue;
    const members = new Set<number>();
    for (const op of group) members.add(image(op, p)!);
    for (const q of members) orbitOf[q] = representatives.length;
    representatives.push(p);
    weights.push(members.size / group.length);
  }
  return { ops: group, representatives, weights };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}

/**
 * Σ_{g ∈ ops} S(R_g·k) for a detector pattern S (ny × nx, zero angle at the centre), added in
 * float64. The detector must be square where an operation swaps the axes.
 */
export function symmetrisePattern(
  s: Float64Array,
  detector: Pick<DetectorGeometry, 'nx' | 'ny'>,
  ops: readonly GridOp[],
): Float64Array {
  const { nx, ny } = detector;
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  const out = new Float64Array(nx * ny);
  for (const op of ops) {
    const [r00, r01, r10, r11] = op.r;
    for (let iy = 0; iy < ny; iy++) {
      const v = iy - cy;
      for (let ix = 0; ix < nx; ix++) {
        const u = ix - cx;
        const jx = r00 * u + r01 * v + cx;
        const jy = r10 * u + r11 * v + cy;
        const o = iy * nx + ix;
        out[o] = out[o]! + s[jy * nx + jx]!;
      }
    }
  }
  return out;
}
