/**
 * Backend selection for bragg's TensorFlow.js work: `tensorflow` (native, when
 * `@tensorflow/tfjs-node` loads) → `wasm` (XNNPACK, multithreaded, with bragg's training kernels)
 * → `cpu`. Override with the `backend` option (CLI `--backend`) or `BRAGG_BACKEND`; the thread
 * count with `threads` (`--threads`) or `BRAGG_THREADS` (default: all cores).
 */
import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { BraggError, ValidationError } from '../../core/errors.js';
import { registerFusedOptimizerKernels } from './kernels/fused-optimizers.js';
import { registerWasmTrainingKernels } from './kernels/register.js';
import { guardWasmMalloc } from './malloc-guard.js';
import { setSimdThreads, simdKernelsEnabled } from './simd/module.js';
import { loadThreadedWasmModule } from './wasm-threads.js';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendOptions {
  /** `auto` (default) tries tensorflow → wasm → cpu. */
  backend?: BackendName | 'auto';
  /** Threads for the wasm backend (default: BRAGG_THREADS or all cores). */
  threads?: number;
}

export interface BackendInfo {
  backend: BackendName;
  requested: BackendName | 'auto';
  threads: number;
  simd: boolean;
  multithreaded: boolean;
  /** Threads of XNNPACK's pool (tfjs's own wasm kernels); bragg's SIMD kernels use `threads`. */
  xnnpackThreads: number;
  versions: Record<string, string>;
  /** Why earlier candidates were skipped, in order. */
  notes: string[];
}

function parseBackend(v: string | undefined, field: string): BackendName | 'auto' | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'auto' || (BACKEND_NAMES as readonly string[]).includes(v))
    return v as BackendName | 'auto';
  throw new ValidationError(
    `unknown backend '${v}'; expected one of auto, ${BACKEND_NAMES.join(', ')}`,
    field,
  );
}

function parseThreads(v: number | string | undefined, field: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new ValidationError(`thread count must be an integer in 1..64, got ${String(v)}`, field);
  }
  return n;
}

/** Resolves options against the environment (flag wins over env var). */
export function resolveBackendOptions(opts: BackendOptions = {}): {
  backend: BackendName | 'auto';
  threads: number;
} {
  const backend =
    parseBackend(opts.backend, '--backend') ??
    parseBackend(process.env.BRAGG_BACKEND, 'BRAGG_BACKEND') ??
    'auto';
  const threads =
    parseThreads(opts.threads, '--threads') ??
    parseThreads(process.env.BRAGG_THREADS, 'BRAGG_THREADS') ??
    Math.max(1, availableParallelism());
  return { backend, threads };
}

async function tryTensorflow(): Promise<void> {
  const name = '@tensorflow/tfjs-node';
  await import(name);
  if (!(await tf.setBackend('tensorflow')))
    throw new BraggError('BACKEND', 'tensorflow backend did not start');
}

interface WasmPackage {
  BackendWasm: new (m: unknown) => tf.KernelBackend;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  version_wasm: string;
}

/**
 * XNNPACK's pool size (tfjs's own kernels) when bragg uses `threads`: BRAGG_XNNPACK_THREADS,
 * default 1 while bragg's SIMD kernels (which do the convolutions, matmuls and the rest of a
 * training step on their own worker threads) are on, else `threads`. XNNPACK's pool threads
 * keep spinning after each operation and then compete with bragg's for the cores: on the
 * 2-core machine small2d took 50–56 ms per step with both pools at 2 threads and 23–36 ms with
 * XNNPACK at 1 (xception, where XNNPACK still runs the depthwise convolutions: 3.4 vs 3.8 s).
 */
function xnnpackThreads(threads: number): number {
  return (
    parseThreads(process.env.BRAGG_XNNPACK_THREADS, 'BRAGG_XNNPACK_THREADS') ??
    (simdKernelsEnabled() ? 1 : threads)
  );
}

async function tryWasm(
  threads: number,
  notes: string[],
): Promise<{ threads: number; multithreaded: boolean; xnnpackThreads: number }> {
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  registerWasmTrainingKernels();
  if (threads > 1) {
    try {
      const xnn = xnnpackThreads(threads);
      setSimdThreads(threads);
      const mod = await loadThreadedWasmModule(xnn, wasm.version_wasm);
      wasm.setThreadsCount(xnn);
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', () => new wasm.BackendWasm(mod), 2);
      if (await tf.setBackend('wasm')) {
        guardActiveWasm();
        return { threads, multithreaded: true, xnnpackThreads: xnn };
      }
    } catch (err) {
      notes.push(
        `threaded wasm failed (${err instanceof Error ? err.message : String(err)}); using 1 thread`,
      );
    }
  }
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new BraggError('BACKEND', 'wasm backend did not start');
  guardActiveWasm();
  return { threads: 1, multithreaded: false, xnnpackThreads: 1 };
}

function guardActiveWasm(): void {
  guardWasmMalloc(
    (tf.backend() as unknown as { wasm: Parameters<typeof guardWasmMalloc>[0] }).wasm,
  );
}

let current: { key: string; info: Promise<BackendInfo> } | undefined;

/**
 * Selects and initialises the backend (once per distinct request; later calls with the same
 * request return the same info). Throws a ValidationError when an explicitly requested backend
 * cannot start.
 */
export function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const { backend, threads } = resolveBackendOptions(opts);
  const key = `${backend}:${threads}`;
  if (current?.key === key) return current.info;
  const info = selectBackend(backend, threads);
  current = { key, info };
  info.catch(() => {
    if (current?.key === key) current = undefined;
  });
  return info;
}

async function selectBackend(
  requested: BackendName | 'auto',
  threads: number,
): Promise<BackendInfo> {
  const notes: string[] = [];
  registerFusedOptimizerKernels();
  const candidates: BackendName[] = requested === 'auto' ? [...BACKEND_NAMES] : [requested];
  for (const name of candidates) {
    try {
      let t = 1;
      let multithreaded = false;
      let xnn = 1;
      if (name === 'tensorflow') await tryTensorflow();
      else if (name === 'wasm')
        ({ threads: t, multithreaded, xnnpackThreads: xnn } = await tryWasm(threads, notes));
      else if (!(await tf.setBackend('cpu')))
        throw new BraggError('BACKEND', 'cpu backend did not start');
      const simd =
        name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
      return {
        backend: name,
        requested,
        threads: t,
        simd,
        multithreaded,
        xnnpackThreads: xnn,
        versions: versions(),
        notes,
      };
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      if (requested !== 'auto') {
        throw new ValidationError(`backend '${name}' is not available: ${msg}`, '--backend', {
          cause: err,
        });
      }
      notes.push(`${name}: ${msg}`);
    }
  }
  throw new BraggError('BACKEND', `no TensorFlow.js backend could start: ${notes.join('; ')}`);
}

function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node };
  for (const [k, v] of Object.entries(tf.version)) if (typeof v === 'string') out[k] = v;
  return out;
}
