/**
 * What a reader hands back: one named array of a file with its calibrated axes and metadata (a
 * `DataArray`). In bragg's code "dataset" means a labelled training dataset (a dataset run's
 * shards and index); a file's named arrays are data arrays, listed by `OpenedFile.datasets`
 * under HDF5's word for them, which `bragg info` and `bragg convert --dataset` also use.
 */
import type { Axis, IntensityCalibration } from './axes.js';
import type { NDArray } from './ndarray.js';

export type MetadataValue =
  string | number | boolean | null | bigint | MetadataValue[] | { [key: string]: MetadataValue };

export type Metadata = { [key: string]: MetadataValue };

export interface DataArray {
  /** Name or path of the array inside its file (`/entry/data/data`, `image 1`, `x`). */
  name: string;
  array: NDArray;
  /** One axis per dimension of `array.shape`, in the same order. */
  axes: Axis[];
  intensity?: IntensityCalibration;
  /** Key metadata a user looks for, camelCase keys (beamEnergyKeV, cameraLengthMm, ...). */
  metadata: Metadata;
  /** Role of the array in its file, when the format tells (`image`, `thumbnail`, `spectrum`). */
  role?: string;
}
