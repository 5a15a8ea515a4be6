/**
 * Seeded orientation sampling: uniform random rotations, and a regular grid over the
 * fundamental zone of a crystal's Laue class at a given angular step.
 */
import { createRng } from '../../core/rng.js';
import { LimitError, ValidationError } from '../../core/errors.js';
import type { Mat3 } from './mat3.js';
import { axisAngle, multiply } from './mat3.js';
import { quaternionFromOrientation } from './rotations.js';

/**
 * `n` rotations drawn uniformly from SO(3) (Haar measure), as quaternions [w, x, y, z] packed
 * in a Float64Array of length 4n (Shoemake, "Uniform random rotations", Graphics Gems III, 1992).
 */
export function randomQuaternions(n: number, seed: number): Float64Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ValidationError(
      `number of orientations must be a non-negative integer, got ${n}`,
      'n',
    );
  }
  const rng = createRng(seed);
  const out = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const u1 = rng.next();
    const u2 = rng.next() * 2 * Math.PI;
    const u3 = rng.next() * 2 * Math.PI;
    const a = Math.sqrt(1 - u1);
    const b = Math.sqrt(u1);
    let w = b * Math.cos(u3);
    let x = a * Math.sin(u2);
    let y = a * Math.cos(u2);
    let z = b * Math.sin(u3);
    if (w < 0) {
      w = -w;
      x = -x;
      y = -y;
      z = -z;
    }
    out.set([w, x, y, z], 4 * i);
  }
  return out;
}

/** Rotation angle [rad] of U·S from the trace, without forming the product. */
function angleCosOfProduct(u: Mat3, s: Mat3): number {
  let tr = 0;
  for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) tr += u[3 * i + k]! * s[3 * k + i]!;
  return (tr - 1) / 2;
}

export interface FundamentalZoneGrid {
  /** Quaternions [w, x, y, z] of U (crystal → lab), packed, length 4·count. */
  quaternions: Float64Array;
  count: number;
  /** Points of the full SO(3) grid before reduction to the fundamental zone. */
  fullGridCount: number;
  /** Number of proper rotations in the Laue class (the reduction factor). */
  symmetryOrder: number;
  stepDeg: number;
}

/**
 * Most points of the full SO(3) grid that {@link fundamentalZoneGrid} walks: 1.5e7, a step of
 * about 1.0°. Every point is tested against the symmetry operations (≈ 1.4 µs a point on one
 * core here: ~20 s at the limit; a 0.5° grid has 1.2e8 points, ~3 min) and may be kept
 * (32 bytes each, twice while the list is packed).
 */
export const MAX_GRID_POINTS = 15_000_000;

/** Beam directions and in-plane rotations of the full grid at `stepDeg` [deg]. */
export function gridSize(stepDeg: number): { nDir: number; nPsi: number; points: number } {
  const step = (stepDeg * Math.PI) / 180;
  const nDir = Math.max(2, Math.round((4 * Math.PI) / (step * step)));
  const nPsi = Math.max(1, Math.round((2 * Math.PI) / step));
  return { nDir, nPsi, points: nDir * nPsi };
}

/** The smallest step [deg, to 0.01°] whose grid has at most {@link MAX_GRID_POINTS} points. */
export function smallestGridStep(): number {
  let lo = 0.5;
  let hi = 90;
  while (hi - lo > 0.001) {
    const mid = (lo + hi) / 2;
    if (gridSize(mid).points <= MAX_GRID_POINTS) hi = mid;
    else lo = mid;
  }
  return Math.ceil(hi * 100) / 100;
}

/**
 * Checks a grid step before any work: between 0.5 and 90 degrees (`ValidationError`) and a
 * full grid of at most {@link MAX_GRID_POINTS} points (`LimitError` naming the count, the
 * limit and the smallest step that fits). `field` names the step in the caller's terms.
 */
export function checkGridStep(
  stepDeg: number,
  field = 'step',
): { nDir: number; nPsi: number; points: number } {
  if (!(Number.isFinite(stepDeg) && stepDeg >= 0.5 && stepDeg <= 90)) {
    throw new ValidationError(
      `angular step must be between 0.5 and 90 degrees, got ${stepDeg}`,
      field,
    );
  }
  const size = gridSize(stepDeg);
  if (size.points > MAX_GRID_POINTS) {
    throw new LimitError(`an orientation grid at ${stepDeg}° has too many points`, {
      field,
      value: size.points,
      limit: MAX_GRID_POINTS,
      unit: 'grid points',
      hint: `use a step of at least ${smallestGridStep()}°`,
    });
  }
  return size;
}

/**
 * A regular grid over the fundamental zone of the crystal's proper rotations `symmetry`
 * (crystal-Cartesian matrices, e.g. `crystalSymmetry(c).properRotations`) at angular step
 * `stepDeg`. The SO(3) grid is the Hopf-fibration product of a Fibonacci lattice of beam
 * directions (spacing ≈ step) and in-plane rotations every `step` (≈ 8π²/step³ points, cf.
 * Yershova et al., Int. J. Robot. Res. 29 (2010) 801); a point is kept when its rotation
 * angle is the smallest among its symmetry-equivalent orientations U·S (ties on the zone
 * boundary broken by the quaternion, so a boundary orientation is kept once), so the kept set
 * has ≈ 1/|G| of the points.
 */
export function fundamentalZoneGrid(
  symmetry: readonly Mat3[],
  stepDeg: number,
): FundamentalZoneGrid {
  const { nDir, nPsi } = checkGridStep(stepDeg);
  const others = symmetry.filter((s) => !isIdentity(s));
  const kept: number[] = [];
  const golden = Math.PI * (3 - Math.sqrt(5));
  const tol = 1e-9;
  for (let i = 0; i < nDir; i++) {
    // Fibonacci sphere: direction d (crystal frame) that the rotation brings onto lab z.
    const dz = 1 - (2 * (i + 0.5)) / nDir;
    const r = Math.sqrt(1 - dz * dz);
    const phi = golden * i;
    const d = [r * Math.cos(phi), r * Math.sin(phi), dz];
    // Minimal rotation taking d to z: axis d × z, angle acos(d·z).
    const axis = [d[1]!, -d[0]!, 0];
    const align =
      r < 1e-12 ? axisAngle([1, 0, 0], dz > 0 ? 0 : Math.PI) : axisAngle(axis, Math.acos(dz));
    for (let j = 0; j < nPsi; j++) {
      const u = multiply(axisAngle([0, 0, 1], (2 * Math.PI * j) / nPsi), align);
      const own = (u[0]! + u[4]! + u[8]! - 1) / 2;
      let inZone = true;
      for (const s of others) {
        const c = angleCosOfProduct(u, s);
        if (c > own + tol || (c > own - tol && !tieWins(u, s))) {
          inZone = false;
          break;
        }
      }
      if (inZone) kept.push(...quaternionFromOrientation(u));
    }
  }
  return {
    quaternions: Float64Array.from(kept),
    count: kept.length / 4,
    fullGridCount: nDir * nPsi,
    symmetryOrder: others.length + 1,
    stepDeg,
  };
}

/**
 * On the boundary of the zone U and U·S have the same rotation angle; keep only the one whose
 * quaternion (w ≥ 0) is lexicographically larger in (x, y, z), so a boundary orientation is
 * not counted twice.
 */
function tieWins(u: Mat3, s: Mat3): boolean {
  const a = quaternionFromOrientation(u);
  const b = quaternionFromOrientation(multiply(u, s));
  for (let i = 1; i < 4; i++) {
    if (a[i]! > b[i]! + 1e-9) return true;
    if (a[i]! < b[i]! - 1e-9) return false;
  }
  return true;
}

function isIdentity(m: Mat3): boolean {
  return (
    Math.abs(m[0]! - 1) +
      Math.abs(m[4]! - 1) +
      Math.abs(m[8]! - 1) +
      Math.abs(m[1]!) +
      Math.abs(m[2]!) +
      Math.abs(m[3]!) +
      Math.abs(m[5]!) +
      Math.abs(m[6]!) +
      Math.abs(m[7]!) <
    1e-9
  );
}
