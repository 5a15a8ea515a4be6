/**
 * What `bragg info <file> --json` prints and `GET /api/files/info` returns: an opened file's
 * format, default dataset, every dataset's listing (shape, dtype, calibrated axes, metadata)
 * and the file's metadata. Made here, below both doors, so they give the same JSON.
 */
import type { Metadata } from '../core/data-array.js';
import type { ArrayInfo, OpenedFile } from './types.js';

export interface FileSummary {
  /** The source's display name (the path as given, or an upload's name). */
  file: string;
  format: string;
  defaultDataset: string | null;
  datasets: ArrayInfo[];
  metadata: Metadata;
}

export function summarize(f: OpenedFile): FileSummary {
  return {
    file: f.path,
    format: f.format,
    defaultDataset: f.defaultDataset ?? null,
    datasets: [...f.datasets],
    metadata: f.metadata,
  };
}
