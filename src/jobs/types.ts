/**
 * The job model shared by the local pool and the BullMQ workers: a job is a registered type
 * name plus a JSON payload; the type validates the payload at the worker boundary and runs it.
 * The runtime knows no job type itself: the composition root registers them (`src/app/job-types.ts`).
 */
import type { ZodType, ZodTypeDef } from 'zod';
import type { ProgressOptions } from './progress.js';

/** What a running job can use. */
export interface JobContext {
  /** Aborted when the run is being stopped (Ctrl-C); long jobs check it between steps. */
  signal: AbortSignal | undefined;
  /** Name of the worker running the job (host:pid:thread), recorded in the run registry. */
  worker: string;
  /**
   * Report progress (JSON data) to whoever queued the job (`ExecutorHooks.onProgress`):
   * coalesced and rate-limited (see `ProgressChannel`); a `milestone` is never coalesced away.
   */
  progress(data: unknown, options?: ProgressOptions): void;
}

export interface JobType<P = unknown, R = unknown> {
  /** Stable name used in queues and payloads, e.g. `simulate-shard`. */
  readonly name: string;
  readonly description: string;
  /** Validates (and types) a payload that arrived from a queue or another thread. */
  readonly payload: ZodType<P, ZodTypeDef, unknown>;
  /** Does the work; must be deterministic in the payload for idempotent outputs. */
  run(payload: P, ctx: JobContext): Promise<R>;
}

/** A job as it travels: serialisable with structured clone and JSON. */
export interface JobRequest {
  type: string;
  payload: unknown;
}

/** The common result of jobs that write one shard file. */
export interface ShardResult {
  shardId: string;
  /** Path relative to the run's output directory. */
  file: string;
  /** Patterns (rows) in the shard. */
  count: number;
  /** sha256 of the published file (hex). */
  sha256: string;
  /** False when the file was already there (a rerun or a second delivery): nothing rewritten. */
  written: boolean;
  /** Compute + write time in this attempt [ms]. */
  ms: number;
  worker: string;
}
