/**
 * Worker threads for bragg's SIMD kernels on the multithreaded tfjs build.
 *
 * Each worker instantiates the same compiled module over the same shared memory, so a kernel
 * call is just a function index and a few integers. Calls are synchronous, as tfjs kernels
 * are: the caller posts one block of the range to each idle worker through a small shared
 * control block (Atomics.notify), runs the first block itself, and waits (Atomics.wait) for the
 * others. No messages, no copies, no promises; a worker that has not finished starting yet is
 * simply not given a block (the caller runs it).
 *
 * Control block per worker (Int32Array): [state, function index, argc, args…];
 * state 0 starting, 1 idle, 2 posted, 3 done, 4 failed, 5 stop.
 */
import { Worker } from 'node:worker_threads';
import { BraggError } from '../../../core/errors.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';

const IDLE = 1;
const POSTED = 2;
const DONE = 3;
const FAILED = 4;
const STOP = 5;
const SLOT_INTS = 32;
/** Polls of the control word before a thread sleeps (~0.2–0.5 ms). */
const SPIN = 100_000;
const MAX_ARGS = SLOT_INTS - 3;

/**
 * The worker's whole program (plain JS, evaluated in the worker): instantiate, then loop
 * waiting for posted calls. Kept here as text so it needs no file of its own beside the
 * compiled module (the same code runs from dist/ and from the TypeScript sources).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, names } = workerData;
const slot = new Int32Array(ctl);
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => ex[n]);
Atomics.store(slot, 0, ${IDLE});
for (;;) {
  let s = Atomics.load(slot, 0);
  // Kernels of a training step come back to back: poll a while before sleeping (a futex
  // wake-up costs tens of microseconds, more than many kernels take).
  for (let i = 0; i < ${SPIN} && s !== ${POSTED} && s !== ${STOP}; i++) s = Atomics.load(slot, 0);
  if (s === ${STOP}) break;
  if (s !== ${POSTED}) { Atomics.wait(slot, 0, s); continue; }
  const argc = slot[2];
  const args = new Array(argc);
  for (let i = 0; i < argc; i++) args[i] = slot[3 + i];
  try {
    fns[slot[1]](...args);
    Atomics.store(slot, 0, ${DONE});
  } catch (e) {
    Atomics.store(slot, 0, ${FAILED});
  }
  Atomics.notify(slot, 0);
}
`;

interface PoolWorker {
  worker: Worker;
  slot: Int32Array;
}

export class SimdPool {
  private readonly workers: PoolWorker[];
  private readonly index: Map<string, number>;

  /** Starts `size` workers (they become usable as soon as each has instantiated the module). */
  constructor(module: WasmModule, memory: WasmMemory, names: readonly string[], size: number) {
    this.index = new Map(names.map((n, i) => [n, i]));
    this.workers = [];
    for (let i = 0; i < size; i++) {
      const ctl = new SharedArrayBuffer(SLOT_INTS * 4);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, ctl, names: [...names] },
      });
      worker.unref();
      // A worker that dies (or fails to instantiate) is never posted to again.
      const slot = new Int32Array(ctl);
      worker.on('error', () => Atomics.store(slot, 0, FAILED));
      worker.on('exit', () => Atomics.store(slot, 0, FAILED));
      this.workers.push({ worker, slot });
    }
  }

  /** Number of worker threads (ready or not). */
  get size(): number {
    return this.workers.length;
  }

  /** Workers ready to take a block now. */
  idle(): number {
    let n = 0;
    for (const w of this.workers) if (Atomics.load(w.slot, 0) === IDLE) n++;
    return n;
  }

  /**
   * Runs `fn(...args)` with args[at], args[at+1] = [begin, end) for contiguous blocks of
   * [0, total) on the idle workers and the calling thread; returns when all blocks are done.
   */
  run(
    name: string,
    fn: (...a: number[]) => unknown,
    args: readonly number[],
    at: number,
    total: number,
  ): void {
    const fnIndex = this.index.get(name);
    const ready =
      fnIndex === undefined ? [] : this.workers.filter((w) => Atomics.load(w.slot, 0) === IDLE);
    const parts = Math.min(total, ready.length + 1);
    if (args.length > MAX_ARGS)
      throw new BraggError('INTERNAL', `simd pool: too many arguments for ${name}`);
    const bound = (k: number): number => Math.floor((total * k) / parts);
    const posted: PoolWorker[] = [];
    for (let k = 1; k < parts; k++) {
      const w = ready[k - 1]!;
      const s = w.slot;
      s[1] = fnIndex!;
      s[2] = args.length;
      for (let i = 0; i < args.length; i++) s[3 + i] = args[i]!;
      s[3 + at] = bound(k);
      s[3 + at + 1] = bound(k + 1);
      Atomics.store(s, 0, POSTED);
      Atomics.notify(s, 0);
      posted.push(w);
    }
    const own = [...args];
    own[at] = 0;
    own[at + 1] = bound(1);
    let failure: unknown;
    try {
      fn(...own);
    } catch (e) {
      failure = e;
    }
    for (const w of posted) {
      let s: number;
      s = Atomics.load(w.slot, 0);
      for (let i = 0; i < SPIN && s === POSTED; i++) s = Atomics.load(w.slot, 0);
      while (s === POSTED) {
        Atomics.wait(w.slot, 0, POSTED);
        s = Atomics.load(w.slot, 0);
      }
      if (s === DONE) Atomics.store(w.slot, 0, IDLE);
      else failure ??= new BraggError('INTERNAL', `simd kernel ${name} failed in a worker thread`);
    }
    if (failure !== undefined) throw failure;
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.workers) {
      Atomics.store(w.slot, 0, STOP);
      Atomics.notify(w.slot, 0);
    }
  }
}
