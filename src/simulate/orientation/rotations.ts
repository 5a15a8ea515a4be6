/**
 * Crystal orientations as rotation matrices U that take crystal-Cartesian vectors (the
 * lattice's Cartesian frame: a along x, b in the xy plane) to the lab frame: v_lab = U v.
 * The optic axis is lab z; the incident wavevector is k₀ = (0, 0, 1/λ); the detector plane is
 * lab (x, y), image columns along x and rows along y.
 */
import { ValidationError } from '../../core/errors.js';
import type { Mat3, Vec3 } from './mat3.js';
import { apply, axisAngle, cross, dot, fromRows, mat3, multiply, norm, transpose } from './mat3.js';

const DEG = Math.PI / 180;

/** A unit quaternion [w, x, y, z] (scalar first). */
export type Quaternion = [number, number, number, number];

/**
 * Bunge Euler angles (φ1, Φ, φ2) in degrees → U. Bunge's passive matrix
 * g = R_z(φ2) R_x(Φ) R_z(φ1) takes sample (lab) coordinates to crystal coordinates
 * (Bunge, Texture Analysis in Materials Science, 1982; Rowenhorst et al., Modelling Simul.
 * Mater. Sci. Eng. 23 (2015) 083501, eq. 5); U = gᵀ.
 */
export function orientationFromEuler(phi1Deg: number, PhiDeg: number, phi2Deg: number): Mat3 {
  for (const [v, f] of [
    [phi1Deg, 'phi1'],
    [PhiDeg, 'Phi'],
    [phi2Deg, 'phi2'],
  ] as const) {
    if (!Number.isFinite(v))
      throw new ValidationError(`Euler angle must be finite degrees, got ${v}`, f);
  }
  const c1 = Math.cos(phi1Deg * DEG);
  const s1 = Math.sin(phi1Deg * DEG);
  const c = Math.cos(PhiDeg * DEG);
  const s = Math.sin(PhiDeg * DEG);
  const c2 = Math.cos(phi2Deg * DEG);
  const s2 = Math.sin(phi2Deg * DEG);
  const g = mat3([
    c1 * c2 - s1 * s2 * c,
    s1 * c2 + c1 * s2 * c,
    s2 * s,
    -c1 * s2 - s1 * c2 * c,
    -s1 * s2 + c1 * c2 * c,
    c2 * s,
    s1 * s,
    -c1 * s,
    c,
  ]);
  return transpose(g);
}

/** Bunge Euler angles [φ1, Φ, φ2] in degrees of an orientation U (inverse of orientationFromEuler). */
export function eulerFromOrientation(u: Mat3): Vec3 {
  const g = transpose(u);
  const c = Math.max(-1, Math.min(1, g[8]!));
  const Phi = Math.acos(c);
  let phi1: number;
  let phi2: number;
  if (Math.abs(Math.sin(Phi)) > 1e-9) {
    phi1 = Math.atan2(g[6]!, -g[7]!);
    phi2 = Math.atan2(g[2]!, g[5]!);
  } else {
    // Gimbal lock: only φ1 ± φ2 is defined; put it all in φ1.
    phi1 = Math.atan2(g[1]!, g[0]!);
    phi2 = 0;
  }
  const wrap = (x: number): number => (((x / DEG) % 360) + 360) % 360;
  return [wrap(phi1), Phi / DEG, wrap(phi2)];
}

/** U from a quaternion [w, x, y, z] (normalised here); the active rotation crystal → lab. */
export function orientationFromQuaternion(q: ArrayLike<number>): Mat3 {
  const n = Math.hypot(q[0] ?? NaN, q[1] ?? NaN, q[2] ?? NaN, q[3] ?? NaN);
  if (!(n > 0 && Number.isFinite(n))) {
    throw new ValidationError(
      `quaternion must be 4 finite numbers, not all 0; got [${Array.from(q).join(', ')}]`,
      'quaternion',
    );
  }
  const w = q[0]! / n;
  const x = q[1]! / n;
  const y = q[2]! / n;
  const z = q[3]! / n;
  return mat3([
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ]);
}

/** The quaternion (w ≥ 0) of a proper rotation matrix (Shepperd's method). */
export function quaternionFromOrientation(m: Mat3): Quaternion {
  const t = m[0]! + m[4]! + m[8]!;
  let q: Quaternion;
  if (t > 0) {
    const s = Math.sqrt(t + 1) * 2;
    q = [s / 4, (m[7]! - m[5]!) / s, (m[2]! - m[6]!) / s, (m[3]! - m[1]!) / s];
  } else if (m[0]! > m[4]! && m[0]! > m[8]!) {
    const s = Math.sqrt(1 + m[0]! - m[4]! - m[8]!) * 2;
    q = [(m[7]! - m[5]!) / s, s / 4, (m[1]! + m[3]!) / s, (m[2]! + m[6]!) / s];
  } else if (m[4]! > m[8]!) {
    const s = Math.sqrt(1 + m[4]! - m[0]! - m[8]!) * 2;
    q = [(m[2]! - m[6]!) / s, (m[1]! + m[3]!) / s, s / 4, (m[5]! + m[7]!) / s];
  } else {
    const s = Math.sqrt(1 + m[8]! - m[0]! - m[4]!) * 2;
    q = [(m[3]! - m[1]!) / s, (m[2]! + m[6]!) / s, (m[5]! + m[7]!) / s, s / 4];
  }
  if (q[0] < 0) q = [-q[0], -q[1], -q[2], -q[3]];
  return q;
}

/**
 * U that puts the zone axis [uvw] (a direct-lattice direction) along the optic axis (lab z),
 * then rotates the pattern by `inPlaneDeg` about z. Before that rotation, lab x is the part of
 * the first of crystal-Cartesian x, y perpendicular to the zone axis (a ⊥ [uvw] when possible).
 * `direct` holds the lattice's direct basis rows a, b, c in Cartesian Å.
 */
export function orientationFromZoneAxis(
  direct: readonly (readonly number[])[],
  uvw: readonly number[],
  inPlaneDeg = 0,
): Mat3 {
  if (uvw.length !== 3 || uvw.some((x) => !Number.isFinite(x)) || uvw.every((x) => x === 0)) {
    throw new ValidationError(
      `zone axis must be three numbers, not all 0; got [${uvw.join(', ')}]`,
      'zone',
    );
  }
  // Cartesian direction = u a + v b + w c = Aᵀ [u v w] with A's rows a, b, c.
  const zone = apply(transpose(fromRows(direct)), uvw);
  const z = scale(zone, 1 / norm(zone));
  let ref: Vec3 = [1, 0, 0];
  if (norm(cross(ref, z)) < 1e-6) ref = [0, 1, 0];
  const xr = sub(ref, scale(z, dot(ref, z)));
  const x = scale(xr, 1 / norm(xr));
  const y = cross(z, x);
  // Rows of U are the lab axes expressed in crystal-Cartesian coordinates.
  const u = fromRows([x, y, z]);
  if (inPlaneDeg === 0) return u;
  return multiply(axisAngle([0, 0, 1], inPlaneDeg * DEG), u);
}

function scale(v: readonly number[], f: number): Vec3 {
  return [v[0]! * f, v[1]! * f, v[2]! * f];
}
function sub(a: readonly number[], b: readonly number[]): Vec3 {
  return [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
}
