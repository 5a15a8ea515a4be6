/**
 * BatchMatMul for the wasm backend: bragg's SIMD product (matmul-simd.ts) for float32 operands
 * with equal batch dimensions, any transposes. Without the SIMD module (or for broadcast
 * batches) the earlier path below: the stock kernel sends XNNPACK only
 * untransposed single-batch products and runs every transposed product (both matmuls of a dense
 * layer's gradient) through scalar loops. Here a transposed operand is first laid out by the
 * wasm Transpose kernel (one memory pass) and the product runs untransposed; batched products
 * (batch > 1) are split into single-batch XNNPACK calls.
 */
import { getKernel } from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BraggError } from '../../../core/errors.js';
import { simdKernels } from '../simd/module.js';
import { release, reshape, slice, transpose } from './interop.js';
import { batchMatMulSimd } from './matmul-simd.js';

interface Args {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: BatchMatMulAttrs;
}

/** The stock kernel, captured before bragg's override replaces it in the registry. */
export interface StockKernel {
  kernelFunc: KernelFunc;
  setupFunc?: KernelConfig['setupFunc'];
}

function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

/**
 * The product on bragg's SIMD kernel (matmul-simd.ts): float32 operands with the same batch
 * dimensions. Undefined when the module is not loaded or the case is not covered.
 */
function simdProduct(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  attrs: BatchMatMulAttrs,
): TensorInfo | undefined {
  const simd = simdKernels(backend);
  const ra = a.shape.length;
  if (simd === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (ra < 2 || b.shape.length !== ra) return undefined;
  const lead = a.shape.slice(0, -2);
  if (lead.some((d, i) => d !== b.shape[i])) return undefined;
  const transposeA = attrs.transposeA;
  const transposeB = attrs.transposeB;
  const m = a.shape[transposeA ? ra - 1 : ra - 2]!;
  const k = a.shape[transposeA ? ra - 2 : ra - 1]!;
  const n = b.shape[transposeB ? ra - 2 : ra - 1]!;
  if (b.shape[transposeB ? ra - 1 : ra - 2] !== k) return undefined;
  const batch = lead.reduce((p, q) => p * q, 1);
  const shape = { m, n, k, transposeA, transposeB };
  return batchMatMulSimd(backend, simd, a, b, shape, batch, [...lead, m, n]);
}

/** `simd`: try bragg's SIMD product first (off: the earlier transposes + XNNPACK path). */
export function makeBatchMatMulConfig(stock: StockKernel, simd = true): KernelConfig {
  const plain = (backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo => {
    const out = stock.kernelFunc({
      inputs: { a, b },
      backend,
      attrs: { transposeA: false, transposeB: false },
    });
    if (Array.isArray(out)) throw new BraggError('INTERNAL', 'BatchMatMul: one output expected');
    return out;
  };
  const kernelFunc = (args: Args): TensorInfo => {
    const { backend, attrs } = args;
    let a = args.inputs.a!;
    let b = args.inputs.b!;
    const viaSimd = simd ? simdProduct(backend, a, b, attrs) : undefined;
    if (viaSimd !== undefined) return viaSimd;
    const temps: TensorInfo[] = [];
    if (attrs.transposeA) {
      a = transpose(backend, a, swapLast(a.shape.length));
      temps.push(a);
    }
    if (attrs.transposeB) {
      b = transpose(backend, b, swapLast(b.shape.length));
      temps.push(b);
    }
    const batchA = a.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const batchB = b.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    let out: TensorInfo;
    if (batchA === 1 && batchB === 1) {
      out = plain(backend, a, b);
    } else if (a.shape.length === b.shape.length && batchA === batchB) {
      // Same batch dims: one XNNPACK product per batch entry, written into one output.
      const m = a.shape[a.shape.length - 2]!;
      const k = a.shape[a.shape.length - 1]!;
      const n = b.shape[b.shape.length - 1]!;
      const a3 = reshape(backend, a, [batchA, m, k]);
      const b3 = reshape(backend, b, [batchB, k, n]);
      const joined = backend.makeOutput([batchA, m, n], 'float32');
      for (let i = 0; i < batchA; i++) {
        const ai = slice(backend, a3, [i, 0, 0], [1, m, k]);
        const bi = slice(backend, b3, [i, 0, 0], [1, k, n]);
        const part = plain(backend, ai, bi);
        const dst = backend.typedArrayFromHeap(joined) as Float32Array;
        dst.set(backend.typedArrayFromHeap(part) as Float32Array, i * m * n);
        release(backend, ai, bi, part);
      }
      release(backend, a3, b3);
      out = reshape(backend, joined, [...a.shape.slice(0, -2), m, n]);
      release(backend, joined);
    } else {
      // Broadcast batch dims: rare in bragg's nets; the stock kernel handles them.
      out = plain(backend, a, b);
    }
    release(backend, ...temps);
    return out;
  };
  const cfg: KernelConfig = {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
  if (stock.setupFunc !== undefined) cfg.setupFunc = stock.setupFunc;
  return cfg;
}

/** A stock wasm kernel (throws if tfjs-backend-wasm is not loaded). */
export function stockKernel(name: string): StockKernel {
  const k = getKernel(name, 'wasm');
  if (k === undefined) throw new BraggError('INTERNAL', `tfjs-backend-wasm ${name} not registered`);
  const s: StockKernel = { kernelFunc: k.kernelFunc };
  if (k.setupFunc !== undefined) s.setupFunc = k.setupFunc;
  return s;
}

/** The stock wasm BatchMatMul kernel (throws if tfjs-backend-wasm is not loaded). */
export function stockBatchMatMul(): StockKernel {
  return stockKernel('BatchMatMul');
}
