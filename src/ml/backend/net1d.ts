/**
 * Inference of 1D convolution chains on bragg's SIMD kernels (`wasm/assembly/net1d.ts`): a
 * model that is a plain chain of Conv1D (valid, stride 1, dilation 1), MaxPooling1D (window =
 * stride), inference-time no-ops (Dropout, SeededDropout), Flatten and Dense layers with ReLU,
 * linear or a final softmax activation — the phase CNN — becomes one program of stages that
 * one wasm call runs chunk by chunk of profiles, every layer of a chunk while its activations
 * are in cache, one parallel region per batch. Convolutions with enough channels run by the
 * Winograd algorithm F(m, k) (the m·k multiply-adds of m outputs per channel pair become
 * m + k − 1, plus the transforms), the filter transformed here in float64. The map of the phase
 * workflow runs here (`workflows/phase/infer.ts`); outputs equal `model.predict`'s within
 * float32 rounding (net1d.test.ts: ≤ 1e-5 of the output scale).
 *
 * `compileNet1d` returns undefined for anything else (another layer, another backend, no SIMD
 * module), and the caller runs `model.predict`. The weights are read when compiling: compile
 * again after training.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BraggError, ValidationError } from '../../core/errors.js';
import { release } from './kernels/interop.js';
import { heapOffset, simdKernels, type SimdKernels } from './simd/module.js';
import { parallelFor } from './simd/parallel.js';

/** Words of the program header and of one stage record (wasm/assembly/net1d.ts). */
const HEADER = 12;
const STAGE = 16;
/** Profiles per pass through the stages. */
const DEFAULT_CHUNK = 8;

/** Interpolation points of the Winograd transforms, in order of use (the last point is ∞). */
const POINTS = [0, 1, -1, 0.5, -0.5, 2, -2, 0.25, -0.25, 4, -4];
/** Largest Winograd tile α = m + k − 1 (the float32 error grows with α; checked up to 11). */
export const MAX_WINOGRAD_ALPHA = POINTS.length;

/** One stage as the planner sees it (before packing). */
export interface Net1dStage {
  /** Input positions and channels. */
  w: number;
  ci: number;
  /** Kernel taps (w for a Dense after Flatten). */
  k: number;
  co: number;
  pool: number;
  relu: boolean;
  /** Winograd tile outputs m (0: direct). */
  m: number;
}

export interface Net1dOptions {
  /** Use Winograd where it pays (default true); false runs every stage directly. */
  winograd?: boolean;
  /** Profiles per pass through the stages (default 8). */
  chunk?: number;
  /**
   * Winograd tile outputs m per stage (0: direct) instead of the planner's choice — to check
   * every tile on small stages. A stage run by Winograd needs ci and co multiples of 4 and
   * m + k − 1 ≤ MAX_WINOGRAD_ALPHA.
   */
  winogradTiles?: readonly number[];
}

export interface Net1d {
  /** Floats per input profile (positions × channels) and outputs per profile. */
  readonly inFloats: number;
  readonly outFloats: number;
  readonly stages: readonly Net1dStage[];
  /** Outputs (rows × outFloats) for `rows` profiles (rows × inFloats, row-major). */
  run(profiles: Float32Array, rows: number): Float32Array;
  dispose(): void;
}

/** One stage with its weights, as read from a layer. */
export interface Net1dLayer {
  w: number;
  ci: number;
  k: number;
  co: number;
  pool: number;
  relu: boolean;
  /** Kernel [k, ci, co] flattened (Dense after Flatten: [w·ci, co], w·ci + c), bias [co]. */
  kernel: ArrayLike<number>;
  bias: ArrayLike<number>;
}

function activationOf(layer: tf.layers.Layer): string | undefined {
  const a = layer.getConfig().activation;
  return typeof a === 'string' ? a : undefined;
}

function single(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  return undefined;
}

/** The model's layers as stages, or undefined when it is not a chain this path runs. */
export function net1dLayers(
  model: tf.LayersModel,
): { layers: Net1dLayer[]; softmax: boolean } | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const shape = model.inputs[0]!.shape;
  if (shape.length !== 3 || !shape.slice(1).every((d) => typeof d === 'number')) return undefined;
  let w = shape[1]!;
  let c = shape[2]!;
  let flat = false;
  let softmax = false;
  const stages: Net1dLayer[] = [];
  let previous: tf.layers.Layer | undefined;
  for (const layer of model.layers) {
    // a chain: every layer reads the one before it
    const inbound = layer.inboundNodes;
    if (previous !== undefined) {
      if (inbound.length !== 1 || inbound[0]!.inboundLayers.length !== 1) return undefined;
      if (inbound[0]!.inboundLayers[0] !== previous) return undefined;
    }
    previous = layer;
    if (softmax) return undefined; // softmax only at the end
    const cls = layer.getClassName();
    const cfg = layer.getConfig();
    const last = stages[stages.length - 1];
    switch (cls) {
      case 'InputLayer':
      case 'Dropout':
      case 'BraggSeededDropout':
        break;
      case 'Flatten':
        flat = true;
        break;
      case 'MaxPooling1D': {
        const p = single(cfg.poolSize);
        const s = single(cfg.strides) ?? p;
        if (last === undefined || last.pool !== 1 || p === undefined || s !== p) return undefined;
        if (cfg.padding !== 'valid' || flat || w < p) return undefined;
        last.pool = p;
        w = Math.floor(w / p);
        break;
      }
      case 'Conv1D':
      case 'Dense': {
        const act = activationOf(layer);
        if (act !== 'relu' && act !== 'linear' && act !== 'softmax') return undefined;
        const weights = layer.getWeights();
        const kernel = weights[0];
        if (kernel === undefined || kernel.dtype !== 'float32') return undefined;
        let k: number;
        let co: number;
        let ci: number;
        if (cls === 'Conv1D') {
          if (flat || single(cfg.strides) !== 1 || single(cfg.dilationRate) !== 1) return undefined;
          // tfjs' Conv1D is channels-last only (its config has no dataFormat)
          const format = cfg.dataFormat ?? 'channelsLast';
          if (cfg.padding !== 'valid' || format !== 'channelsLast') return undefined;
          [k, ci, co] = kernel.shape as [number, number, number];
          if (ci !== c || k > w) return undefined;
        } else {
          [ci, co] = kernel.shape as [number, number];
          // after Flatten the kernel spans every position; before, it is applied per position
          k = flat ? w : 1;
          if (ci !== (flat ? w * c : c)) return undefined;
          ci = c;
        }
        const bias = weights[1]?.dataSync() as Float32Array | undefined;
        stages.push({
          w,
          ci,
          k,
          co,
          pool: 1,
          relu: act === 'relu',
          kernel: kernel.dataSync() as Float32Array,
          bias: bias ?? new Float32Array(co),
        });
        w = w - k + 1;
        c = co;
        softmax = act === 'softmax';
        break;
      }
      default:
        return undefined;
    }
  }
  if (stages.length === 0) return undefined;
  return { layers: stages, softmax };
}

/** Multiply-adds (and transform work) of one stage per profile, direct (m = 0) or F(m, k). */
function stageCost(s: Pick<Net1dStage, 'w' | 'ci' | 'k' | 'co'>, m: number): number {
  const ow = s.w - s.k + 1;
  if (m === 0) return ow * s.k * s.ci * s.co;
  const alpha = m + s.k - 1;
  const tiles = Math.ceil(ow / m);
  return tiles * alpha * (s.ci * s.co + alpha * s.ci + m * s.co);
}

/** The Winograd tile for a stage, 0 when the direct convolution is as cheap. */
export function chooseWinograd(s: Pick<Net1dStage, 'w' | 'ci' | 'k' | 'co'>): number {
  const ow = s.w - s.k + 1;
  if (s.k < 2 || ow < 2 || s.ci % 4 !== 0 || s.co % 4 !== 0 || s.ci < 16) return 0;
  let best = 0;
  let cost = 0.8 * stageCost(s, 0);
  for (let m = 2; m + s.k - 1 <= MAX_WINOGRAD_ALPHA && m <= ow; m++) {
    const c = stageCost(s, m);
    if (c < cost) {
      best = m;
      cost = c;
    }
  }
  return best;
}

function inverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const v = m[c]![c]!;
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= v;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let j = 0; j < 2 * n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((r) => r.slice(n));
}

/**
 * The transforms of F(m, k) for correlation y_i = Σ_j g_j d_{i+j}, i < m:
 * y = Aᵀ[(G g) ⊙ (Bᵀ d)] with α = m + k − 1 points (α − 1 finite ones and ∞). From the
 * Toom-Cook product c = V⁻¹[(E_m a) ⊙ (E_k g)] (V the α × α Vandermonde matrix of the points
 * with ∞'s row e_{α−1}, E_j its first j columns) by transposition: Aᵀ = E_mᵀ, G = E_k,
 * Bᵀ = V⁻ᵀ; row ξ of G and of Bᵀ are then scaled to the same largest entry.
 */
export function winogradTransforms(
  m: number,
  k: number,
): { alpha: number; bt: number[][]; g: number[][]; at: number[][] } {
  const alpha = m + k - 1;
  if (m < 1 || k < 1 || alpha > MAX_WINOGRAD_ALPHA) {
    throw new ValidationError(
      `F(${m}, ${k}) needs ${alpha} points, at most ${MAX_WINOGRAD_ALPHA}`,
      'm',
    );
  }
  const p = POINTS.slice(0, alpha - 1);
  const row = (j: number, len: number): number[] =>
    Array.from({ length: len }, (_, i) => (j < alpha - 1 ? p[j]! ** i : i === len - 1 ? 1 : 0));
  const v = Array.from({ length: alpha }, (_, j) => row(j, alpha));
  const vi = inverse(v);
  const bt = Array.from({ length: alpha }, (_, j) =>
    Array.from({ length: alpha }, (_, i) => vi[i]![j]!),
  );
  const g = Array.from({ length: alpha }, (_, j) => row(j, k));
  const at = Array.from({ length: m }, (_, i) =>
    Array.from({ length: alpha }, (_, j) => (j < alpha - 1 ? p[j]! ** i : i === m - 1 ? 1 : 0)),
  );
  for (let j = 0; j < alpha; j++) {
    const gm = Math.max(...g[j]!.map(Math.abs));
    const bm = Math.max(...bt[j]!.map(Math.abs));
    const s = Math.sqrt(bm / gm);
    g[j] = g[j]!.map((x) => x * s);
    bt[j] = bt[j]!.map((x) => x / s);
  }
  return { alpha, bt, g, at };
}

/** Kernel [taps, ci, co] (t·co + o for tap-channel t) → panels [⌈co/8⌉][taps·ci][8]. */
function packPanels(
  kernel: ArrayLike<number>,
  taps: number,
  co: number,
  dst: Float32Array,
  at: number,
): void {
  const panels = Math.ceil(co / 8);
  for (let p = 0; p < panels; p++) {
    for (let t = 0; t < taps; t++) {
      const o = at + (p * taps + t) * 8;
      for (let j = 0; j < 8; j++) {
        const c = p * 8 + j;
        dst[o + j] = c < co ? kernel[t * co + c]! : 0;
      }
    }
  }
}

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

/** What `net1dForward` runs: the program words, its constants and the scratch of one part. */
export interface Net1dPlan {
  readonly stages: readonly Net1dStage[];
  readonly inFloats: number;
  readonly outFloats: number;
  /** Packed filters, biases and transforms; the program's offsets are bytes from its start. */
  readonly consts: Float32Array;
  /** Header and stage records (wasm/assembly/net1d.ts). */
  readonly program: Int32Array;
  /** Floats of scratch per part of the batch. */
  readonly scratchFloats: number;
}

/**
 * The program of a chain of stages (each reading the one before: w, ci of stage i + 1 are the
 * pooled width and co of stage i; a Dense after Flatten is k = w). Position-independent: the
 * constants may lie anywhere. Throws a ValidationError for a chain that does not fit together.
 */
export function planNet1d(layers: readonly Net1dLayer[], o: Net1dOptions = {}): Net1dPlan {
  const chunk = o.chunk ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new ValidationError(`must be a positive integer, got ${chunk}`, 'chunk');
  }
  if (layers.length === 0) throw new ValidationError('no stages', 'layers');
  layers.forEach((l, i) => {
    const ok =
      [l.w, l.ci, l.k, l.co, l.pool].every((v) => Number.isInteger(v) && v >= 1) &&
      l.k <= l.w &&
      l.pool <= l.w - l.k + 1 &&
      l.kernel.length === l.k * l.ci * l.co &&
      l.bias.length === l.co;
    const prev = layers[i - 1];
    const fits =
      prev === undefined ||
      (prev.co === l.ci && Math.floor((prev.w - prev.k + 1) / prev.pool) === l.w);
    if (!ok || !fits) throw new ValidationError(`stage ${i} does not fit the chain`, 'layers');
  });
  const winograd = o.winograd ?? true;
  const stages: Net1dStage[] = layers.map((l) => ({
    w: l.w,
    ci: l.ci,
    k: l.k,
    co: l.co,
    pool: l.pool,
    relu: l.relu,
    m: winograd ? chooseWinograd(l) : 0,
  }));
  if (o.winogradTiles !== undefined) {
    const tiles = o.winogradTiles;
    if (tiles.length !== stages.length) {
      throw new ValidationError(
        `${tiles.length} tiles for ${stages.length} stages`,
        'winogradTiles',
      );
    }
    stages.forEach((s, i) => {
      const m = tiles[i]!;
      const ok =
        m === 0 ||
        (Number.isInteger(m) &&
          m >= 1 &&
          m + s.k - 1 <= MAX_WINOGRAD_ALPHA &&
          s.ci % 4 === 0 &&
          s.co % 4 === 0);
      if (!ok) throw new ValidationError(`stage ${i} cannot run F(${m}, ${s.k})`, 'winogradTiles');
      s.m = m;
    });
  }
  const first = stages[0]!;
  const lastS = stages[stages.length - 1]!;
  const inFloats = first.w * first.ci;
  const outFloats = Math.floor((lastS.w - lastS.k + 1) / lastS.pool) * lastS.co;
  // constants: per stage filter (packed, or transformed + packed), bias, Bᵀ, Aᵀ (floats)
  let size = 0;
  const parts = stages.map((s) => {
    const t = s.m > 0 ? winogradTransforms(s.m, s.k) : undefined;
    const panels = Math.ceil(s.co / 8);
    const part = { filter: size, bias: 0, bt: 0, at: 0, alpha: t?.alpha ?? 0, tiles: 0, t };
    size += align4(t ? t.alpha * panels * s.ci * 8 : panels * s.k * s.ci * 8);
    part.bias = size;
    size += align4(s.co);
    if (t) {
      part.bt = size;
      size += align4(t.alpha * t.alpha);
      part.at = size;
      size += align4(s.m * t.alpha);
      part.tiles = Math.ceil((s.w - s.k + 1) / s.m);
    }
    return part;
  });
  const consts = new Float32Array(Math.max(4, size));
  stages.forEach((s, i) => {
    const l = layers[i]!;
    const { t, ...part } = parts[i]!;
    consts.set(l.bias, part.bias);
    if (t === undefined) {
      packPanels(l.kernel, s.k * s.ci, s.co, consts, part.filter);
      return;
    }
    const plane = Math.ceil(s.co / 8) * s.ci * 8;
    const u = new Float64Array(s.ci * s.co);
    for (let xi = 0; xi < t.alpha; xi++) {
      u.fill(0);
      for (let j = 0; j < s.k; j++) {
        const gj = t.g[xi]![j]!;
        if (gj === 0) continue;
        const base = j * s.ci * s.co;
        for (let e = 0; e < s.ci * s.co; e++) u[e]! += gj * l.kernel[base + e]!;
      }
      packPanels(u, s.ci, s.co, consts, part.filter + xi * plane);
    }
    consts.set(t.bt.flat(), part.bt);
    consts.set(t.at.flat(), part.at);
  });
  // scratch of one part: activations A, B; transforms / convolution outputs V, M
  let act = 0;
  let vSize = 0;
  let mSize = 0;
  stages.forEach((s, i) => {
    const ow = s.w - s.k + 1;
    if (i < stages.length - 1) act = Math.max(act, Math.floor(ow / s.pool) * s.co);
    const { tiles, alpha } = parts[i]!;
    if (s.m > 0) {
      vSize = Math.max(vSize, tiles * alpha * s.ci, ow * s.co);
      mSize = Math.max(mSize, tiles * alpha * s.co);
    } else {
      mSize = Math.max(mSize, ow * s.co);
    }
  });
  const offA = 0;
  const offB = offA + align4(chunk * act);
  const offV = offB + align4(chunk * act);
  const offM = offV + align4(chunk * vSize);
  const scratchFloats = offM + align4(chunk * mSize);
  if (scratchFloats * 4 >= 2 ** 30 || size * 4 >= 2 ** 30) {
    throw new ValidationError(`chunk ${chunk} needs too much scratch space`, 'chunk');
  }
  const program = new Int32Array(HEADER + STAGE * stages.length);
  program.set([stages.length, chunk, inFloats, outFloats, scratchFloats * 4]);
  program.set([offA * 4, offB * 4, offV * 4, offM * 4], 5);
  stages.forEach((s, i) => {
    const ow = s.w - s.k + 1;
    const part = parts[i]!;
    program.set(
      [
        s.m > 0 ? 1 : 0,
        s.w,
        s.ci,
        s.k,
        s.co,
        ow,
        s.m,
        part.alpha,
        part.tiles,
        s.pool,
        s.relu ? 1 : 0,
        4 * part.filter,
        4 * part.bias,
        4 * part.bt,
        4 * part.at,
        Math.floor(ow / s.pool),
      ],
      HEADER + STAGE * i,
    );
  });
  return { stages, inFloats, outFloats, consts, program, scratchFloats };
}

/** Compiles the model for `net1dForward`, or undefined when it is not such a chain / not on wasm. */
export function compileNet1d(model: tf.LayersModel, o: Net1dOptions = {}): Net1d | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as BackendWasm;
  const simd = simdKernels(backend);
  if (simd === undefined) return undefined;
  const chain = net1dLayers(model);
  if (chain === undefined) return undefined;
  return new Net1dProgram(backend, simd, planNet1d(chain.layers, o), chain.softmax);
}

class Net1dProgram implements Net1d {
  readonly inFloats: number;
  readonly outFloats: number;
  readonly stages: readonly Net1dStage[];
  private readonly consts: TensorInfo;
  private readonly prog: TensorInfo;
  private readonly scratchFloats: number;
  private disposed = false;

  constructor(
    private readonly backend: BackendWasm,
    private readonly simd: SimdKernels,
    plan: Net1dPlan,
    private readonly softmax: boolean,
  ) {
    this.stages = plan.stages;
    this.inFloats = plan.inFloats;
    this.outFloats = plan.outFloats;
    this.scratchFloats = plan.scratchFloats;
    this.consts = backend.makeOutput([plan.consts.length], 'float32');
    backend.typedArrayFromHeap(this.consts).set(plan.consts);
    this.prog = backend.makeOutput([plan.program.length], 'int32');
    backend.typedArrayFromHeap(this.prog).set(plan.program);
  }

  run(profiles: Float32Array, rows: number): Float32Array {
    if (this.disposed) throw new BraggError('INTERNAL', 'net1d: program used after dispose');
    if (!Number.isInteger(rows) || rows < 0 || profiles.length !== rows * this.inFloats) {
      throw new ValidationError(
        `${profiles.length} values are not ${rows} rows of ${this.inFloats}`,
        'profiles',
      );
    }
    if (rows === 0) return new Float32Array(0);
    const { backend, simd } = this;
    const x = backend.makeOutput([profiles.length], 'float32');
    const out = backend.makeOutput([rows * this.outFloats], 'float32');
    const items = Math.min(simd.threads, rows);
    const scratch = backend.makeOutput([items * this.scratchFloats], 'float32');
    try {
      backend.typedArrayFromHeap(x).set(profiles);
      const at = (t: TensorInfo): number => heapOffset(backend, t);
      const args = [at(this.prog), at(this.consts), at(x), at(out), at(scratch), rows, items, 0, 0];
      parallelFor(simd, 'net1dForward', args, 7, items);
      const y = (backend.typedArrayFromHeap(out) as Float32Array).slice();
      if (this.softmax) softmaxRows(y, this.outFloats);
      return y;
    } finally {
      release(backend, x, out, scratch);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    release(this.backend, this.consts, this.prog);
  }
}

/** Softmax of each row of `width` values, in place (exp(x − max) / Σ, as tfjs computes it). */
function softmaxRows(y: Float32Array, width: number): void {
  for (let r = 0; r < y.length; r += width) {
    let mx = -Infinity;
    for (let j = 0; j < width; j++) mx = Math.max(mx, y[r + j]!);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp(y[r + j]! - mx);
      y[r + j] = e;
      sum += e;
    }
    for (let j = 0; j < width; j++) y[r + j]! /= sum;
  }
}
