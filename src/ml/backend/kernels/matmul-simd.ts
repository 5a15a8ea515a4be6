/**
 * Matrix products C = op(A) · op(B) on bragg's SIMD filter-gradient kernel
 * (wasm/assembly/conv-filter.ts), which computes C[m, n] = Σ_k A'[k, m] · B'[k, n] with 4 × 8
 * register tiles over panels of C. A product is a 1×1 convolution's filter gradient with the
 * k axis as its pixels:
 *
 * - A' is read in place with per-row offsets: A [M, K] (row m at m·K, step 1 along k) or
 *   Aᵀ stored [K, M] (row m at m, step M; copied into 16-column panels when M is large);
 * - B' must have 8 consecutive n per k: B [K, N] is read in place (or copied into panels when
 *   N is large or not a multiple of 8), Bᵀ stored [N, K] is laid out as panels first.
 *
 * No transposes through tfjs kernels and no batch splitting by slices: each batch entry is one
 * range-split kernel call over disjoint panels of its C.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { SimdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import { BLOCK_BYTES, MIN_PANELS, packedTapOffsets } from './conv2d-filter-simd.js';
import { release } from './interop.js';

export interface GemmShape {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** Panels, packing and cache blocks of one product (see filterPlan in conv2d-filter-simd.ts). */
export interface GemmPlan {
  cols: number;
  panelTaps: number;
  panelCols: number;
  panels: number;
  /**
   * B is copied: into panels of this many floats (panelCols · 8, one per column panel of C), or
   * into rows padded to `cols` (N not a multiple of 8); 0: read in place.
   */
  bWidth: number;
  /** A is copied into 16-column panels (transposed A with many rows only). */
  packA: boolean;
  blockCols: number;
}

export function gemmPlan(s: GemmShape): GemmPlan {
  const cols = Math.ceil(s.n / 8) * 8;
  const tapGroups = Math.ceil(s.m / 4);
  const groups = cols / 8;
  const panelTaps = Math.min(tapGroups, 4);
  let panelCols = Math.min(groups, 8);
  const count = (): number => Math.ceil(tapGroups / panelTaps) * Math.ceil(groups / panelCols);
  while (count() < MIN_PANELS && panelCols > 1) panelCols = Math.ceil(panelCols / 2);
  const width = panelCols * 8;
  const sliced = width < cols && s.n > 64;
  const bWidth = s.transposeB || sliced ? width : cols !== s.n ? cols : 0;
  const packA = s.transposeA && s.m > 64 && panelTaps < tapGroups;
  const perK = panelTaps * 16 + Math.max(64, panelCols * 32);
  const fit = Math.min(s.k, Math.max(16, Math.floor(BLOCK_BYTES / perK)));
  const blockCols = Math.ceil(s.k / Math.ceil(s.k / fit));
  return { cols, panelTaps, panelCols, panels: count(), bWidth, packA, blockCols };
}

/** Byte offsets of the rows of A' (the "taps"), a multiple of 4 long. */
function rowOffsets(s: GemmShape, plan: GemmPlan): Int32Array {
  if (plan.packA) return packedTapOffsets(s.m, 16, s.k);
  const out = new Int32Array(Math.ceil(s.m / 4) * 4);
  for (let t = 0; t < out.length; t++) {
    const u = Math.min(t, s.m - 1);
    out[t] = 4 * (s.transposeA ? u : u * s.k);
  }
  return out;
}

/**
 * Scratch buffers and kernel arguments of one product: the contract between batchMatMulSimd and
 * the kernels, also used by the bounds tests (src/ml/backend/simd/bounds.test.ts).
 */
export interface GemmLayout {
  plan: GemmPlan;
  /** Floats of the A panels, B panels (or padded rows) and C copy; 0: not needed. */
  aPanelLength: number;
  bPanelLength: number;
  cOutLength: number;
  offsTable: Int32Array;
  /** convFilterGrad's arguments for these byte offsets; the range goes at 18, 19. */
  args(a: number, b: number, c: number, offs: number): number[];
}

export function gemmLayout(s: GemmShape): GemmLayout {
  const { m, n, k } = s;
  const plan = gemmPlan(s);
  const { cols } = plan;
  const bPanelLength = plan.bWidth > 0 ? Math.ceil(n / plan.bWidth) * plan.bWidth * k : 0;
  const xCol = plan.packA ? 64 : s.transposeA ? 4 * m : 4;
  const dyPixel = bPanelLength > 0 ? 4 * plan.bWidth : 4 * cols;
  // B in panel layout (one panel per column panel of C), or rows padded to `cols`.
  const panelled = bPanelLength > 0 && plan.bWidth === plan.panelCols * 8;
  const dyPanel = panelled ? 4 * plan.bWidth * k : 32 * plan.panelCols;
  const args = (a: number, b: number, c: number, offs: number): number[] => [
    a,
    b,
    c,
    offs,
    m,
    cols,
    1,
    1,
    k,
    k * xCol,
    k * xCol,
    xCol,
    dyPixel,
    dyPanel,
    1,
    plan.blockCols,
    plan.panelTaps,
    plan.panelCols,
    0,
    0,
  ];
  return {
    plan,
    aPanelLength: plan.packA ? Math.ceil(m / 16) * 16 * k : 0,
    bPanelLength,
    cOutLength: cols !== n ? m * cols : 0,
    offsTable: rowOffsets(s, plan),
    args,
  };
}

/**
 * C [batch, m, n] for A [batch, m, k] (or [batch, k, m] transposed) and B [batch, k, n] (or
 * [batch, n, k]); the batch counts of A and B must be equal. `split` (tests): cut points of
 * each product's panel range, each block a separate call.
 */
export function batchMatMulSimd(
  backend: BackendWasm,
  simd: SimdKernels,
  a: TensorInfo,
  b: TensorInfo,
  s: GemmShape,
  batch: number,
  outShape: number[],
  split?: number[],
): TensorInfo {
  const { m, n, k } = s;
  const c = backend.makeOutput(outShape, 'float32');
  const f32 = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  if (m * n === 0 || batch === 0) return c;
  if (k === 0) {
    f32(c).fill(0);
    return c;
  }
  const layout = gemmLayout(s);
  const { plan } = layout;
  const { cols } = plan;
  const temps: TensorInfo[] = [];
  const temp = (size: number, dtype: 'float32' | 'int32' = 'float32'): TensorInfo => {
    const t = backend.makeOutput([size], dtype);
    temps.push(t);
    return t;
  };
  const aPanel = layout.aPanelLength > 0 ? temp(layout.aPanelLength) : undefined;
  const bPanel = layout.bPanelLength > 0 ? temp(layout.bPanelLength) : undefined;
  const cOut = layout.cOutLength > 0 ? temp(layout.cOutLength) : undefined;
  const offs = temp(layout.offsTable.length, 'int32');
  // Views only after every allocation (the heap may grow and detach earlier ones).
  (backend.typedArrayFromHeap(offs) as Int32Array).set(layout.offsTable);
  const at = (t: TensorInfo): number => backend.typedArrayFromHeap(t).byteOffset;
  const heap = new Float32Array(f32(c).buffer);
  for (let i = 0; i < batch; i++) {
    const aAt = at(a) + 4 * i * m * k;
    const bAt = at(b) + 4 * i * k * n;
    const cAt = at(c) + 4 * i * m * n;
    if (aPanel !== undefined) {
      parallelFor(simd, 'packPanels', [aAt, at(aPanel), k, m, 16, 0, 0], 5, k, 2 * k * m);
    }
    if (bPanel !== undefined) {
      const args = [bAt, at(bPanel), k, n, plan.bWidth, 0, 0];
      parallelFor(simd, s.transposeB ? 'packPanelsT' : 'packPanels', args, 5, k, 2 * k * n);
    }
    const args = layout.args(
      aPanel !== undefined ? at(aPanel) : aAt,
      bPanel !== undefined ? at(bPanel) : bAt,
      cOut !== undefined ? at(cOut) : cAt,
      at(offs),
    );
    if (split === undefined) {
      parallelFor(simd, 'convFilterGrad', args, 18, plan.panels);
    } else {
      const cuts = [0, ...split.filter((q) => q > 0 && q < plan.panels).sort((p, q) => p - q)];
      cuts.push(plan.panels);
      for (let j = 0; j + 1 < cuts.length; j++) {
        args[18] = cuts[j]!;
        args[19] = cuts[j + 1]!;
        (simd.exports.convFilterGrad as (...q: number[]) => void)(...args);
      }
    }
    if (cOut !== undefined) {
      const o = at(cOut) >>> 2;
      const d = cAt >>> 2;
      for (let r = 0; r < m; r++) heap.copyWithin(d + r * n, o + r * cols, o + r * cols + n);
    }
  }
  release(backend, ...temps);
  return c;
}
