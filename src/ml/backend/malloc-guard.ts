/**
 * tfjs-backend-wasm allocates tensor memory with the module's `_malloc` and never checks the
 * result: when the 4 GiB wasm heap is exhausted, malloc returns 0 and the tensor is written
 * over address 0, corrupting the heap until a later call fails with "memory access out of
 * bounds". A request of 4 GiB or more is worse: the size wraps to 32 bits and a small block
 * comes back. This guard turns both into a typed error at the allocation.
 */
import { BraggError } from '../../core/errors.js';

interface MallocModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8?: Uint8Array;
}

const GUARDED = Symbol.for('bragg.mallocGuard');

/** Wraps `mod._malloc` (once) so that a failed allocation throws instead of returning 0. */
export function guardWasmMalloc(mod: MallocModule): void {
  const tagged = mod as MallocModule & { [GUARDED]?: true };
  if (tagged[GUARDED] === true) return;
  // emscripten's export stub replaces `Module._malloc` by the raw export on its first call:
  // make that call now, so that the wrapper below is not overwritten later.
  mod._free(mod._malloc(16));
  const malloc = mod._malloc.bind(mod);
  mod._malloc = (bytes: number): number => {
    // The wasm side takes a 32-bit size: larger requests would wrap around to a small block.
    const p = bytes < 2 ** 32 ? malloc(bytes) : 0;
    if (p === 0 && bytes > 0) {
      const heap = mod.HEAPU8?.buffer.byteLength ?? 0;
      throw new BraggError(
        'OUT_OF_MEMORY',
        `wasm backend: cannot allocate ${bytes} bytes (heap ${Math.round(heap / 2 ** 20)} MiB ` +
          `of at most 4096 MiB); use a smaller batch or input`,
      );
    }
    return p;
  };
  tagged[GUARDED] = true;
}
