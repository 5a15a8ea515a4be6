/**
 * A 2D kinematic pattern of one crystal in one orientation, as `bragg simulate pattern` and the
 * Web API's `POST /api/simulate/pattern` make it: the reflection table out to the detector's
 * corner, the orientation (zone axis + in-plane rotation, Bunge Euler angles or a quaternion),
 * the spots on the Ewald sphere and their image on a square detector.
 */
import { ValidationError } from '../../core/errors.js';
import type { Parametrization } from '../../crystal/scattering/index.js';
import type { KinematicCrystal } from './crystal.js';
import { renderPattern } from './detector.js';
import type { ExcitationShape, SpotList } from './pattern.js';
import { simulateSpots } from './pattern.js';
import type { ReflectionTable } from './reflections.js';
import { prepareReflections } from './reflections.js';
import type { Mat3 } from '../orientation/mat3.js';
import {
  orientationFromEuler,
  orientationFromQuaternion,
  orientationFromZoneAxis,
} from '../orientation/rotations.js';

export interface PatternOrientation {
  /** Zone axis [uvw] along the beam (used when neither `euler` nor `quaternion` is given). */
  zone: readonly number[];
  /** In-plane rotation about the zone axis [deg]. */
  rotationDeg?: number;
  /** Bunge Euler angles φ1, Φ, φ2 [deg]. */
  euler?: readonly number[];
  /** Orientation quaternion w, x, y, z. */
  quaternion?: readonly number[];
}

export interface ZonePatternOptions extends PatternOrientation {
  /** Accelerating voltage [kV]. */
  kv: number;
  /** Largest |g| [Å⁻¹] of the table (default 1.5); raised to the detector's corner. */
  gMax?: number;
  params?: Parametrization;
  debyeWaller?: boolean;
  /** Detector side [px] (default 256). */
  size?: number;
  /** Reciprocal-space sampling [Å⁻¹/px] (default 0.01). */
  calibration?: number;
  /** Spot σ [px] (default 1). */
  sigmaPx?: number;
  /** Excitation-error width [Å⁻¹] (default 0.01). */
  relrod?: number;
  shape?: ExcitationShape;
  /** Precession semi-angle [deg] (default 0). */
  precessionDeg?: number;
  /** Intensity of the direct beam (default: none drawn). */
  directBeam?: number;
}

export interface ZonePattern {
  table: ReflectionTable;
  spots: SpotList;
  /** Row-major [size, size] image. */
  image: Float32Array;
  size: number;
  calibration: number;
}

/** The orientation matrix that `o` describes for a crystal with direct basis `direct` (rows, Å). */
export function patternOrientation(
  o: PatternOrientation,
  direct: readonly (readonly number[])[],
): Mat3 {
  if (o.euler && o.quaternion) {
    throw new ValidationError('give euler angles or a quaternion, not both', 'euler');
  }
  if (o.euler) return orientationFromEuler(o.euler[0]!, o.euler[1]!, o.euler[2]!);
  if (o.quaternion) return orientationFromQuaternion(o.quaternion);
  return orientationFromZoneAxis(direct, o.zone, o.rotationDeg ?? 0);
}

/** The largest |g| [Å⁻¹] a pattern needs: `gMax`, or the detector's corner if farther. */
export function patternGMax(o: Pick<ZonePatternOptions, 'gMax' | 'size' | 'calibration'>): number {
  return Math.max(o.gMax ?? 1.5, ((o.size ?? 256) / Math.SQRT2) * (o.calibration ?? 0.01));
}

export function simulateZonePattern(crystal: KinematicCrystal, o: ZonePatternOptions): ZonePattern {
  const size = o.size ?? 256;
  const calibration = o.calibration ?? 0.01;
  const table = prepareReflections(crystal, {
    gMax: patternGMax(o),
    ...(o.params !== undefined ? { params: o.params } : {}),
    ...(o.debyeWaller !== undefined ? { debyeWaller: o.debyeWaller } : {}),
  });
  const u = patternOrientation(o, crystal.lattice.direct);
  const spots = simulateSpots(table, u, {
    kv: o.kv,
    relrod: o.relrod ?? 0.01,
    shape: o.shape ?? 'lorentzian',
    precessionDeg: o.precessionDeg ?? 0,
    maxRadius: size * calibration,
  });
  const image = renderPattern(spots, {
    size,
    calibration,
    sigmaPx: o.sigmaPx ?? 1,
    directBeam: o.directBeam,
  });
  return { table, spots, image, size, calibration };
}
