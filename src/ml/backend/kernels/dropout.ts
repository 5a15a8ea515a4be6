/**
 * Seeded dropout with tfjs's own masks, without tfjs's cost: `tf.dropout(x, rate, _, seed)`
 * draws its uniforms one by one in JS (seedrandom's alea, about 19 ns each: 2.6 of phase1d's
 * 3.2 ms dropout) and then runs Add, Floor and RealDiv over them. `BraggDropoutMultiplier`
 * (wasm) continues the same alea generator from the state seedrandom reports for the seed and
 * writes floor(u + keep) / keep in one pass (wasm/assembly/random.ts), bit for bit the
 * multiplier tfjs would make; `seededDropout` multiplies x by it, so values and gradients are
 * unchanged. Other backends run `tf.dropout` itself.
 */
import * as tf from '@tensorflow/tfjs';
import { getKernel, registerKernel } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import seedrandom from 'seedrandom';
import { BraggError } from '../../../core/errors.js';
import { heapOffset, simdKernels } from '../simd/module.js';

export const DROPOUT_MULTIPLIER = 'BraggDropoutMultiplier';

export interface DropoutMultiplierAttrs {
  shape: number[];
  rate: number;
  seed: number;
}

interface AleaState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}

/** The alea generator tfjs's randomUniform would start from for `seed` (tfjs: seed.toString()). */
export function aleaState(seed: number): AleaState {
  const st = seedrandom.alea(String(seed), { state: true }).state() as Partial<AleaState>;
  const { c, s0, s1, s2 } = st;
  if (![c, s0, s1, s2].every((v) => typeof v === 'number')) {
    throw new BraggError('INTERNAL', 'seedrandom alea state has no c, s0, s1, s2');
  }
  return { c: c!, s0: s0!, s1: s1!, s2: s2! };
}

/** floor(u + keep) / keep over alea's uniforms in float32, in JS (fallback and reference). */
export function dropoutMultiplierJs(n: number, rate: number, seed: number): Float32Array {
  const random = seedrandom.alea(String(seed));
  const keep = Math.fround(1 - rate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.fround(random());
    out[i] = Math.fround(Math.floor(Math.fround(u + keep)) / keep);
  }
  return out;
}

function multiplierWasm(args: { backend: BackendWasm; attrs: DropoutMultiplierAttrs }): TensorInfo {
  const { backend, attrs } = args;
  const out = backend.makeOutput([...attrs.shape], 'float32');
  const n = attrs.shape.reduce((p, q) => p * q, 1);
  const simd = simdKernels(backend);
  if (simd === undefined) {
    (backend.typedArrayFromHeap(out) as Float32Array).set(
      dropoutMultiplierJs(n, attrs.rate, attrs.seed),
    );
    return out;
  }
  const s = aleaState(attrs.seed);
  const keep = 1 - attrs.rate;
  simd.exports.dropoutMultiplier(heapOffset(backend, out), n, s.c, s.s0, s.s1, s.s2, keep);
  return out;
}

const CONFIG: KernelConfig = {
  kernelName: DROPOUT_MULTIPLIER,
  backendName: 'wasm',
  kernelFunc: multiplierWasm as unknown as KernelFunc,
};

/** Registers BraggDropoutMultiplier for wasm (idempotent). */
export function registerDropoutKernel(): void {
  if (getKernel(DROPOUT_MULTIPLIER, 'wasm') === undefined) registerKernel(CONFIG);
}

/**
 * `tf.dropout(x, rate, undefined, seed)` with the same result and gradient: x · multiplier,
 * the multiplier from BraggDropoutMultiplier where the active backend has it.
 */
export function seededDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const fast =
    x.dtype === 'float32' &&
    rate > 0 &&
    getKernel(DROPOUT_MULTIPLIER, tf.getBackend()) !== undefined;
  if (!fast) return tf.dropout(x, rate, undefined, seed);
  return tf.tidy(() => {
    const attrs: DropoutMultiplierAttrs = { shape: [...x.shape], rate, seed };
    const m = tf.engine().runKernel(DROPOUT_MULTIPLIER, {}, attrs as unknown as tf.NamedAttrMap);
    return tf.mul(x, m as tf.Tensor);
  });
}
