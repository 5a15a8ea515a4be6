/**
 * What a reader hands back: one array with its calibrated axes and metadata.
 */
import type { Axis, IntensityCalibration } from './axes.js';
import type { NDArray } from './ndarray.js';

export type MetadataValue =
  string | number | boolean | null | bigint | MetadataValue[] | { [key: string]: MetadataValue };

export type Metadata = { [key: string]: MetadataValue };

export interface Dataset {
  /** Name or path of the dataset inside its file (`/entry/data/data`, `image 1`, `x`). */
  name: string;
  array: NDArray;
  /** One axis per dimension of `array.shape`, in the same order. */
  axes: Axis[];
  intensity?: IntensityCalibration;
  /** Key metadata a user looks for, camelCase keys (beamEnergyKeV, cameraLengthMm, ...). */
  metadata: Metadata;
  /** Role of the dataset in its file, when the format tells (`image`, `thumbnail`, `spectrum`). */
  role?: string;
}
