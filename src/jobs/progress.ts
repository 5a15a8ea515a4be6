/**
 * The progress channel of a running job (`JobContext.progress`): a job reports JSON data as it
 * goes (a training's batches and epochs, a prediction's maps) and the executor hands it to
 * `ExecutorHooks.onProgress` on the side that queued the job — a direct call inline, a
 * MessagePort from a pool thread, `job.updateProgress` → `QueueEvents` through BullMQ.
 *
 * **Bounded.** A chatty job cannot flood a port or a queue: messages leave in batches, at most
 * one batch per `intervalMs` (the first at once). Between two batches an ordinary message
 * replaces the one before it (only the latest state matters); a `milestone` (an epoch's end, a
 * map done) is kept, in order, up to `maxPending` per batch (the oldest go first beyond that).
 * Data is checked where the job reports it: what JSON cannot carry is a ValidationError in
 * the job (field `progress`), never a failure of the transport later.
 */
import { ValidationError } from '../core/errors.js';

export interface ProgressOptions {
  /** Kept even when later messages follow within the interval (e.g. an epoch's end). */
  milestone?: boolean;
}

/** The least time between two batches by default [ms]. */
export const PROGRESS_INTERVAL_MS = 200;
/** Milestones one batch carries at most by default. */
export const PROGRESS_MAX_PENDING = 64;

/** What travels: the messages of one batch, in the order the job reported them. */
export interface ProgressBatch {
  progress: unknown[];
}

export function isProgressBatch(x: unknown): x is ProgressBatch {
  return (
    typeof x === 'object' && x !== null && Array.isArray((x as { progress?: unknown }).progress)
  );
}

/** `data` as JSON keeps it (undefined members dropped); a ValidationError when JSON cannot. */
export function jsonProgress(data: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (err) {
    throw new ValidationError(`progress data is not JSON: ${(err as Error).message}`, 'progress', {
      cause: err,
    });
  }
  if (text === undefined) throw new ValidationError('progress data is not JSON', 'progress');
  return JSON.parse(text) as unknown;
}

export interface ProgressChannelOptions {
  intervalMs?: number;
  maxPending?: number;
}

export class ProgressChannel {
  private readonly intervalMs: number;
  private readonly maxPending: number;
  private pending: { data: unknown; milestone: boolean }[] = [];
  private lastSent = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly send: (batch: ProgressBatch) => void,
    o: ProgressChannelOptions = {},
  ) {
    this.intervalMs = o.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.maxPending = Math.max(1, o.maxPending ?? PROGRESS_MAX_PENDING);
  }

  /** Report `data` (see the module comment); ignored once the channel is closed. */
  push(data: unknown, o: ProgressOptions = {}): void {
    if (this.closed) return;
    const value = jsonProgress(data);
    const milestone = o.milestone === true;
    if (!milestone) this.pending = this.pending.filter((m) => m.milestone);
    this.pending.push({ data: value, milestone });
    const milestones = this.pending.filter((m) => m.milestone).length;
    if (milestones > this.maxPending) {
      const drop = this.pending.findIndex((m) => m.milestone);
      this.pending.splice(drop, 1);
    }
    const wait = this.lastSent + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  /** Send what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = { progress: this.pending.map((m) => m.data) };
    this.pending = [];
    this.lastSent = Date.now();
    this.send(batch);
  }

  /** Send what is pending and take no more (the job has ended). */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
