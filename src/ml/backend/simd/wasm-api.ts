/**
 * The part of the `WebAssembly` global bragg's SIMD kernels use. It is a Node global, but the
 * project's lib settings (ES2023, no DOM) do not declare it.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
/** An opaque compiled module (structured-cloneable to worker threads). */
export type WasmModule = object & { readonly __wasmModule?: never };

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { exports: Record<string, unknown> };
}

export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
