/**
 * Fused optimiser updates: one kernel call per variable instead of ~12 elementwise kernels
 * (each with engine bookkeeping and a pass over memory). Registered for `wasm` and `cpu`.
 *
 * The arithmetic is the composite tensor expressions of src/ml/train/optimizers.ts evaluated in
 * float64 and rounded to float32 once per stored value (the composite path rounds after every
 * operation; the two agree to a few float32 ulps). The same JS loop serves both backends, so
 * wasm and cpu updates are bit-identical. Rounding after every operation as well
 * (`Math.fround`) was measured at twice the time of this loop.
 *
 *   BraggAdamUpdate  {x, m, v, g} → [x', m', v']
 *   BraggSgdUpdate   {x, g[, b]} → [x'(, b')]
 */
import { registerKernel, getKernel } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BraggError } from '../../../core/errors.js';
import { adamUpdateSimd } from './adam-simd.js';

export const ADAM_UPDATE = 'BraggAdamUpdate';
export const SGD_UPDATE = 'BraggSgdUpdate';

export interface AdamUpdateAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ. */
  c1: number;
  c2: number;
  /** Decoupled weight decay λ (0: plain Adam). */
  weightDecay: number;
}

export interface SgdUpdateAttrs {
  lr: number;
  momentum: number;
  nesterov: boolean;
}

/** Float32 access to tensors of one backend (views are valid until the next allocation). */
interface F32Io {
  alloc(shape: readonly number[]): TensorInfo;
  view(t: TensorInfo): Float32Array;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}
interface CpuLike {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  readSync(dataId: object): unknown;
}

function io(backendName: 'wasm' | 'cpu', backend: unknown): F32Io {
  if (backendName === 'wasm') {
    const b = backend as WasmLike;
    return { alloc: (s) => b.makeOutput([...s], 'float32'), view: (t) => b.typedArrayFromHeap(t) };
  }
  const b = backend as CpuLike;
  return {
    alloc: (s) =>
      b.makeTensorInfo([...s], 'float32', new Float32Array(s.reduce((p, q) => p * q, 1))),
    view: (t) => {
      const v = b.readSync(t.dataId);
      if (!(v instanceof Float32Array))
        throw new BraggError('INTERNAL', 'fused optimiser: float32 tensor expected');
      return v;
    },
  };
}

function float32(t: TensorInfo, what: string): TensorInfo {
  if (t.dtype !== 'float32') {
    throw new BraggError('INTERNAL', `${what}: float32 expected, got ${t.dtype}`);
  }
  return t;
}

function adamKernel(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as AdamUpdateAttrs;
    const x = float32(inputs.x!, ADAM_UPDATE);
    const shape = x.shape;
    const { beta1: b1, beta2: b2, c1, c2, epsilon: eps, lr } = a;
    const a1 = 1 - b1;
    const a2 = 1 - b2;
    const decay = 1 - lr * a.weightDecay;
    if (backendName === 'wasm') {
      const k = { beta1: b1, beta2: b2, a1, a2, c1, c2, epsilon: eps, lr, decay };
      const { m, v, g } = inputs as Record<'m' | 'v' | 'g', TensorInfo>;
      const simd = adamUpdateSimd(backend as BackendWasm, { x, m, v, g }, k);
      if (simd !== undefined) return simd;
    }
    const acc = io(backendName, backend);
    const outs = [acc.alloc(shape), acc.alloc(shape), acc.alloc(shape)] as const;
    const [xv, mv, vv, gv] = [x, inputs.m!, inputs.v!, inputs.g!].map((t) => acc.view(t)) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const [xo, mo, vo] = outs.map((t) => acc.view(t)) as [Float32Array, Float32Array, Float32Array];
    for (let i = 0; i < xv.length; i++) {
      const g = gv[i]!;
      const m = mv[i]! * b1 + g * a1;
      const v = vv[i]! * b2 + g * g * a2;
      mo[i] = m;
      vo[i] = v;
      xo[i] = xv[i]! * decay - (m / c1 / (Math.sqrt(v / c2) + eps)) * lr;
    }
    return [...outs];
  };
}

function sgdKernel(backendName: 'wasm' | 'cpu'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as SgdUpdateAttrs;
    const x = float32(inputs.x!, SGD_UPDATE);
    const withMomentum = inputs.b !== undefined;
    const acc = io(backendName, backend);
    const outs = withMomentum ? [acc.alloc(x.shape), acc.alloc(x.shape)] : [acc.alloc(x.shape)];
    const xv = acc.view(x);
    const gv = acc.view(inputs.g!);
    const bv = withMomentum ? acc.view(inputs.b!) : gv;
    const xo = acc.view(outs[0]!);
    const bo = withMomentum ? acc.view(outs[1]!) : xo;
    const { momentum: mu, lr, nesterov } = a;
    for (let i = 0; i < xv.length; i++) {
      const g = gv[i]!;
      let u = g;
      if (withMomentum) {
        // The stored (float32) buffer is what the next step reads: round before reuse.
        const nb = Math.fround(bv[i]! * mu + g);
        bo[i] = nb;
        u = nesterov ? g + nb * mu : nb;
      }
      xo[i] = xv[i]! - u * lr;
    }
    return outs;
  };
}

/** Registers the fused optimiser kernels for `wasm` and `cpu` (idempotent). */
export function registerFusedOptimizerKernels(): void {
  for (const backendName of ['wasm', 'cpu'] as const) {
    const configs: KernelConfig[] = [
      { kernelName: ADAM_UPDATE, backendName, kernelFunc: adamKernel(backendName) },
      { kernelName: SGD_UPDATE, backendName, kernelFunc: sgdKernel(backendName) },
    ];
    for (const c of configs)
      if (getKernel(c.kernelName, backendName) === undefined) registerKernel(c);
  }
}

/** Whether the fused kernel `name` exists for the active backend. */
export function hasFusedKernel(name: string, backendName: string): boolean {
  return getKernel(name, backendName) !== undefined;
}
