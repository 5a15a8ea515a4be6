/** Options and result of a multislice pattern run (plain and PRISM alike). */
import type { Plan } from './plan.js';
export interface RunOptions {
  /** Worker threads (default: available cores, at most 8; 1 = this thread). */
  threads?: number;
  /** Progress callback: done / total steps (positions × configurations × slice blocks). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Memory for one frozen-phonon configuration's slices and saved waves [bytes] (default
   * 1 GiB; see `memoryLayout`). PRISM's S-matrix comes on top.
   */
  memoryBytes?: number;
}

export interface PatternResult {
  /** Patterns (n_thickness, ny, nx) float32, zero angle at (ny//2, nx//2); each sums to ≈ 1. */
  patterns: Float32Array;
  shape: [number, number, number];
  /** Thicknesses actually simulated [Å]. */
  thicknesses: number[];
  /** Angular pixel size (y, x) [mrad]. */
  mradPerPx: [number, number];
  plan: Plan;
  positions: number;
  /**
   * The symmetry used (plain multislice): the order of the group of grid operations that map
   * the specimen, the probe and the scan onto themselves, and the positions actually run
   * (one per orbit; `positions` when the order is 1).
   */
  symmetry?: { order: number; computedPositions: number };
  /** Set when PRISM computed the patterns (coarse angular pixel f·λ/L). */
  prism?: { interpolation: number; beams: number; sMatrixBytes: number };
  /** How the slices were held (blocked: frozen-phonon slices built `sliceBlock` at a time). */
  memory?: { blocked: boolean; sliceBlock: number; positionGroup: number };
}
