/**
 * The ReLU gradient in one kernel: tfjs-core computes it as dy · cast(step(x)) — three kernels,
 * three passes over memory and two temporaries per ReLU layer. `BraggReluGrad` {dy, x} → dx
 * does it in one pass with the same values bit for bit (dy where x > 0, dy · 0 where x ≤ 0, NaN
 * where x is NaN), as a SIMD kernel on wasm (wasm/assembly/elementwise.ts) and a JS loop on
 * cpu. `registerReluGradient` puts it under tfjs's gradient of `Relu`; on other backends, for
 * non-float32 tensors, and for gradients of the gradient the stock expression runs.
 */
import * as tf from '@tensorflow/tfjs';
import { getKernel, registerGradient, registerKernel } from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BraggError } from '../../../core/errors.js';
import { heapOffset, simdKernels } from '../simd/module.js';
import { parallelFor } from '../simd/parallel.js';

export const RELU_GRAD = 'BraggReluGrad';

/** dx[i] = dy[i] · (x > 0 ? 1 : 0), NaN where x is NaN (the JS reference and fallback). */
export function reluGradInto(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    dx[i] = dy[i]! * (v > 0 ? 1 : v <= 0 ? 0 : Number.NaN);
  }
}

function float32Pair(inputs: Record<string, TensorInfo>): [TensorInfo, TensorInfo] {
  const dy = inputs.dy;
  const x = inputs.x;
  if (dy === undefined || x === undefined || dy.dtype !== 'float32' || x.dtype !== 'float32') {
    throw new BraggError('INTERNAL', `${RELU_GRAD}: float32 dy and x expected`);
  }
  if (!tf.util.arraysEqual(dy.shape, x.shape)) {
    throw new BraggError('INTERNAL', `${RELU_GRAD}: dy ${dy.shape} and x ${x.shape} differ`);
  }
  return [dy, x];
}

function reluGradWasm(args: {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
}): TensorInfo {
  const { backend } = args;
  const [dy, x] = float32Pair(args.inputs);
  const dx = backend.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  const simd = simdKernels(backend);
  if (simd === undefined) {
    reluGradInto(
      backend.typedArrayFromHeap(dy) as Float32Array,
      backend.typedArrayFromHeap(x) as Float32Array,
      backend.typedArrayFromHeap(dx) as Float32Array,
    );
  } else {
    const offsets = [heapOffset(backend, dy), heapOffset(backend, x), heapOffset(backend, dx)];
    parallelFor(simd, 'reluGrad', [...offsets, 0, 0], 3, n, 3 * n);
  }
  return dx;
}

interface CpuLike {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  readSync(dataId: object): unknown;
}

function reluGradCpu(args: { inputs: Record<string, TensorInfo>; backend: CpuLike }): TensorInfo {
  const { backend } = args;
  const [dy, x] = float32Pair(args.inputs);
  const dv = backend.readSync(dy.dataId);
  const xv = backend.readSync(x.dataId);
  if (!(dv instanceof Float32Array) || !(xv instanceof Float32Array)) {
    throw new BraggError('INTERNAL', `${RELU_GRAD}: float32 data expected on cpu`);
  }
  const out = new Float32Array(xv.length);
  reluGradInto(dv, xv, out);
  return backend.makeTensorInfo([...x.shape], 'float32', out);
}

const CONFIGS: readonly KernelConfig[] = [
  { kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc: reluGradWasm as unknown as KernelFunc },
  { kernelName: RELU_GRAD, backendName: 'cpu', kernelFunc: reluGradCpu as unknown as KernelFunc },
];

/** The stock expression (tfjs-core gradients/Relu_grad): dy · cast(step(x), 'float32'). */
function stockReluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

/** dx = BraggReluGrad(dy, x) where the active backend has the kernel, else the stock expression. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const fused =
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    getKernel(RELU_GRAD, tf.getBackend()) !== undefined;
  if (!fused) return stockReluGrad(dy, x);
  return tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor;
}

/** Relu's gradient through the fused kernel. */
export const reluGradConfig: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const x = saved[0]!;
    return { x: () => reluGrad(dy as tf.Tensor, x) };
  },
};

/**
 * The fused kernel's own gradient (so second derivatives still work): linear in dy with the
 * same mask, zero in x (step is flat almost everywhere, as in tfjs's Step gradient).
 */
const reluGradGradConfig: GradConfig = {
  kernelName: RELU_GRAD,
  inputsToSave: ['x'],
  gradFunc: (ddx, saved) => {
    const x = saved[0]!;
    return {
      dy: () => reluGrad(ddx as tf.Tensor, x),
      x: () => tf.zerosLike(x),
    };
  },
};

/**
 * Registers BraggReluGrad for wasm and cpu and makes it Relu's gradient. Idempotent: tfjs's
 * gradient registry keeps one entry per kernel name and a second registration replaces the
 * first (with a warning in debug mode only), so it is set once, and kernels are registered only
 * where missing.
 */
export function registerReluGradient(): void {
  for (const c of CONFIGS)
    if (getKernel(c.kernelName, c.backendName) === undefined) registerKernel(c);
  if (tf.getGradient('Relu') !== reluGradConfig) registerGradient(reluGradConfig);
  if (tf.getGradient(RELU_GRAD) !== reluGradGradConfig) registerGradient(reluGradGradConfig);
}
