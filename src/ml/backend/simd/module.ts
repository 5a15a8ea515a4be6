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
 * otherwise.
 *
 * Which build loads, whether any does and on how many threads is decided by the `SimdSettings`
 * the caller attaches to a backend (`initBackend` derives them from its `BackendConfig`:
 * `fma: false` keeps the plain build, `simdKernels: false` turns bragg's SIMD kernels off
 * altogether and the earlier JS / XNNPACK kernels run instead). tfjs calls a kernel with its
 * backend only, so the kernels find their `SimdKernels` through the backend they run on: each
 * wasm backend (each emscripten module) owns the object made from its own settings, and two
 * backends made from different configurations never share one. Nothing here reads the
 * environment or keeps settings between backends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { packageRoot } from '../../../core/paths.js';
import { PARALLEL_MIN_WORK } from '../config.js';
import { SimdPool } from './kernel-pool.js';
import { wasmApi } from './wasm-api.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';

/** x, y, dy, dx, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, begin, end (pool.ts). */
type PoolGradArgs = [
  x: number,
  y: number,
  dy: number,
  dx: number,
  h: number,
  w: number,
  c: number,
  oh: number,
  ow: number,
  fh: number,
  fw: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  pt: number,
  pl: number,
  begin: number,
  end: number,
];

/** Signatures of the exported kernels (byte offsets and sizes are i32; see wasm/assembly). */
export interface SimdExports {
  features(): number;
  // pool.ts (max-pooling gradient; src/ml/backend/kernels/max-pool-grad.ts): range over
  // (batch · outHeight) rows when sh ≥ fh, over images otherwise.
  maxPoolGradRows(...args: PoolGradArgs): void;
  maxPoolGradImages(...args: PoolGradArgs): void;
  /** x, y, h, w, c, oh, ow, fh, fw, sh, sw, dh, dw, pt, pl, begin, end: range over n · oh. */
  maxPoolRows(...args: number[]): void;
  // elementwise.ts (relu-grad.ts, bias-add.ts): ranges over elements and rows.
  reluGrad(dy: number, x: number, dx: number, e0: number, e1: number): void;
  // optimizer.ts (fused-optimizers.ts via adam-simd.ts): x, m, v, g, x', m', v' offsets, then
  // the offset of β₁, β₂, a₁, a₂, c₁, c₂, ε, lr, decay (nine float64), range over elements.
  adamUpdate(...args: number[]): void;
  // random.ts (dropout.ts): sequential (alea), no range.
  dropoutMultiplier(
    out: number,
    n: number,
    c: number,
    s0: number,
    s1: number,
    s2: number,
    keep: number,
  ): void;
  biasAdd(x: number, b: number, out: number, c: number, r0: number, r1: number): void;
  /** In place: y += b (mode bit 0), then activation mode >> 1 (0 none, 1 ReLU, 2 leaky). */
  biasActivation(
    y: number,
    b: number,
    alpha: number,
    c: number,
    mode: number,
    r0: number,
    r1: number,
  ): void;
  /** out[o, i] = Σ_m x[o, m, i] / n; range over o. */
  meanMiddle(
    x: number,
    out: number,
    mid: number,
    inner: number,
    n: number,
    o0: number,
    o1: number,
  ): void;
  // conv-filter.ts (Conv2D filter gradient; src/ml/backend/kernels/conv2d-filter-simd.ts)
  convFilterGrad(
    xp: number,
    dy: number,
    dw: number,
    offs: number,
    taps: number,
    cols: number,
    n: number,
    oh: number,
    ow: number,
    xImage: number,
    xRow: number,
    xCol: number,
    dyPixel: number,
    dyPanel: number,
    blockRows: number,
    blockCols: number,
    panelTaps: number,
    panelCols: number,
    p0: number,
    p1: number,
  ): void;
  packPanels(
    src: number,
    dst: number,
    rows: number,
    cols: number,
    width: number,
    r0: number,
    r1: number,
  ): void;
  packPanelsT(
    src: number,
    dst: number,
    rows: number,
    cols: number,
    width: number,
    r0: number,
    r1: number,
  ): void;
  /** out[c] = Σ_r x[r, c]; range over column quads. */
  sumRows(x: number, out: number, rows: number, cols: number, q0: number, q1: number): void;
  // conv.ts (direct NHWC convolution; src/ml/backend/kernels/conv2d-simd.ts)
  convPadInput(
    x: number,
    xp: number,
    h: number,
    w: number,
    c: number,
    hp: number,
    wp: number,
    top: number,
    left: number,
    r0: number,
    r1: number,
  ): void;
  convPackFilter(w: number, out: number, k: number, co: number, p0: number, p1: number): void;
  convPackFilterFlipped(
    w: number,
    out: number,
    kh: number,
    kw: number,
    ci: number,
    co: number,
    p0: number,
    p1: number,
  ): void;
  conv2dForward(
    xp: number,
    wk: number,
    y: number,
    hp: number,
    wp: number,
    ci: number,
    oh: number,
    ow: number,
    co: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    r0: number,
    r1: number,
  ): void;
  // winograd.ts (Winograd F(2×2, 3×3); src/ml/backend/kernels/conv2d-winograd.ts): the filter
  // transform over output-channel panels, the convolution over parts of the tiles (each part
  // with its own scratch).
  winogradFilter(
    w: number,
    u: number,
    fi: number,
    fo: number,
    flipped: number,
    p0: number,
    p1: number,
  ): void;
  winogradConv(
    xp: number,
    u: number,
    y: number,
    scratch: number,
    hp: number,
    wp: number,
    ci: number,
    oh: number,
    ow: number,
    co: number,
    n: number,
    tc: number,
    parts: number,
    k0: number,
    k1: number,
  ): void;
  // batchnorm.ts (src/ml/backend/kernels/batch-norm.ts): per-column statistics over column
  // quads, the elementwise passes over rows.
  bnStats(
    x: number,
    gamma: number,
    params: number,
    mean: number,
    variance: number,
    scale: number,
    rows: number,
    cols: number,
    q0: number,
    q1: number,
  ): void;
  bnApply(
    x: number,
    mean: number,
    scale: number,
    beta: number,
    y: number,
    cols: number,
    r0: number,
    r1: number,
  ): void;
  bnGradStats(
    dy: number,
    x: number,
    gamma: number,
    params: number,
    mean: number,
    variance: number,
    dgamma: number,
    dbeta: number,
    coef: number,
    rows: number,
    cols: number,
    q0: number,
    q1: number,
  ): void;
  bnGradApply(
    dy: number,
    x: number,
    mean: number,
    coef: number,
    dx: number,
    cols: number,
    r0: number,
    r1: number,
  ): void;
  // net1d.ts (src/ml/backend/net1d.ts): a whole chain of Conv1D / pool / dense stages per
  // chunk of profiles; range over the parts of the batch (each with its own scratch).
  net1dForward(
    prog: number,
    consts: number,
    x: number,
    out: number,
    scratch: number,
    n: number,
    items: number,
    i0: number,
    i1: number,
  ): void;
}

/** What bragg's SIMD kernels on one wasm backend run with (made from a `BackendConfig`). */
export interface SimdSettings {
  /** Load bragg's SIMD kernels at all (off: callers use their fallback kernels). */
  readonly enabled: boolean;
  /** Prefer the fused multiply-add (relaxed SIMD) build; off: plain SIMD128. */
  readonly fma: boolean;
  /** Threads for bragg's kernels (caller + workers); undefined: the tfjs module's count. */
  readonly threads: number | undefined;
  /** Element operations below which a call is not split (simd/parallel.ts). */
  readonly parallelMinWork: number;
}

/** The settings of a wasm backend that `initBackend` did not start (plain `tf.setBackend`). */
export const DEFAULT_SIMD_SETTINGS: SimdSettings = Object.freeze({
  enabled: true,
  fma: true,
  threads: undefined,
  parallelMinWork: PARALLEL_MIN_WORK,
});

export interface SimdKernels {
  exports: SimdExports;
  /** The module was built with fused multiply-add (relaxed SIMD). */
  fma: boolean;
  /** The tfjs memory is shared (multithreaded build). */
  shared: boolean;
  /** The compiled module (for worker threads instantiating it over the same shared memory). */
  module: WasmModule;
  memory: WasmMemory;
  /** Worker threads sharing the memory (multithreaded tfjs build with > 1 thread only). */
  pool?: SimdPool;
  /** Threads the kernels run on: the caller and the pool's workers. */
  readonly threads: number;
  /** Element operations below which parallelFor keeps a call on the calling thread. */
  readonly parallelMinWork: number;
  /** The settings this object was made from. */
  readonly settings: SimdSettings;
}

interface EmscriptenLike {
  tfjs?: { getThreadsCount?: () => number };
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
}

/**
 * Per wasm backend module: the settings attached to it and the kernels made from them
 * (undefined when off or not built). Keyed by the backend's own module, so the entry lives and
 * dies with that backend; it holds no setting that another backend could pick up.
 */
const ATTACHED = new WeakMap<
  object,
  { settings: SimdSettings; kernels: SimdKernels | undefined }
>();

/** Where the built modules are (dist/wasm under the package root). */
export function simdKernelDir(): string {
  return join(packageRoot(), 'dist', 'wasm');
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

/** Whether bragg's SIMD kernels are built (dist/wasm). */
export function simdKernelsBuilt(): boolean {
  return existsSync(join(simdKernelDir(), 'kernels-simd-shared.wasm'));
}

function sameSettings(a: SimdSettings, b: SimdSettings): boolean {
  return (
    a.enabled === b.enabled &&
    a.fma === b.fma &&
    a.threads === b.threads &&
    a.parallelMinWork === b.parallelMinWork
  );
}

/**
 * Makes this wasm backend's SIMD kernels follow `settings` and returns them (undefined when
 * turned off or not built). The same settings again return the same object; other settings
 * replace it (its worker threads are stopped) with one made from them.
 */
export function attachSimdKernels(
  backend: BackendWasm,
  settings: SimdSettings,
): SimdKernels | undefined {
  const key = backend.wasm as object;
  const previous = ATTACHED.get(key);
  if (previous !== undefined && sameSettings(previous.settings, settings)) return previous.kernels;
  previous?.kernels?.pool?.close();
  const kernels = settings.enabled ? load(backend, settings) : undefined;
  ATTACHED.set(key, { settings, kernels });
  return kernels;
}

/** Stops this backend's SIMD worker threads and forgets its kernels (the backend is going). */
export function detachSimdKernels(backend: BackendWasm): void {
  const key = backend.wasm as object;
  ATTACHED.get(key)?.kernels?.pool?.close();
  ATTACHED.delete(key);
}

/**
 * bragg's SIMD kernels bound to the memory of this wasm backend, as attached by
 * `attachSimdKernels` (`initBackend` does it from its configuration), or undefined when they
 * are turned off or not built (the callers then use their fallback kernels). A backend nothing
 * was attached to (started by plain `tf.setBackend('wasm')`) gets DEFAULT_SIMD_SETTINGS.
 */
export function simdKernels(backend: BackendWasm): SimdKernels | undefined {
  const attached = ATTACHED.get(backend.wasm as object);
  if (attached !== undefined) return attached.kernels;
  return attachSimdKernels(backend, DEFAULT_SIMD_SETTINGS);
}

function load(backend: BackendWasm, settings: SimdSettings): SimdKernels | undefined {
  const memory = memoryOf(backend);
  if (memory === undefined) return undefined;
  const shared = memory.buffer instanceof SharedArrayBuffer;
  const flavour = shared ? 'shared' : 'private';
  const dir = simdKernelDir();
  const threads =
    settings.threads ?? (backend.wasm as unknown as EmscriptenLike).tfjs?.getThreadsCount?.() ?? 1;
  const tryBuild = (fma: boolean): SimdKernels | undefined => {
    const file = join(dir, `kernels-${fma ? 'relaxed' : 'simd'}-${flavour}.wasm`);
    if (!existsSync(file)) return undefined;
    const bytes = readFileSync(file);
    const module = fma ? compileRelaxed(bytes) : compile(bytes);
    if (module === undefined) return undefined;
    const instance = new wasmApi.Instance(module, { env: { memory } });
    const exports = instance.exports as unknown as SimdExports;
    if (exports.features() !== (fma ? 2 : 1)) return undefined;
    let pool: SimdPool | undefined;
    if (shared && threads > 1) {
      const names = Object.keys(instance.exports).filter(
        (k) => typeof instance.exports[k] === 'function',
      );
      pool = new SimdPool(module, memory, names, threads - 1);
    }
    return {
      exports,
      fma,
      shared,
      module,
      memory,
      ...(pool === undefined ? {} : { pool }),
      threads: 1 + (pool?.size ?? 0),
      parallelMinWork: settings.parallelMinWork,
      settings,
    };
  };
  return (settings.fma ? tryBuild(true) : undefined) ?? tryBuild(false);
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(
  backend: BackendWasm,
  t: Parameters<BackendWasm['typedArrayFromHeap']>[0],
): number {
  return backend.typedArrayFromHeap(t).byteOffset;
}
