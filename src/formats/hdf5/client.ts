/**
 * Main-thread side of the h5wasm worker: starts it lazily, sends requests, enforces a time
 * limit per request, and turns every failure into a FormatError. When the WebAssembly module
 * traps or aborts, or a request runs past its limit, the worker is terminated and a fresh one
 * is started for the next request (open files are re-opened on demand; see `generation`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FormatError, ValidationError } from '../../core/errors.js';
import { workerModule } from '../../core/worker-loader.js';
import { BUILTIN_FILTERS, PLUGIN_FILTERS, pluginDirectory, type FilterInfo } from './filters.js';
import type { WorkerRequest, WorkerResponse, WorkerResult, WorkerSetup } from './protocol.js';

/** Default time limit of one metadata request (open + tree walk), ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Settings of the (one, process-wide) HDF5 worker; set at the edge with `h5.configure`. */
export interface H5Settings {
  /** Time limit of one metadata request [ms]; data reads add time per byte. */
  timeoutMs: number;
  /** Let HDF5's own diagnostic output through to this process's stdout/stderr. */
  diagnostics: boolean;
}

/** Where h5wasm's Node build lives, searched upwards from this file (for `data:` workers). */
function h5wasmUrl(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, 'node_modules', 'h5wasm', 'dist', 'node', 'hdf5_hl.js');
    if (existsSync(p)) return pathToFileURL(p).href;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

interface Pending {
  resolve: (v: WorkerResult) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
  file: string;
  what: string;
  h5path: string | undefined;
}

class H5Client {
  private settings: H5Settings = { timeoutMs: DEFAULT_TIMEOUT_MS, diagnostics: false };
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** Incremented whenever the worker is replaced; handles of older generations are invalid. */
  generation = 0;
  private available: readonly FilterInfo[] = BUILTIN_FILTERS;

  private async start(): Promise<Worker> {
    if (this.worker) return this.worker;
    if (this.starting) return this.starting;
    this.starting = (async () => {
      const mod = workerModule(import.meta.url, './h5-worker.js');
      // The worker returns HDF5's error stack with each error; what the library also prints is
      // swallowed by piping the worker's stdio and never reading it (reading a worker stream
      // would keep the process alive after the work is done). `diagnostics` lets it through.
      const quiet = !this.settings.diagnostics;
      const dir = pluginDirectory();
      const setup: WorkerSetup = { h5wasmUrl: h5wasmUrl() };
      if (dir !== undefined) setup.plugins = { dir, files: PLUGIN_FILTERS.map((f) => f.plugin) };
      const w = new Worker(mod.filename, {
        execArgv: mod.execArgv,
        workerData: setup,
        stdout: quiet,
        stderr: quiet,
      });
      await new Promise<void>((resolve, reject) => {
        const onMsg = (m: WorkerResponse): void => {
          if (m.id === 0) {
            w.off('error', onErr);
            const found = m.ok && m.value.op === 'ready' ? m.value.plugins : [];
            this.available = [
              ...BUILTIN_FILTERS,
              ...PLUGIN_FILTERS.filter((f) => found.includes(f.plugin)),
            ];
            resolve();
          }
        };
        const onErr = (e: unknown): void => reject(e);
        w.once('message', onMsg);
        w.once('error', onErr);
      });
      w.on('message', (m: WorkerResponse) => this.onMessage(m));
      w.on('error', (e) => this.fail(e));
      w.on('exit', () => this.fail(new Error('worker exited')));
      w.unref();
      this.worker = w;
      this.generation++;
      return w;
    })();
    try {
      return await this.starting;
    } catch (err) {
      throw new FormatError('HDF5', 'cannot start the h5wasm worker', { cause: err });
    } finally {
      this.starting = undefined;
    }
  }

  private onMessage(m: WorkerResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    this.refCount();
    if (m.ok) {
      p.resolve(m.value);
      return;
    }
    if (m.kind === 'runtime') void this.replace();
    const diag = summarizeDiagnostics(m.diagnostics);
    p.reject(
      new FormatError('HDF5', `${p.what} failed: ${m.message}${diag ? ` [HDF5: ${diag}]` : ''}`, {
        file: p.file,
        path: p.h5path,
        found: m.kind === 'runtime' ? 'a WebAssembly abort in the HDF5 library' : undefined,
      }),
    );
  }

  private fail(err: unknown): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) this.generation++;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(
        new FormatError('HDF5', `${p.what}: the h5wasm worker stopped`, {
          file: p.file,
          path: p.h5path,
          cause: err,
        }),
      );
    }
    if (w) void w.terminate();
  }

  private async replace(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      // The handles of this worker are gone with it: files re-open on their next request.
      this.generation++;
      w.removeAllListeners('exit');
      await w.terminate();
    }
  }

  private refCount(): void {
    if (!this.worker) return;
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  /**
   * Change the settings (the CLI does, from `BRAGG_HDF5_TIMEOUT_MS` and `BRAGG_DEBUG`); a change
   * of `diagnostics` applies to the next worker started.
   */
  configure(s: Partial<H5Settings>): void {
    if (s.timeoutMs !== undefined && !(Number.isFinite(s.timeoutMs) && s.timeoutMs > 0)) {
      throw new ValidationError(`must be a positive number of ms, got ${s.timeoutMs}`, 'timeoutMs');
    }
    this.settings = { ...this.settings, ...s };
  }

  /**
   * The HDF5 filters the worker can decode: the built-in ones and the plugins it found when it
   * last started (only the built-in ones before the first start; see `availableFilters`).
   */
  get filters(): readonly FilterInfo[] {
    return this.available;
  }

  /** The HDF5 filters the worker can decode, starting it if need be. */
  async availableFilters(): Promise<readonly FilterInfo[]> {
    await this.start();
    return this.available;
  }

  /** The metadata time limit [ms]. */
  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  /** Send one request; `timeoutMs` defaults to the metadata limit. */
  async call(
    req: WorkerRequest,
    file: string,
    what: string,
    timeoutMs = this.settings.timeoutMs,
    transfer: ArrayBuffer[] = [],
    h5path?: string,
  ): Promise<WorkerResult> {
    const w = await this.start();
    const id = this.nextId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        void this.replace();
        // Other requests on the terminated worker fail too.
        this.fail(new Error('timeout'));
        reject(
          new FormatError(
            'HDF5',
            `${what}: the HDF5 library did not finish within ${timeoutMs} ms`,
            {
              file,
              path: h5path,
              expected: 'a readable HDF5 file',
              found: 'a file on which the library hangs (corrupt?)',
            },
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, file, what, h5path });
      this.refCount();
      try {
        w.postMessage({ id, req }, transfer);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        this.refCount();
        reject(new FormatError('HDF5', `${what}: cannot send request`, { file, cause: err }));
      }
    });
  }

  /** Stop the worker (tests, process shutdown). */
  async shutdown(): Promise<void> {
    await this.replace();
  }
}

/** The last informative lines of an HDF5 error stack (`major`/`minor` and function messages). */
export function summarizeDiagnostics(diag: string): string {
  const lines = diag
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^#\d+:/.test(l))
    .map((l) => l.replace(/^#\d+:\s*\S+\s+line\s+\d+\s+in\s+/, ''));
  return lines.slice(-3).join('; ').slice(0, 600);
}

/** The one client of this process. */
export const h5 = new H5Client();
