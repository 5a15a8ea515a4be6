/**
 * What `bragg doctor --json` prints and `GET /api/backend` returns: the backend bragg selects
 * for a configuration (its name, threads, SIMD, versions, why earlier candidates were skipped),
 * bragg's SIMD kernels on it, and the machine's cores. Computed here, once, for both doors.
 */
import { availableParallelism } from 'node:os';
import { BRAGG_WASM_KERNELS } from './kernels/register.js';
import { initBackend } from './select.js';
import type { BackendConfig, BackendInfo } from './select.js';

export interface BackendReport extends BackendInfo {
  /** bragg's SIMD kernels on the backend, or null when off, not built or not wasm. */
  simdKernels: { fma: boolean; sharedMemory: boolean; workers: number } | null;
  /** Logical cores of this machine. */
  cores: number;
  /** Names of the kernels bragg registers on the wasm backend (empty on other backends). */
  braggWasmKernels: string[];
}

/** Starts (or reuses) the backend for `config` and describes it. */
export async function backendReport(config: BackendConfig): Promise<BackendReport> {
  const { simdKernels: simd, ...info } = await initBackend(config);
  return {
    ...info,
    simdKernels:
      simd === undefined
        ? null
        : { fma: simd.fma, sharedMemory: simd.shared, workers: simd.pool?.size ?? 0 },
    cores: availableParallelism(),
    braggWasmKernels: info.backend === 'wasm' ? [...BRAGG_WASM_KERNELS] : [],
  };
}
