/**
 * Backend selection for bragg's TensorFlow.js work: `tensorflow` (native, when
 * `@tensorflow/tfjs-node` loads) → `wasm` (XNNPACK, multithreaded, with bragg's training kernels)
 * → `cpu`, as a `BackendConfig` (config.ts) asks. The caller passes the configuration (the CLI
 * builds it from its flags over `backendConfigFromEnv(process.env)`); nothing here reads the
 * environment.
 *
 * tfjs's engine, its kernel registry and its active backend are process-global: one backend is
 * active at a time, and `initBackend` with another configuration replaces the active one. The
 * state bragg adds is owned by the backend it starts: the SIMD kernel build, its worker pool
 * and its split threshold are made from the configuration and attached to that backend
 * (simd/module.ts), so a backend never runs with another configuration's settings.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BraggError, ValidationError } from '../../core/errors.js';
import { BACKEND_NAMES, backendConfig, backendConfigKey } from './config.js';
import type { BackendConfig, BackendName, BackendOptions, BackendRequest } from './config.js';
import { registerFusedOptimizerKernels } from './kernels/fused-optimizers.js';
import { registerWasmTrainingKernels } from './kernels/register.js';
import { guardWasmMalloc } from './malloc-guard.js';
import { attachSimdKernels, detachSimdKernels, simdKernelsBuilt } from './simd/module.js';
import type { SimdKernels, SimdSettings } from './simd/module.js';
import { loadThreadedWasmModule } from './wasm-threads.js';

export {
  BACKEND_NAMES,
  backendConfig,
  backendConfigFromEnv,
  defaultBackendConfig,
} from './config.js';
export type { BackendConfig, BackendName, BackendOptions, BackendRequest } from './config.js';

export interface BackendInfo {
  backend: BackendName;
  requested: BackendRequest;
  threads: number;
  simd: boolean;
  multithreaded: boolean;
  /** Threads of XNNPACK's pool (tfjs's own wasm kernels); bragg's SIMD kernels use `threads`. */
  xnnpackThreads: number;
  versions: Record<string, string>;
  /** Why earlier candidates were skipped, in order. */
  notes: string[];
  /** The configuration the backend was started from. */
  config: BackendConfig;
}

/** What `initBackend` returns: the backend's info and the kernels bragg runs on it. */
export interface BackendHandle extends BackendInfo {
  /**
   * bragg's SIMD kernels on this backend, made from `config` (wasm, when on and built;
   * undefined otherwise). Live objects (module, memory, worker pool), not JSON data.
   */
  readonly simdKernels: SimdKernels | undefined;
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
 * XNNPACK's pool size (tfjs's own kernels) when bragg uses `threads`: `config.xnnpackThreads`,
 * default 1 while bragg's SIMD kernels (which do the convolutions, matmuls and the rest of a
 * training step on their own worker threads) are on, else `threads`. XNNPACK's pool threads
 * keep spinning after each operation and then compete with bragg's for the cores: on the
 * 2-core machine small2d took 50–56 ms per step with both pools at 2 threads and 23–36 ms with
 * XNNPACK at 1 (xception, where XNNPACK still runs the depthwise convolutions: 3.4 vs 3.8 s).
 */
function xnnpackThreads(config: BackendConfig): number {
  return config.xnnpackThreads ?? (config.simdKernels && simdKernelsBuilt() ? 1 : config.threads);
}

/** The settings of bragg's SIMD kernels on a wasm backend running `threads` threads. */
function simdSettings(config: BackendConfig, threads: number): SimdSettings {
  return {
    enabled: config.simdKernels,
    fma: config.fma,
    threads,
    parallelMinWork: config.parallelMinWork,
  };
}

interface WasmStart {
  threads: number;
  multithreaded: boolean;
  xnnpackThreads: number;
  kernels: SimdKernels | undefined;
}

async function tryWasm(config: BackendConfig, notes: string[]): Promise<WasmStart> {
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  registerWasmTrainingKernels();
  const threads = config.threads;
  if (threads > 1) {
    try {
      const xnn = xnnpackThreads(config);
      const mod = await loadThreadedWasmModule(xnn, wasm.version_wasm);
      wasm.setThreadsCount(xnn);
      // The backend being replaced takes its SIMD worker threads with it.
      const previous = tf.engine().registry.wasm;
      if (previous !== undefined) detachSimdKernels(previous as unknown as BackendWasm);
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', () => new wasm.BackendWasm(mod), 2);
      if (await tf.setBackend('wasm')) {
        return {
          threads,
          multithreaded: true,
          xnnpackThreads: xnn,
          kernels: startWasm(config, threads),
        };
      }
    } catch (err) {
      notes.push(
        `threaded wasm failed (${err instanceof Error ? err.message : String(err)}); using 1 thread`,
      );
    }
  }
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new BraggError('BACKEND', 'wasm backend did not start');
  return { threads: 1, multithreaded: false, xnnpackThreads: 1, kernels: startWasm(config, 1) };
}

/** Guards the active wasm backend's allocations and attaches bragg's kernels for `config`. */
function startWasm(config: BackendConfig, threads: number): SimdKernels | undefined {
  const backend = tf.backend() as unknown as BackendWasm;
  guardWasmMalloc(backend.wasm as unknown as Parameters<typeof guardWasmMalloc>[0]);
  return attachSimdKernels(backend, simdSettings(config, threads));
}

/**
 * The configuration last started and its handle. It mirrors tfjs's process-global active
 * backend (one at a time): it is keyed by the whole configuration, so a call with any other
 * setting starts that configuration's backend and never returns this one.
 */
let current: { key: string; handle: Promise<BackendHandle> } | undefined;

/**
 * Selects and initialises the backend that `options` ask for: a `BackendConfig`, or any subset
 * of one over `defaultBackendConfig()` (the environment is not read: pass
 * `backendConfigFromEnv(process.env)` at the edge for that). Once per distinct configuration:
 * a later call with the same configuration returns the same handle while it is the last one
 * started; another configuration makes its own backend the active one (tfjs has one active
 * backend per process). Throws a ValidationError (field `backend`) when an explicitly
 * requested backend cannot start, and for options out of range.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendHandle> {
  const config = backendConfig(options);
  const key = backendConfigKey(config);
  if (current?.key === key) return current.handle;
  const handle = selectBackend(config);
  current = { key, handle };
  handle.catch(() => {
    if (current?.key === key) current = undefined;
  });
  return handle;
}

async function selectBackend(config: BackendConfig): Promise<BackendHandle> {
  const requested = config.backend;
  const notes: string[] = [];
  registerFusedOptimizerKernels();
  const candidates: BackendName[] = requested === 'auto' ? [...BACKEND_NAMES] : [requested];
  for (const name of candidates) {
    try {
      let start: WasmStart = {
        threads: 1,
        multithreaded: false,
        xnnpackThreads: 1,
        kernels: undefined,
      };
      if (name === 'tensorflow') await tryTensorflow();
      else if (name === 'wasm') start = await tryWasm(config, notes);
      else if (!(await tf.setBackend('cpu')))
        throw new BraggError('BACKEND', 'cpu backend did not start');
      const simd =
        name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
      return {
        backend: name,
        requested,
        threads: start.threads,
        simd,
        multithreaded: start.multithreaded,
        xnnpackThreads: start.xnnpackThreads,
        versions: versions(),
        notes,
        config,
        simdKernels: start.kernels,
      };
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      if (requested !== 'auto') {
        throw new ValidationError(`backend '${name}' is not available: ${msg}`, 'backend', {
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
