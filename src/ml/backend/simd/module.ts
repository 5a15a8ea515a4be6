/**
 * bragg's own SIMD kernels for the tfjs wasm backend (`wasm/assembly`, AssemblyScript, built to
 * `dist/wasm/` by `scripts/build-wasm.mjs`).
 *
 * The module imports tfjs-backend-wasm's linear memory, so its kernels read and write tensors
 * in place (byte offsets from `backend.typedArrayFromHeap(t).byteOffset`): no copies between
 * heaps. It owns no memory of its own (no data, no heap, no shadow stack); scratch space is a
 * temporary tfjs tensor passed in by the caller.
 *
 * Four builds: fused multiply-add (relaxed SIMD) or plain SIMD128 mul + add, for a shared memory
 * (the multithreaded tfjs build) or a private one. Relaxed SIMD is standard in V8 ≥ 11.4; Node 20
 * ships V8 11.3, where it sits behind `--experimental-wasm-relaxed-simd`: the loader sets that
 * flag (it only affects modules compiled afterwards) when the relaxed build does not validate
 * otherwise. `BRAGG_WASM_FMA=0` keeps the plain build, `BRAGG_SIMD_KERNELS=0` turns bragg's SIMD
 * kernels off altogether (the earlier JS / XNNPACK kernels run instead).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { packageRoot } from '../../../core/paths.js';
import { wasmApi } from './wasm-api.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';

/** Signatures of the exported kernels (byte offsets and sizes are i32; see wasm/assembly). */
export interface SimdExports {
  features(): number;
  sumRows(
    x: number,
    out: number,
    rows: number,
    cols: number,
    r0: number,
    r1: number,
    accumulate: number,
  ): void;
}

export interface SimdKernels {
  exports: SimdExports;
  /** The module was built with fused multiply-add (relaxed SIMD). */
  fma: boolean;
  /** The tfjs memory is shared (multithreaded build). */
  shared: boolean;
  /** The compiled module (for worker threads instantiating it over the same shared memory). */
  module: WasmModule;
  memory: WasmMemory;
}

interface EmscriptenLike {
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
}

const LOADED = new WeakMap<object, SimdKernels | null>();

/** Where the built modules are (dist/wasm under the package root). */
export function simdKernelDir(): string {
  return join(packageRoot(), 'dist', 'wasm');
}

function off(name: string): boolean {
  const v = process.env[name];
  return v === '0' || v === 'false' || v === 'off';
}

function compile(bytes: Uint8Array): WasmModule | undefined {
  if (wasmApi.validate(bytes)) return new wasmApi.Module(bytes);
  return undefined;
}

/** Compiles the relaxed-SIMD build, enabling V8's flag for it if it does not validate as is. */
function compileRelaxed(bytes: Uint8Array): WasmModule | undefined {
  const m = compile(bytes);
  if (m !== undefined) return m;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return undefined;
  }
  return compile(bytes);
}

function memoryOf(backend: BackendWasm): WasmMemory | undefined {
  const mod = backend.wasm as unknown as EmscriptenLike;
  return mod.wasmMemory ?? mod.asm?.memory;
}

/**
 * bragg's SIMD kernels bound to the memory of this wasm backend, or undefined when they are
 * turned off or not built (the callers then use their fallback kernels). Loaded once per
 * backend module.
 */
export function simdKernels(backend: BackendWasm): SimdKernels | undefined {
  if (off('BRAGG_SIMD_KERNELS')) return undefined;
  const key = backend.wasm as object;
  const cached = LOADED.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const loaded = load(backend);
  LOADED.set(key, loaded ?? null);
  return loaded;
}

function load(backend: BackendWasm): SimdKernels | undefined {
  const memory = memoryOf(backend);
  if (memory === undefined) return undefined;
  const shared = memory.buffer instanceof SharedArrayBuffer;
  const flavour = shared ? 'shared' : 'private';
  const dir = simdKernelDir();
  const tryBuild = (fma: boolean): SimdKernels | undefined => {
    const file = join(dir, `kernels-${fma ? 'relaxed' : 'simd'}-${flavour}.wasm`);
    if (!existsSync(file)) return undefined;
    const bytes = readFileSync(file);
    const module = fma ? compileRelaxed(bytes) : compile(bytes);
    if (module === undefined) return undefined;
    const instance = new wasmApi.Instance(module, { env: { memory } });
    const exports = instance.exports as unknown as SimdExports;
    if (exports.features() !== (fma ? 2 : 1)) return undefined;
    return { exports, fma, shared, module, memory };
  };
  return (off('BRAGG_WASM_FMA') ? undefined : tryBuild(true)) ?? tryBuild(false);
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(
  backend: BackendWasm,
  t: Parameters<BackendWasm['typedArrayFromHeap']>[0],
): number {
  return backend.typedArrayFromHeap(t).byteOffset;
}
