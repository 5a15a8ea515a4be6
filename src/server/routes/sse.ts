/**
 * Live runs of the server and their Server-Sent Events. A `LiveRun` is a run this server
 * started: its abort controller (cancel, shutdown), its latest progress, its recent log lines
 * and the listeners of `GET /api/runs/:id/events`. `streamRunEvents` writes the stream on the
 * raw response: `progress` `{done, total, failed}`, `log` `{message}`, `end` `{status}`, a
 * heartbeat comment every 15 s, and it ends on `end` or when the client goes away (listeners
 * and timers removed: nothing is left behind).
 */
import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunStatus } from '../../jobs/run-registry.js';

export interface RunProgress {
  done: number;
  total: number;
  failed: number;
  /** Patterns done / planned (dataset runs). */
  patterns?: number;
  totalPatterns?: number;
}

export interface RunEnd {
  status: RunStatus;
  error?: string;
  /** Files the run produced that a client can fetch (uploads), if any. */
  outputs?: { kind: string; root: string; path: string; name: string }[];
}

export type RunEvent =
  | { type: 'progress'; data: RunProgress }
  | { type: 'log'; data: { message: string } }
  | { type: 'end'; data: RunEnd };

/** Log lines a live run keeps for late subscribers. */
const LOG_KEPT = 50;
/** Interval of the heartbeat comment [ms]. */
export const HEARTBEAT_MS = 15_000;

export class LiveRun {
  readonly controller = new AbortController();
  private readonly emitter = new EventEmitter();
  progress: RunProgress = { done: 0, total: 0, failed: 0 };
  readonly logs: string[] = [];
  end: RunEnd | undefined;

  constructor(
    readonly runId: string,
    readonly kind: string,
  ) {
    this.emitter.setMaxListeners(0);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  emit(event: RunEvent): void {
    if (this.end) return;
    if (event.type === 'progress') this.progress = event.data;
    if (event.type === 'log') {
      this.logs.push(event.data.message);
      if (this.logs.length > LOG_KEPT) this.logs.shift();
    }
    if (event.type === 'end') this.end = event.data;
    this.emitter.emit('event', event);
  }

  progressed(data: RunProgress): void {
    this.emit({ type: 'progress', data });
  }

  log(message: string): void {
    this.emit({ type: 'log', data: { message } });
  }

  /** Calls `fn` with every later event; returns the function that stops it. */
  subscribe(fn: (e: RunEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  listeners(): number {
    return this.emitter.listenerCount('event');
  }
}

function frame(e: RunEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/**
 * Streams a run's events. `live` is the run when this server runs it; otherwise `snapshot`
 * (from the run registry) is sent, and `end` too when the run has finished.
 */
export function streamRunEvents(
  req: FastifyRequest,
  reply: FastifyReply,
  live: LiveRun | undefined,
  snapshot: { progress: RunProgress; status: RunStatus; error?: string | null },
  heartbeatMs = HEARTBEAT_MS,
): void {
  void reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const write = (e: RunEvent): void => {
    if (!res.writableEnded) res.write(frame(e));
  };
  if (!live || live.end) {
    write({ type: 'progress', data: live?.progress ?? snapshot.progress });
    const end: RunEnd = live?.end ?? {
      status: snapshot.status,
      ...(snapshot.error ? { error: snapshot.error } : {}),
    };
    // a run that another process runs (the CLI) is reported as it stands, then the stream ends
    if (live?.end || snapshot.status !== 'running') write({ type: 'end', data: end });
    res.end();
    return;
  }
  write({ type: 'progress', data: live.progress });
  for (const message of live.logs) write({ type: 'log', data: { message } });
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(beat);
    res.off('close', close);
    if (!res.writableEnded) res.end();
  };
  const unsubscribe = live.subscribe((e) => {
    write(e);
    if (e.type === 'end') close();
  });
  const beat = setInterval(() => {
    if (!res.writableEnded) res.write(': heartbeat\n\n');
  }, heartbeatMs);
  beat.unref();
  // `close` of the response: the client went away (or the stream ended)
  res.on('close', close);
}
