/**
 * The one interface every file format implements (one folder per format under
 * `src/formats/<format>/`), so that `bragg info`, `bragg convert` and the workflows can open
 * any supported file the same way.
 */
import type { Axis, IntensityCalibration } from '../core/axes.js';
import type { DataArray, Metadata } from '../core/data-array.js';
import type { DType } from '../core/dtype.js';
import type { SourceInput, SourceOptions } from '../core/source.js';

/** Description of one dataset in a file, available without reading its data. */
export interface ArrayInfo {
  /** Name/path used to select it (`/entry/data/data`, `image 0`, `x`, `page 3`). */
  name: string;
  shape: number[];
  dtype: DType;
  axes: Axis[];
  intensity?: IntensityCalibration;
  metadata: Metadata;
  /** `image`, `thumbnail`, `spectrum`, `signal` (the default plottable data), ... */
  role?: string;
}

/** Part of a dataset to read: one index of the first (frame) axis, or a hyperslab. */
export interface Selection {
  /** Read only frame `frame` of the first axis; the result drops that axis. */
  frame?: number;
  /** Per-dimension [start, stop) ranges (stop exclusive); omitted dims are whole. */
  ranges?: readonly (readonly [number, number])[];
}

/** An opened file: listing is cheap, reading is per dataset (and per frame where possible). */
export interface OpenedFile {
  readonly format: string;
  /** The source's display name: the path as given, or the name of the bytes or stream. */
  readonly path: string;
  /** Every dataset in the file, in file order. */
  readonly datasets: readonly ArrayInfo[];
  /** File-level metadata (the tag tree of a DM file, root attributes of an HDF5 file, ...). */
  readonly metadata: Metadata;
  /** The dataset a user most likely wants (main image, NXdata @signal, ...). */
  readonly defaultDataset: string | undefined;
  read(name: string, selection?: Selection): Promise<DataArray>;
  close(): Promise<void>;
}

/** A format, registered as data in `src/formats/registry.ts`. */
export interface FormatReader {
  /** Short id: `dm`, `hdf5`, `npy`, `npz`, `tiff`, `png`, `cif`, `csv`. */
  readonly id: string;
  /** Lower-case extensions without the dot. */
  readonly extensions: readonly string[];
  /** True when the first bytes look like this format (magic number check). */
  sniff(head: Uint8Array): boolean;
  /**
   * Open a path, bytes or a stream (src/core/source.ts). The opened file owns the source: it
   * closes it on `close` (or at once, when everything is read on opening, or on failure).
   */
  open(input: SourceInput, options?: SourceOptions): Promise<OpenedFile>;
}

/** A format that can write arrays (for `bragg convert`). */
export interface FormatWriter {
  readonly id: string;
  readonly extensions: readonly string[];
  /** Write one or more datasets; formats that hold one array take the first. */
  write(path: string, datasets: readonly DataArray[]): Promise<void>;
}
