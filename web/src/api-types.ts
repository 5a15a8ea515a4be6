/**
 * The JSON shapes of bragg's HTTP API (`bragg serve`, see `/openapi.json`), as the browser sees
 * them. Units as the server states them: g and q in Å⁻¹, d in Å, kV for the beam energy.
 */

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

export interface Health {
  status: 'ok';
  uptime_s: number;
}
export interface Version {
  bragg: string;
  node: string;
}

/** A file a request names: a path inside one of the server's roots. */
export interface FileRef {
  root: string;
  path: string;
}

export interface Root {
  id: string;
  label: string;
}

export interface FileEntry {
  name: string;
  path: string;
  kind: 'file' | 'dir';
  size: number;
  mtime: string;
  /** The reader bragg would use (by extension), e.g. `dm4`, `nexus`, `npz`. */
  format?: string;
}
export interface Listing {
  root: string;
  path: string;
  entries: FileEntry[];
}

/** One calibrated axis: value(i) = offset + scale·i, in `units`. */
export interface AxisInfo {
  name?: string;
  size?: number;
  units?: string;
  offset: number;
  scale: number;
}

export type MetadataValue =
  string | number | boolean | null | MetadataValue[] | { [key: string]: MetadataValue };
export type Metadata = { [key: string]: MetadataValue };

export interface ArrayInfo {
  name: string;
  shape: number[];
  dtype: string;
  axes: AxisInfo[];
  metadata: Metadata;
  role?: string;
}

/** What `bragg info <file> --json` prints. */
export interface FileInfo {
  file: string;
  format: string;
  defaultDataset: string | null;
  datasets: ArrayInfo[];
  metadata: Metadata;
}

export type Scale = 'linear' | 'log' | 'sqrt';

export interface DataQuery extends FileRef {
  dataset?: string;
  frame?: number;
  /** numpy-like slice, e.g. `0:10,5,:`. */
  slice?: string;
  /** Block means of `bin` × `bin` pixels of a 2D selection (an overview). */
  bin?: number;
}

export interface DataJson {
  shape: number[];
  dtype: string;
  /** Flat, row-major. */
  data: number[];
  axes: AxisInfo[];
}

export interface UploadRecord {
  id: string;
  name: string;
  size: number;
  format?: string;
  created: string;
}

export interface StructureEntry {
  name: string;
  formula: string;
  spaceGroup: string;
}

/** How a request names a CIF: a served file, its text, or a bundled structure. */
export type CifInput = { cif: FileRef } | { cifText: string } | { structure: string };

export type ScatteringParams = 'lobato' | 'kirkland' | 'peng';

export interface Reflection {
  hkl: [number, number, number];
  /** |g| in Å⁻¹. */
  g: number;
  /** d-spacing in Å. */
  d: number;
  multiplicity: number;
  F2: number;
  intensity: number;
}
export interface ReflectionsResult {
  reflections: Reflection[];
  structure: { name: string; formula: string; cell: unknown };
}
export interface ProfileResult {
  /** 1/d in Å⁻¹. */
  q: number[];
  intensity: number[];
}
export interface PatternSpot {
  hkl: [number, number, number];
  x: number;
  y: number;
  intensity: number;
}
export interface PatternResult {
  shape: [number, number];
  data: number[];
  /** Å⁻¹ per pixel. */
  calibration: number;
  spots: PatternSpot[];
}

/** A run as `bragg runs list --json` prints it. */
export interface RunRecord {
  id: string;
  kind: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  executor: string;
  outDir: string;
  totalShards: number;
  doneShards: number;
  failedShards: number;
  patterns: number;
  error: string | null;
  config?: unknown;
  configHash?: string;
}
export interface ShardRecord {
  shardId: string;
  status: string;
  attempts: number;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  ms: number | null;
  count: number;
  file: string;
  sha256: string | null;
  error: string | null;
}
export interface RunDetail {
  run: RunRecord;
  shards: ShardRecord[];
  artifacts: Record<string, unknown>[];
  lineage: unknown;
}

export type JobRequest =
  | { kind: 'dataset'; workflow: string; config: unknown; output?: FileRef }
  | {
      kind: 'train';
      workflow: string;
      /** A served dataset, or `{run}`: a dataset run's output. */
      data: FileRef | { run: string };
      options?: { epochs?: number; batchSize?: number; seed?: number };
    }
  | { kind: 'predict'; workflow: string; model: string; input: FileRef };

export interface ModelEntry {
  id: string;
  workflow: string;
  architecture: string;
  created: string;
  labels: string[];
  path: string;
  metrics?: Record<string, unknown>;
}
export interface CurvePoint {
  epoch: number;
  loss?: number;
  val_loss?: number;
  acc?: number;
  val_acc?: number;
}
export interface ModelDetail {
  meta: Record<string, unknown>;
  labels: string[];
  confusion?: { labels: string[]; matrix: number[][] };
  curves?: { epochs: CurvePoint[] };
  lineage?: unknown;
}

export interface PhasePrediction {
  /** [ny, nx, n phases]. */
  shape: [number, number, number];
  phases: string[];
  cnnId: string;
  /** Index of the most likely phase per pixel, ny·nx, row-major. */
  argmax: number[];
  /** ny·nx·n, flat, row-major. */
  probabilities: number[];
  /** The stored `_probability_pred.npz`. */
  prediction: FileRef;
}

export type PhaseEvaluateRequest = {
  prediction: FileRef;
  experiment: FileRef;
} & ({ cifs: FileRef[] } | { structures: string[] });

export type PhaseResult =
  | {
      phase: string;
      status: 'present';
      pixels: number;
      fraction: number;
      foundPeaks: { q: number; height: number }[];
      referencePeaks: { q: number; relativeIntensity: number }[];
      /** Å⁻¹. */
      meanDistance: number | null;
      weightedMeanDistance: number | null;
      fractionStrongFound: number;
      /** Mean profile on the map's q-axis (for plots); left out by the server, as by the CLI. */
      meanProfile?: number[];
    }
  | { phase: string; status: 'absent'; pixels: 0; fraction: 0 };

/** The JSON of `bragg phase evaluate --json` for one file. */
export interface PhaseEvaluation {
  /** The files evaluated (as the request named them; paths from the CLI). */
  prediction: FileRef | string;
  experiment: FileRef | string;
  cnnId: string;
  pixels: number;
  /** Å⁻¹. */
  qRange: [number, number];
  phases: PhaseResult[];
  meanDistance: number | null;
}
