/**
 * The configuration of bragg's TensorFlow.js compute: which backend, how many threads, whether
 * bragg's SIMD kernels run and which build. A plain value, made once at the edge (the CLI, a
 * server) and passed down to `initBackend`; no library code reads the environment.
 *
 * `backendConfig(options, base)` fills and checks a configuration from options in domain terms
 * (errors name the field: `backend`, `threads`); `backendConfigFromEnv(process.env)` reads the
 * environment variables (errors name the variable: `BRAGG_THREADS`). The CLI does
 * `backendConfig(flags, backendConfigFromEnv(process.env))`: a flag wins over its variable,
 * which wins over the default.
 */
import { availableParallelism } from 'node:os';
import { ValidationError } from '../../core/errors.js';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** A backend, or `auto`: tensorflow → wasm → cpu, the first that starts. */
export type BackendRequest = BackendName | 'auto';

/**
 * Element operations below which a SIMD kernel call is not split by default (~20–50 µs of
 * memory-bound work; see simd/parallel.ts).
 */
export const PARALLEL_MIN_WORK = 1 << 17;

/** The most threads bragg starts for one backend. */
export const MAX_THREADS = 64;

export interface BackendConfig {
  /** `auto` (default) tries tensorflow → wasm → cpu. */
  readonly backend: BackendRequest;
  /** Threads of the wasm backend and of bragg's SIMD kernels (default: all cores). */
  readonly threads: number;
  /**
   * Threads of XNNPACK's pool (tfjs's own wasm kernels); undefined: 1 while bragg's SIMD kernels
   * run (they do most of a training step on their own threads), else `threads`.
   */
  readonly xnnpackThreads: number | undefined;
  /** bragg's SIMD kernels on the wasm backend (off: tfjs's and bragg's JS kernels run). */
  readonly simdKernels: boolean;
  /** The fused multiply-add (relaxed SIMD) build where V8 runs it; off: plain SIMD128. */
  readonly fma: boolean;
  /**
   * Element operations below which a kernel call runs on the calling thread only (0 splits
   * every call, Infinity none; calls without a work estimate are split unless it is Infinity).
   */
  readonly parallelMinWork: number;
}

/** Any subset of a configuration: what `initBackend` and `backendConfig` take. */
export interface BackendOptions {
  backend?: BackendRequest;
  threads?: number;
  xnnpackThreads?: number;
  simdKernels?: boolean;
  fma?: boolean;
  parallelMinWork?: number;
}

/** The defaults: auto backend, all cores, bragg's SIMD kernels with fused multiply-add. */
export function defaultBackendConfig(): BackendConfig {
  return {
    backend: 'auto',
    threads: Math.max(1, availableParallelism()),
    xnnpackThreads: undefined,
    simdKernels: true,
    fma: true,
    parallelMinWork: PARALLEL_MIN_WORK,
  };
}

function checkBackend(v: unknown, field: string): BackendRequest {
  if (v === 'auto' || (BACKEND_NAMES as readonly unknown[]).includes(v)) return v as BackendRequest;
  throw new ValidationError(
    `unknown backend '${String(v)}'; expected one of auto, ${BACKEND_NAMES.join(', ')}`,
    field,
  );
}

function checkThreads(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_THREADS) {
    throw new ValidationError(
      `thread count must be an integer in 1..${MAX_THREADS}, got ${String(v)}`,
      field,
    );
  }
  return v;
}

function checkBoolean(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean')
    throw new ValidationError(`expected true or false, got ${String(v)}`, field);
  return v;
}

function checkMinWork(v: unknown, field: string): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
    throw new ValidationError(`expected a number ≥ 0 (or Infinity), got ${String(v)}`, field);
  }
  return v;
}

/**
 * A checked configuration: `options` over `base` (default: `defaultBackendConfig()`). Fields
 * left undefined in `options` keep the base's value. Throws a ValidationError naming the field.
 */
export function backendConfig(
  options: BackendOptions = {},
  base: BackendConfig = defaultBackendConfig(),
): BackendConfig {
  const o = options;
  return {
    backend: o.backend === undefined ? base.backend : checkBackend(o.backend, 'backend'),
    threads: o.threads === undefined ? base.threads : checkThreads(o.threads, 'threads'),
    xnnpackThreads:
      o.xnnpackThreads === undefined
        ? base.xnnpackThreads
        : checkThreads(o.xnnpackThreads, 'xnnpackThreads'),
    simdKernels:
      o.simdKernels === undefined ? base.simdKernels : checkBoolean(o.simdKernels, 'simdKernels'),
    fma: o.fma === undefined ? base.fma : checkBoolean(o.fma, 'fma'),
    parallelMinWork:
      o.parallelMinWork === undefined
        ? base.parallelMinWork
        : checkMinWork(o.parallelMinWork, 'parallelMinWork'),
  };
}

/** The environment variables `backendConfigFromEnv` reads, by configuration field. */
export const BACKEND_ENV = {
  backend: 'BRAGG_BACKEND',
  threads: 'BRAGG_THREADS',
  xnnpackThreads: 'BRAGG_XNNPACK_THREADS',
  simdKernels: 'BRAGG_SIMD_KERNELS',
  fma: 'BRAGG_WASM_FMA',
} as const;

function envString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function envThreads(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = envString(env, name);
  return v === undefined ? undefined : checkThreads(Number(v), name);
}

/** `0`, `false`, `off`, `no` turn a switch off; `1`, `true`, `on`, `yes` on; unset: default. */
function envSwitch(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = envString(env, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === '0' || v === 'false' || v === 'off' || v === 'no') return false;
  if (v === '1' || v === 'true' || v === 'on' || v === 'yes') return true;
  throw new ValidationError(`expected 0/1, false/true, off/on or no/yes, got '${v}'`, name);
}

/**
 * The configuration the environment asks for, over the defaults: `BRAGG_BACKEND`
 * (tensorflow | wasm | cpu | auto), `BRAGG_THREADS` (1..64), `BRAGG_XNNPACK_THREADS` (1..64),
 * `BRAGG_SIMD_KERNELS=0` (bragg's SIMD kernels off), `BRAGG_WASM_FMA=0` (plain SIMD128 build).
 * Unset or empty variables keep the default. Call it at the edge only (the CLI, a server's
 * start-up), once: the result does not follow later changes of `env`. Throws a ValidationError
 * whose field is the variable's name.
 */
export function backendConfigFromEnv(env: NodeJS.ProcessEnv): BackendConfig {
  const base = defaultBackendConfig();
  const backend = envString(env, BACKEND_ENV.backend);
  return {
    backend: backend === undefined ? base.backend : checkBackend(backend, BACKEND_ENV.backend),
    threads: envThreads(env, BACKEND_ENV.threads) ?? base.threads,
    xnnpackThreads: envThreads(env, BACKEND_ENV.xnnpackThreads) ?? base.xnnpackThreads,
    simdKernels: envSwitch(env, BACKEND_ENV.simdKernels) ?? base.simdKernels,
    fma: envSwitch(env, BACKEND_ENV.fma) ?? base.fma,
    parallelMinWork: base.parallelMinWork,
  };
}

/** A string that is equal for equal configurations (Infinity and 0 told apart). */
export function backendConfigKey(c: BackendConfig): string {
  return [
    c.backend,
    c.threads,
    c.xnnpackThreads ?? 'auto',
    c.simdKernels ? 'simd' : 'nosimd',
    c.fma ? 'fma' : 'nofma',
    String(c.parallelMinWork),
  ].join(':');
}
