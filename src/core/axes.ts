/**
 * Calibrated axes travel with arrays: value(i) = offset + scale · i, in `units`.
 */

export interface Axis {
  /** Human name of the axis, e.g. `x`, `y`, `q`, `energy`, `frame`. */
  name: string;
  /** Number of samples along the axis. */
  size: number;
  /** Step between samples, in `units`. */
  scale: number;
  /** Value of sample 0, in `units`. */
  offset: number;
  /** Unit string as the file states it (`nm`, `1/nm`, `Å⁻¹`, `eV`, `mrad`), `''` if none. */
  units: string;
}

/** Intensity calibration: calibrated = (raw − origin…) — kept as scale/offset/units. */
export interface IntensityCalibration {
  scale: number;
  offset: number;
  units: string;
}

export function uncalibratedAxis(name: string, size: number): Axis {
  return { name, size, scale: 1, offset: 0, units: '' };
}

/** The calibrated coordinate of sample `i`. */
export function axisValue(axis: Axis, i: number): number {
  return axis.offset + axis.scale * i;
}

/** All calibrated coordinates of an axis. */
export function axisValues(axis: Axis): Float64Array {
  const out = new Float64Array(axis.size);
  for (let i = 0; i < axis.size; i++) out[i] = axis.offset + axis.scale * i;
  return out;
}
