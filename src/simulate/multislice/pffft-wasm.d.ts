/** Types for the Emscripten module of `@echogarden/pffft-wasm` (the package ships none). */
declare module '@echogarden/pffft-wasm/simd' {
  export interface PffftWasmModule {
    HEAPF32: Float32Array;
    _pffft_new_setup(n: number, transform: number): number;
    _pffft_destroy_setup(setup: number): void;
    _pffft_transform(
      setup: number,
      input: number,
      output: number,
      work: number,
      direction: number,
    ): void;
    _pffft_transform_ordered(
      setup: number,
      input: number,
      output: number,
      work: number,
      direction: number,
    ): void;
    _pffft_zreorder(setup: number, input: number, output: number, direction: number): void;
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(ptr: number): void;
  }
  const factory: (moduleArg?: object) => Promise<PffftWasmModule>;
  export default factory;
}
