/**
 * Training-mode batch normalisation in two kernels. tfjs-layers' BatchNormalization in training
 * computes `tf.moments` (Mean, Sub, Square, Mean), then `tf.batchNorm` (FusedBatchNorm), and its
 * gradient comes from tfjs-core's composite FusedBatchNorm gradient plus the moments' gradients:
 * a dozen full-size elementwise passes (Multiply, Sub, Tile, Sum, Add…), ~26 of ~90 ms of a
 * pacbed-compact-64 step (bench/train/RESULTS.md).
 *
 * - `BraggBatchNorm` {x, gamma, beta} → [y, mean, variance] for channels-last float32 x
 *   (axis −1): one pass for the per-channel sums Σ(x − K), Σ(x − K)² in float64, K the channel's
 *   first value (a shift that keeps the one-pass variance free of cancellation when |μ| ≫ σ),
 *   then one pass y = x·s + t with s = γ/√(σ² + ε), t = β − μ·s (in float64, stored as float32).
 *   μ and σ² (biased, as tfjs-layers normalises with) are the other two outputs.
 * - `BraggBatchNormGrad` {dy, x, gamma, mean, variance} → [dx, dγ, dβ]: one pass for
 *   dβ = Σ dy and Σ dy·(x − μ) (dγ = that / σ), one pass
 *   dx = (γ/σ)·(dy − dβ/N − x̂·dγ/N) written as a·dy + b·x + c per channel.
 *
 * On wasm both run as bragg's SIMD kernels (wasm/assembly/batchnorm.ts: the per-channel sums
 * down column quads in float32 blocks of 64 rows added into float64, split over threads by
 * column quads; the elementwise passes y = (x − μ)·s + β and dx = a·dy + b·(x − μ) + k split
 * by rows); the JS loops below are the reference and the path when the SIMD module is not
 * loaded. `registerBatchNormTraining` also
 * wraps BatchNormalization's prototype `call` once: in training mode, on a backend with the
 * kernel, for float32 rank 2–4 input normalised over the last axis with γ and β, the layer runs
 * BraggBatchNorm and updates the moving statistics exactly as tfjs-layers does (doMovingAverage
 * with the biased batch variance); everything else, inference mode included, runs the original
 * `call`. Unregistering the BraggBatchNorm kernel switches the fused path off (A/B benchmarks).
 */
import * as tf from '@tensorflow/tfjs';
import { getKernel, registerGradient, registerKernel } from '@tensorflow/tfjs';
import type {
  GradConfig,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BraggError } from '../../../core/errors.js';
import { heapOffset, simdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';
import { release } from './interop.js';

export const BATCH_NORM = 'BraggBatchNorm';
export const BATCH_NORM_GRAD = 'BraggBatchNormGrad';

export interface BatchNormAttrs {
  epsilon: number;
}

/**
 * Rows per block: the loops below walk each channel down a block of rows (stride c), with the
 * channel's sums in locals, the block (~16 KiB) staying in L1 across channels. 2–3× faster in
 * V8 than a row-major loop over per-channel Float64Array accumulators (1.2 against 3.4 ns an
 * element at 16 channels).
 */
const blockRows = (c: number): number => Math.max(8, Math.floor(4096 / c));

/**
 * y, mean and biased variance over all rows of x [rows·c] (channels last), into the given
 * arrays; the JS reference and the kernel's body.
 */
export function batchNormForwardInto(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  c: number,
  epsilon: number,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const n = x.length;
  const rows = n / c;
  const step = blockRows(c) * c;
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let b0 = 0; b0 < n; b0 += step) {
    const end = Math.min(n, b0 + step);
    for (let j = 0; j < c; j++) {
      const k = x[j]!;
      let a = 0;
      let q = 0;
      for (let i = b0 + j; i < end; i += c) {
        const d = x[i]! - k;
        a += d;
        q += d * d;
      }
      s1[j] = s1[j]! + a;
      s2[j] = s2[j]! + q;
    }
  }
  const scale = new Float64Array(c);
  const offset = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const m1 = s1[j]! / rows;
    const v = Math.max(s2[j]! / rows - m1 * m1, 0);
    const mu = x[j]! + m1;
    mean[j] = mu;
    variance[j] = v;
    const s = gamma[j]! / Math.sqrt(v + epsilon);
    scale[j] = s;
    offset[j] = beta[j]! - mu * s;
  }
  for (let b0 = 0; b0 < n; b0 += step) {
    const end = Math.min(n, b0 + step);
    for (let j = 0; j < c; j++) {
      const s = scale[j]!;
      const t = offset[j]!;
      for (let i = b0 + j; i < end; i += c) y[i] = x[i]! * s + t;
    }
  }
}

/** dx, dγ, dβ of batchNormForwardInto's y (through μ and σ² too); the kernel's body. */
export function batchNormBackwardInto(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  c: number,
  epsilon: number,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const n = x.length;
  const rows = n / c;
  const step = blockRows(c) * c;
  const sdy = new Float64Array(c);
  const sdyx = new Float64Array(c);
  for (let b0 = 0; b0 < n; b0 += step) {
    const end = Math.min(n, b0 + step);
    for (let j = 0; j < c; j++) {
      const m = mean[j]!;
      let a = 0;
      let q = 0;
      for (let i = b0 + j; i < end; i += c) {
        const g = dy[i]!;
        a += g;
        q += g * (x[i]! - m);
      }
      sdy[j] = sdy[j]! + a;
      sdyx[j] = sdyx[j]! + q;
    }
  }
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const k = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const inv = 1 / Math.sqrt(variance[j]! + epsilon);
    const db = sdy[j]!;
    const dg = sdyx[j]! * inv;
    dbeta[j] = db;
    dgamma[j] = dg;
    // dx = γ·inv·(dy − dβ/N − (x − μ)·inv·dγ/N) = a·dy + b·x + k.
    a[j] = gamma[j]! * inv;
    b[j] = (-a[j]! * inv * dg) / rows;
    k[j] = (-a[j]! * db) / rows - b[j]! * mean[j]!;
  }
  for (let b0 = 0; b0 < n; b0 += step) {
    const end = Math.min(n, b0 + step);
    for (let j = 0; j < c; j++) {
      const aj = a[j]!;
      const bj = b[j]!;
      const kj = k[j]!;
      for (let i = b0 + j; i < end; i += c) dx[i] = aj * dy[i]! + bj * x[i]! + kj;
    }
  }
}

function float32(t: TensorInfo | undefined, what: string): TensorInfo {
  if (t === undefined || t.dtype !== 'float32') {
    throw new BraggError('INTERNAL', `${BATCH_NORM}: float32 ${what} expected`);
  }
  return t;
}

function channelsOf(x: TensorInfo, gamma: TensorInfo): number {
  const c = x.shape[x.shape.length - 1];
  if (x.shape.length < 2 || c === undefined || c < 1 || gamma.shape.join() !== String(c)) {
    throw new BraggError('INTERNAL', `${BATCH_NORM}: x ${x.shape}, γ ${gamma.shape}`);
  }
  return c;
}

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: BatchNormAttrs;
}

/** A float32 scratch tensor holding ε first (kernel arguments travel as i32 to threads). */
function paramsOf(backend: BackendWasm, epsilon: number, extra: number): TensorInfo {
  const t = backend.makeOutput([1 + extra], 'float32');
  (backend.typedArrayFromHeap(t) as Float32Array)[0] = epsilon;
  return t;
}

function forwardWasm(args: Args): TensorInfo[] {
  const { backend, inputs } = args;
  const x = float32(inputs.x, 'x');
  const gamma = float32(inputs.gamma, 'gamma');
  const beta = float32(inputs.beta, 'beta');
  const c = channelsOf(x, gamma);
  const y = backend.makeOutput([...x.shape], 'float32');
  const mean = backend.makeOutput([c], 'float32');
  const variance = backend.makeOutput([c], 'float32');
  const heap = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  const n = tf.util.sizeFromShape(x.shape);
  const simd = simdKernels(backend);
  if (n === 0) {
    heap(mean).fill(Number.NaN);
    heap(variance).fill(Number.NaN);
  } else if (simd !== undefined) {
    const rows = n / c;
    const params = paramsOf(backend, args.attrs.epsilon, 0);
    const scale = backend.makeOutput([c], 'float32');
    const [px, pg, pb, pp, pm, pv, ps, py] = [x, gamma, beta, params, mean, variance, scale, y].map(
      (t) => heapOffset(backend, t),
    ) as [number, number, number, number, number, number, number, number];
    parallelFor(simd, 'bnStats', [px, pg, pp, pm, pv, ps, rows, c, 0, 0], 8, Math.ceil(c / 4), n);
    parallelFor(simd, 'bnApply', [px, pm, ps, pb, py, c, 0, 0], 6, rows, 2 * n);
    release(backend, params, scale);
  } else {
    batchNormForwardInto(
      heap(x),
      heap(gamma),
      heap(beta),
      c,
      args.attrs.epsilon,
      heap(y),
      heap(mean),
      heap(variance),
    );
  }
  return [y, mean, variance];
}

function backwardWasm(args: Args): TensorInfo[] {
  const { backend, inputs } = args;
  const dy = float32(inputs.dy, 'dy');
  const x = float32(inputs.x, 'x');
  const gamma = float32(inputs.gamma, 'gamma');
  const mean = float32(inputs.mean, 'mean');
  const variance = float32(inputs.variance, 'variance');
  const c = channelsOf(x, gamma);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([c], 'float32');
  const dbeta = backend.makeOutput([c], 'float32');
  const heap = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  const n = tf.util.sizeFromShape(x.shape);
  const simd = simdKernels(backend);
  if (n === 0) {
    heap(dgamma).fill(0);
    heap(dbeta).fill(0);
  } else if (simd !== undefined) {
    const rows = n / c;
    const params = paramsOf(backend, args.attrs.epsilon, 0);
    const coef = backend.makeOutput([3 * c], 'float32');
    const offs = [dy, x, gamma, params, mean, variance, dgamma, dbeta, coef, dx].map((t) =>
      heapOffset(backend, t),
    );
    const [pdy, px, pg, pp, pm, pv, pdg, pdb, pc, pdx] = offs as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    parallelFor(
      simd,
      'bnGradStats',
      [pdy, px, pg, pp, pm, pv, pdg, pdb, pc, rows, c, 0, 0],
      11,
      Math.ceil(c / 4),
      2 * n,
    );
    parallelFor(simd, 'bnGradApply', [pdy, px, pm, pc, pdx, c, 0, 0], 6, rows, 3 * n);
    release(backend, params, coef);
  } else {
    batchNormBackwardInto(
      heap(dy),
      heap(x),
      heap(gamma),
      heap(mean),
      heap(variance),
      c,
      args.attrs.epsilon,
      heap(dx),
      heap(dgamma),
      heap(dbeta),
    );
  }
  return [dx, dgamma, dbeta];
}

export const batchNormConfig: KernelConfig = {
  kernelName: BATCH_NORM,
  backendName: 'wasm',
  kernelFunc: forwardWasm as unknown as KernelFunc,
};

export const batchNormGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: backwardWasm as unknown as KernelFunc,
};

/**
 * BraggBatchNorm's gradient: dy of y through BraggBatchNormGrad; dy of the mean and variance
 * outputs (null unless something downstream differentiates them; the layer only feeds them to
 * the moving averages) adds dμ/N and dσ²·2(x − μ)/N. No second derivatives (the grad kernel
 * has no gradient).
 */
const batchNormGradient: GradConfig = {
  kernelName: BATCH_NORM,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [dy, dMean, dVar] = (Array.isArray(dys) ? dys : [dys]) as (tf.Tensor | null)[];
    const epsilon = (attrs as unknown as BatchNormAttrs).epsilon;
    let dx: tf.Tensor;
    let dgamma: tf.Tensor;
    let dbeta: tf.Tensor;
    if (dy !== null && dy !== undefined) {
      [dx, dgamma, dbeta] = tf
        .engine()
        .runKernel(BATCH_NORM_GRAD, { dy, x, gamma, mean, variance }, {
          epsilon,
        } as unknown as NamedAttrMap) as tf.Tensor[] as [tf.Tensor, tf.Tensor, tf.Tensor];
    } else {
      dx = tf.zerosLike(x);
      dgamma = tf.zerosLike(gamma);
      dbeta = tf.zerosLike(gamma);
    }
    const n = x.size / gamma.size;
    if (dMean !== null && dMean !== undefined) dx = tf.add(dx, tf.div(dMean, n));
    if (dVar !== null && dVar !== undefined) {
      dx = tf.add(dx, tf.mul(tf.sub(x, mean), tf.mul(dVar, 2 / n)));
    }
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
};

/**
 * [y, mean, variance] of training-mode batch normalisation over all axes but the last (x
 * float32 channels last, γ and β [c]), through BraggBatchNorm; differentiable.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const attrs: BatchNormAttrs = { epsilon };
  return tf
    .engine()
    .runKernel(BATCH_NORM, { x, gamma, beta }, attrs as unknown as NamedAttrMap) as tf.Tensor[] as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}

/** The fields of tfjs-layers' BatchNormalization the hook reads (private in its typings). */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma?: LayerVariableLike;
  beta?: LayerVariableLike;
  movingMean: LayerVariableLike;
  movingVariance: LayerVariableLike;
}

interface LayerVariableLike {
  read(): tf.Tensor;
  write(v: tf.Tensor): unknown;
}

type Call = (
  this: unknown,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor | tf.Tensor[];

const HOOKED = Symbol.for('bragg.batchNormCall');

/** The single float32 input tensor the fused path takes, or undefined. */
function fusedInput(
  layer: BatchNormLayer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
): tf.Tensor | undefined {
  if (kwargs.training !== true) return undefined;
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  if (x === undefined || x.dtype !== 'float32' || x.rank < 2 || x.rank > 4) return undefined;
  const axis = layer.axis >= 0 ? layer.axis : layer.axis + x.rank;
  if (axis !== x.rank - 1) return undefined;
  if (!layer.center || !layer.scale || layer.gamma === undefined || layer.beta === undefined) {
    return undefined;
  }
  if (getKernel(BATCH_NORM, tf.getBackend()) === undefined) return undefined;
  return x;
}

/** tfjs-layers' doMovingAverage (layers/normalization.js), verbatim. */
function doMovingAverage(variable: LayerVariableLike, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const decay = 1 - momentum;
    const origValue = variable.read();
    const updateDelta = tf.mul(tf.sub(origValue, value), decay);
    variable.write(tf.sub(origValue, updateDelta));
  });
}

function hookCall(original: Call): Call {
  const hooked = function (
    this: unknown,
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] {
    const layer = this as BatchNormLayer;
    const x = fusedInput(layer, inputs, kwargs ?? {});
    if (x === undefined) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(
        x,
        layer.gamma!.read(),
        layer.beta!.read(),
        layer.epsilon,
      );
      doMovingAverage(layer.movingMean, mean, layer.momentum);
      doMovingAverage(layer.movingVariance, variance, layer.momentum);
      return y;
    });
  };
  (hooked as unknown as Record<symbol, Call>)[HOOKED] = original;
  return hooked;
}

function batchNormPrototype(): { call: Call } {
  const layer = tf.layers.batchNormalization({});
  return Object.getPrototypeOf(layer) as { call: Call };
}

/** Whether BatchNormalization's `call` is wrapped (for tests). */
export function batchNormCallHooked(): boolean {
  const call = batchNormPrototype().call as unknown as Record<symbol, unknown>;
  return call[HOOKED] !== undefined;
}

/**
 * Registers BraggBatchNorm and BraggBatchNormGrad for wasm, BraggBatchNorm's gradient, and
 * wraps BatchNormalization's prototype `call` (once). Idempotent.
 */
export function registerBatchNormTraining(): void {
  for (const c of [batchNormConfig, batchNormGradConfig]) {
    if (getKernel(c.kernelName, c.backendName) === undefined) registerKernel(c);
  }
  if (tf.getGradient(BATCH_NORM) !== batchNormGradient) registerGradient(batchNormGradient);
  const proto = batchNormPrototype();
  if (!batchNormCallHooked()) proto.call = hookCall(proto.call);
}
