/**
 * Small 3×3 matrix helpers for orientations. A `Mat3` is 9 numbers, row-major:
 * m[3*i + j] is row i, column j. Vectors are column vectors: v' = M v.
 */

export type Mat3 = Float64Array;
export type Vec3 = [number, number, number];

export function mat3(values: ArrayLike<number>): Mat3 {
  const m = new Float64Array(9);
  for (let i = 0; i < 9; i++) m[i] = values[i] ?? 0;
  return m;
}

export function identity3(): Mat3 {
  return mat3([1, 0, 0, 0, 1, 0, 0, 0, 1]);
}

/** Matrix from row vectors (e.g. a lattice's `direct` rows a, b, c). */
export function fromRows(rows: readonly (readonly number[])[]): Mat3 {
  const m = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m[3 * i + j] = rows[i]?.[j] ?? 0;
  return m;
}

export function multiply(a: Mat3, b: Mat3): Mat3 {
  const m = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      m[3 * i + j] = a[3 * i]! * b[j]! + a[3 * i + 1]! * b[3 + j]! + a[3 * i + 2]! * b[6 + j]!;
    }
  }
  return m;
}

export function transpose(a: Mat3): Mat3 {
  return mat3([a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!]);
}

export function determinant(a: Mat3): number {
  return (
    a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) -
    a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) +
    a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!)
  );
}

export function inverse(a: Mat3): Mat3 {
  const d = determinant(a);
  const m = mat3([
    a[4]! * a[8]! - a[5]! * a[7]!,
    a[2]! * a[7]! - a[1]! * a[8]!,
    a[1]! * a[5]! - a[2]! * a[4]!,
    a[5]! * a[6]! - a[3]! * a[8]!,
    a[0]! * a[8]! - a[2]! * a[6]!,
    a[2]! * a[3]! - a[0]! * a[5]!,
    a[3]! * a[7]! - a[4]! * a[6]!,
    a[1]! * a[6]! - a[0]! * a[7]!,
    a[0]! * a[4]! - a[1]! * a[3]!,
  ]);
  for (let i = 0; i < 9; i++) m[i] = m[i]! / d;
  return m;
}

export function apply(m: Mat3, v: readonly number[]): Vec3 {
  const x = v[0]!;
  const y = v[1]!;
  const z = v[2]!;
  return [
    m[0]! * x + m[1]! * y + m[2]! * z,
    m[3]! * x + m[4]! * y + m[5]! * z,
    m[6]! * x + m[7]! * y + m[8]! * z,
  ];
}

export function norm(v: readonly number[]): number {
  return Math.hypot(v[0]!, v[1]!, v[2]!);
}

export function cross(a: readonly number[], b: readonly number[]): Vec3 {
  return [
    a[1]! * b[2]! - a[2]! * b[1]!,
    a[2]! * b[0]! - a[0]! * b[2]!,
    a[0]! * b[1]! - a[1]! * b[0]!,
  ];
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

/** Rotation angle ω ∈ [0, π] of a proper rotation matrix (trace = 1 + 2 cos ω). */
export function rotationAngle(m: Mat3): number {
  const c = (m[0]! + m[4]! + m[8]! - 1) / 2;
  return Math.acos(Math.max(-1, Math.min(1, c)));
}

/** Rotation by `angle` radians about the unit vector `axis` (right hand). */
export function axisAngle(axis: readonly number[], angle: number): Mat3 {
  const n = norm(axis);
  const x = axis[0]! / n;
  const y = axis[1]! / n;
  const z = axis[2]! / n;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return mat3([
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ]);
}
