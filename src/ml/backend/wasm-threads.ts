/**
 * Multithreaded tfjs wasm backend in Node.
 *
 * The stock loader cannot start the threaded build in Node: it hands emscripten a `blob:` URL
 * for the pthread worker (Node's `Worker` takes only file paths) and a Blob as the main script
 * the workers import. It also never selects the threaded build in Node (its feature test fails
 * there) and caps the XNNPACK thread pool at cores/2. This loader instantiates the same
 * emscripten module with: the worker script written once to a file, the main script given as
 * its path, and the core count reported to the module set to what the caller asks for.
 */
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BraggError } from '../../core/errors.js';

const require = createRequire(import.meta.url);

/** The subset of the emscripten module tfjs's BackendWasm expects (plus `tfjs` bridge). */
export interface WasmModuleLike {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: unknown;
}

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }>;
}
/** `WebAssembly` is a Node global; the project's lib settings do not declare it. */
const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type Factory = (config: Record<string, unknown>) => Promise<WasmModuleLike>;

function wasmOutDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

/** Writes the pthread worker script to a file (once per version) and returns its path. */
function workerScriptPath(version: string): string {
  const dir = join(tmpdir(), 'bragg');
  const file = join(dir, `tfjs-wasm-${version}-threaded-simd.worker.cjs`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const mod = require(join(wasmOutDir(), 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents?: string;
  };
  if (typeof mod.wasmWorkerContents !== 'string') {
    throw new BraggError('BACKEND', 'tfjs-backend-wasm: threaded worker script not found');
  }
  // The contents come from a template literal: re-escape newlines inside its string literals
  // (the stock browser loader does the same before making its Blob).
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, mod.wasmWorkerContents.replace(/\n/g, '\\n'));
  renameSync(tmp, file);
  return file;
}

/**
 * Instantiates the threaded-SIMD tfjs wasm module with `threads` pool threads and returns it
 * with the `tfjs` bridge attached, ready for `new BackendWasm(module)`.
 */
export async function loadThreadedWasmModule(
  threads: number,
  version: string,
): Promise<WasmModuleLike> {
  const dir = wasmOutDir();
  const mainScript = join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(mainScript) as Factory;
  const worker = workerScriptPath(version);
  const wasmBytes = readFileSync(join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'));
  // emscripten's pthread workers are unref'd: keep the event loop alive while they load.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    const mod = await factory({
      locateFile: (p: string) => (p.endsWith('.worker.js') ? worker : join(dir, p)),
      mainScriptUrlOrBlob: mainScript,
      instantiateWasm: (
        imports: Record<string, Record<string, unknown>>,
        receive: (instance: unknown, module: unknown) => void,
      ) => {
        // The backend sizes its pool as min(requested, cores/2): report 2× the wanted threads.
        for (const ns of Object.values(imports)) {
          for (const [k, f] of Object.entries(ns)) {
            if (typeof f === 'function' && f.name === '_emscripten_num_logical_cores') {
              ns[k] = () => 2 * threads;
            }
          }
        }
        void webAssembly
          .instantiate(wasmBytes, imports)
          .then((out) => receive(out.instance, out.module));
        return {};
      },
    });
    mod.tfjs = {
      init: mod.cwrap('init', null, []),
      initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
      registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: mod.cwrap('dispose_data', null, ['number']),
      dispose: mod.cwrap('dispose', null, []),
    };
    return mod;
  } finally {
    clearInterval(keepAlive);
  }
}
