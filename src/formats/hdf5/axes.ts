/**
 * Calibrated axes for HDF5/NeXus datasets: NeXus axis fields and HDF5 dimension scales are
 * read (they are small 1-D datasets); a linear axis becomes scale/offset/units, a non-linear
 * one stays uncalibrated with its values kept in metadata (`axisValues`).
 */
import { uncalibratedAxis, type Axis } from '../../core/axes.js';
import type { Metadata } from '../../core/data-array.js';
import type { H5DatasetNode } from './protocol.js';
import { attrString, basename, nxClass, type TreeIndex } from './tree.js';

/** Axis values are read only for 1-D axes up to this length. */
export const MAX_AXIS_LENGTH = 1_000_000;

/** Relative tolerance (of the axis span) for calling an axis linear; float32 axes pass. */
export const LINEAR_TOLERANCE = 1e-5;

export interface AxisSource {
  /** DataArray holding the axis values. */
  path: string;
  /** Axis name to show. */
  name: string;
}

/** Default axis names by rank: images [y, x], stacks [frame, y, x]. */
export function defaultAxisNames(
  rank: number,
  detector: boolean,
  labels?: (string | null)[],
): string[] {
  const names: string[] = [];
  for (let i = 0; i < rank; i++) {
    const label = labels?.[i];
    if (label) names.push(label);
    else if (rank === 2) names.push(i === 0 ? 'y' : 'x');
    else if (rank === 3 && detector) names.push(['frame', 'y', 'x'][i]!);
    else names.push(`dim${i}`);
  }
  return names;
}

/** Calibration of `values` (length n or n+1 bin edges → centres) for a dimension of size n. */
export function calibrate(
  name: string,
  size: number,
  values: Float64Array,
  units: string,
): { axis: Axis; linear: boolean } {
  let v = values;
  if (v.length === size + 1) {
    const c = new Float64Array(size);
    for (let i = 0; i < size; i++) c[i] = (v[i]! + v[i + 1]!) / 2;
    v = c;
  }
  if (v.length !== size || size === 0) {
    return { axis: uncalibratedAxis(name, size), linear: false };
  }
  const v0 = v[0]!;
  if (size === 1) {
    return { axis: { name, size, scale: 1, offset: v0, units }, linear: Number.isFinite(v0) };
  }
  const scale = (v[size - 1]! - v0) / (size - 1);
  let maxAbs = 0;
  let maxDev = 0;
  for (let i = 0; i < size; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) return { axis: uncalibratedAxis(name, size), linear: false };
    maxAbs = Math.max(maxAbs, Math.abs(x));
    maxDev = Math.max(maxDev, Math.abs(x - (v0 + scale * i)));
  }
  const span = Math.abs(scale) * (size - 1);
  const linear = scale !== 0 && maxDev <= LINEAR_TOLERANCE * Math.max(span, 1e-300);
  if (!linear) return { axis: uncalibratedAxis(name, size), linear: false };
  return { axis: { name, size, scale, offset: v0, units }, linear: true };
}

/**
 * Which dataset gives each dimension's axis: NeXus axes (given), else HDF5 dimension scales,
 * else Berkeley EMD `dimN` fields (`@emd_group_type=1`).
 */
export function axisSources(
  idx: TreeIndex,
  ds: H5DatasetNode,
  nexus: (AxisSource | undefined)[] | undefined,
): (AxisSource | undefined)[] {
  const rank = ds.shape?.length ?? 0;
  const out: (AxisSource | undefined)[] = new Array<AxisSource | undefined>(rank).fill(undefined);
  for (let d = 0; d < rank; d++) {
    const nx = nexus?.[d];
    if (nx) {
      out[d] = nx;
      continue;
    }
    const scale = ds.scales?.[d]?.[0];
    if (scale) {
      const node = idx.get(scale);
      out[d] = { path: scale, name: attrString(node, 'NAME') ?? basename(scale) };
      continue;
    }
    const parentPath = ds.path.slice(0, ds.path.lastIndexOf('/')) || '/';
    const parent = idx.get(parentPath);
    if (attrString(parent, 'emd_group_type') === '1') {
      const p = `${parentPath === '/' ? '' : parentPath}/dim${d + 1}`;
      const node = idx.get(p);
      if (node) out[d] = { path: p, name: attrString(node, 'name') ?? `dim${d + 1}` };
    }
  }
  return out;
}

/** Build axes given the values of each source (read by the caller). */
export function buildAxes(
  idx: TreeIndex,
  ds: H5DatasetNode,
  sources: (AxisSource | undefined)[],
  values: (Float64Array | undefined)[],
  extraShape: number[],
): { axes: Axis[]; axisValues: Metadata } {
  const shape = ds.shape ?? [];
  const parent = idx.get(ds.path.slice(0, ds.path.lastIndexOf('/')) || '/');
  const detector = nxClass(parent) === 'NXdetector';
  const names = defaultAxisNames(shape.length, detector, ds.labels);
  const axes: Axis[] = [];
  const axisValues: Metadata = {};
  shape.forEach((size, d) => {
    const src = sources[d];
    const vals = values[d];
    if (!src || !vals) {
      axes.push(uncalibratedAxis(names[d]!, size));
      return;
    }
    const units = attrString(idx.get(src.path), 'units') ?? '';
    const { axis, linear } = calibrate(src.name, size, vals, units);
    axes.push(axis);
    if (!linear) axisValues[src.name] = Array.from(vals);
  });
  extraShape.forEach((n, i) => axes.push(uncalibratedAxis(i === 0 ? 'field' : `field${i}`, n)));
  return { axes, axisValues };
}
