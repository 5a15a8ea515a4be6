/**
 * What every workflow's training and prediction jobs share: the tensor backend's configuration
 * as it travels in a job payload (JSON), and back. The backend is started inside the thread or
 * process that runs the job (it is per thread), from the payload's `backend`.
 */
import { z } from 'zod';
import type { BackendOptions } from '../ml/backend/config.js';

/** The backend configuration as it travels (JSON: an unbounded `parallelMinWork` is null). */
export const backendSchema = z
  .object({
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).optional(),
    threads: z.number().int().positive().max(1024).optional(),
    xnnpackThreads: z.number().int().positive().max(1024).nullable().optional(),
    simdKernels: z.boolean().optional(),
    fma: z.boolean().optional(),
    parallelMinWork: z.number().nonnegative().nullable().optional(),
  })
  .strict();

export type BackendPayload = z.input<typeof backendSchema>;

/** A backend configuration as a payload member (see `backendSchema`). */
export function backendPayload(c: BackendOptions): BackendPayload {
  const o = c as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of [
    'backend',
    'threads',
    'xnnpackThreads',
    'simdKernels',
    'fma',
    'parallelMinWork',
  ]) {
    const v = o[k];
    if (v === undefined) continue;
    out[k] = k === 'parallelMinWork' && v === Infinity ? null : v;
  }
  return out as BackendPayload;
}

export function backendOptions(b: z.output<typeof backendSchema> | undefined): BackendOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b ?? {})) {
    if (v === undefined) continue;
    if (k === 'parallelMinWork') out[k] = v === null ? Infinity : v;
    else if (k === 'xnnpackThreads') {
      if (v !== null) out[k] = v;
    } else out[k] = v;
  }
  return out as BackendOptions;
}
