/**
 * What the kinematic simulator needs from a crystal, as plain data (a `Crystal` from
 * src/crystal/structure.ts satisfies it, and so does its structured clone in a worker), plus
 * the symmetry it derives from the space group: Laue operations on hkl and the proper
 * rotations of the Laue class in crystal-Cartesian coordinates.
 */
import { ValidationError } from '../../core/errors.js';
import type { Mat3 } from '../orientation/mat3.js';
import { determinant, fromRows, inverse, mat3, multiply, transpose } from '../orientation/mat3.js';

export interface KinematicAtom {
  readonly element: string;
  /** Fractional coordinates. */
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly occupancy: number;
  /** Isotropic mean-square displacement U_iso [Å²] (B = 8π²U). */
  readonly uIso: number;
}

export interface KinematicCrystal {
  readonly name?: string;
  readonly lattice: {
    /** Rows a, b, c in Cartesian Å. */
    readonly direct: readonly (readonly number[])[];
    /** Rows a*, b*, c* in Cartesian Å⁻¹ (no 2π). */
    readonly reciprocal: readonly (readonly number[])[];
  };
  /** Every atom of the unit cell (symmetry-expanded). */
  readonly atoms: readonly KinematicAtom[];
  /** Space-group operations (rotation: 9 ints row-major on fractional coordinates); P1 if absent. */
  readonly spaceGroup?: {
    readonly operations: readonly { readonly rotation: readonly number[] }[];
  };
}

export interface CrystalSymmetry {
  /** Integer matrices acting on column (h, k, l): Wᵀ and −Wᵀ for every W, without repeats. */
  readonly hklOperations: readonly Int32Array[];
  /** Proper rotations of the Laue class in crystal-Cartesian coordinates (identity included). */
  readonly properRotations: readonly Mat3[];
}

/** Derive the Laue-class symmetry of a crystal (inversion added: Friedel's law). */
export function crystalSymmetry(crystal: KinematicCrystal): CrystalSymmetry {
  const ops = crystal.spaceGroup?.operations ?? [{ rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1] }];
  const seen = new Set<string>();
  const hklOperations: Int32Array[] = [];
  const properRotations: Mat3[] = [];
  // Cartesian r = Aᵀ x (A: rows a, b, c), so a fractional rotation W acts as S = Aᵀ W A⁻ᵀ.
  const at = transpose(fromRows(crystal.lattice.direct));
  const atInv = inverse(at);
  for (const op of ops) {
    if (op.rotation.length !== 9 || op.rotation.some((v) => !Number.isInteger(v))) {
      throw new ValidationError(
        `symmetry operation rotation must be 9 integers, got [${op.rotation.join(', ')}]`,
        'spaceGroup.operations',
      );
    }
    for (const sign of [1, -1]) {
      const w = mat3(op.rotation.map((v) => sign * v));
      const key = Array.from(w).join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      hklOperations.push(Int32Array.from(transpose(w)));
      if (determinant(w) > 0) properRotations.push(multiply(multiply(at, w), atInv));
    }
  }
  return { hklOperations, properRotations };
}

/** Check the plain-data crystal once, at the boundary. */
export function checkCrystal(crystal: KinematicCrystal): void {
  const d = crystal.lattice?.direct;
  const r = crystal.lattice?.reciprocal;
  if (!d || !r || d.length !== 3 || r.length !== 3) {
    throw new ValidationError(
      'crystal lattice must have 3 direct and 3 reciprocal rows',
      'lattice',
    );
  }
  if (crystal.atoms.length === 0) {
    throw new ValidationError('crystal has no atoms: nothing scatters', 'atoms');
  }
  for (const [i, a] of crystal.atoms.entries()) {
    for (const k of ['x', 'y', 'z', 'occupancy', 'uIso'] as const) {
      if (!Number.isFinite(a[k])) {
        throw new ValidationError(
          `atom ${i} (${a.element}) has non-finite ${k}: ${a[k]}`,
          `atoms[${i}].${k}`,
        );
      }
    }
    if (a.uIso < 0 || a.occupancy < 0) {
      throw new ValidationError(
        `atom ${i} (${a.element}) has negative occupancy or Uiso`,
        `atoms[${i}]`,
      );
    }
  }
}
