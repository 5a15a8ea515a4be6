/**
 * The bounded queue of CPU-heavy requests (`ctx.heavy`): at most `concurrency` pieces of work
 * run at once and at most `backlog` wait; one more is refused at once with a `BraggError` of
 * code `BUSY` (503 with `Retry-After`), so a burst never builds an unbounded backlog. Work that
 * waits when the server shuts down is refused the same way.
 */
import { BraggError, ValidationError } from '../core/errors.js';

export interface QueueOptions {
  /** Work running at once (default 2). */
  concurrency?: number;
  /** Work waiting at most (default 8). */
  backlog?: number;
}

export interface QueueStats {
  running: number;
  waiting: number;
  concurrency: number;
  backlog: number;
}

export class BoundedQueue {
  readonly concurrency: number;
  readonly backlog: number;
  private running = 0;
  private readonly waiting: { start: () => void; refuse: (err: Error) => void }[] = [];
  private closed = false;

  constructor(options: QueueOptions = {}) {
    this.concurrency = count(options.concurrency ?? 2, 'concurrency', 1);
    this.backlog = count(options.backlog ?? 8, 'backlog', 0);
  }

  stats(): QueueStats {
    return {
      running: this.running,
      waiting: this.waiting.length,
      concurrency: this.concurrency,
      backlog: this.backlog,
    };
  }

  /** Runs `work` now, after the work ahead of it, or refuses it (BUSY) when the backlog is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw busy('the server is shutting down');
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.backlog) {
        throw busy(
          `the server is busy: ${this.running} heavy requests running and ${this.waiting.length} waiting (the most it queues); retry in a moment`,
        );
      }
      await new Promise<void>((start, refuse) => this.waiting.push({ start, refuse }));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running--;
      else next.start();
    }
  }

  /** Refuses the waiting work and any new work (running work finishes). */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.refuse(busy('the server is shutting down'));
  }
}

function busy(message: string): BraggError {
  return new BraggError('BUSY', message);
}

function count(n: number, field: string, min: number): number {
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ValidationError(`must be an integer ≥ ${min}, got ${n}`, field);
  }
  return n;
}
