/**
 * FFT layer over the WASM-SIMD pffft (complex float32, lengths 16·2^a·3^b·5^c).
 *
 * pffft does 1D transforms; 2D transforms here are rows, a transpose, rows again. The
 * "unordered" pffft transform leaves frequencies in an internal order: blocks of 8 floats
 * holding 4 real parts then 4 imaginary parts of 4 (scrambled) frequency bins. `FftPlan`
 * measures that permutation once (via `pffft_zreorder`) so callers can address bin k of a
 * row in internal order (`reOffset[k]`, `imOffset[k]`) without reordering data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PFFFT, { type PffftWasmModule } from '@echogarden/pffft-wasm/simd';
import { BraggError, ValidationError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { isFastFftSize } from './grid.js';

const require = createRequire(import.meta.url);

/**
 * The part of the `WebAssembly` global used here (a Node global that the project's lib
 * settings, ES2023 without DOM, do not declare).
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  instantiate(
    bytes: Uint8Array,
    imports: object,
  ): Promise<{ instance: WasmInstance; module: object }>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const COMPLEX = 1;
export const FORWARD = 0;
export const BACKWARD = 1;

/** The pffft module with its linear memory (captured at instantiation). */
export interface Pffft {
  m: PffftWasmModule;
  memory: WasmMemory;
}

let pffftPromise: Promise<Pffft> | undefined;

/**
 * The pffft WASM module of this thread (instantiated once; the module holds only code). It is
 * instantiated through Emscripten's `instantiateWasm` hook, so bragg keeps its memory object
 * (the module exports it under a minified name) for the kernels that work in it.
 */
export function loadPffftModule(): Promise<Pffft> {
  pffftPromise ??= new Promise<Pffft>((resolve, reject) => {
    let memory: WasmMemory | undefined;
    const instantiateWasm = (
      imports: object,
      receive: (i: WasmInstance, m: object) => void,
    ): object => {
      const file = join(dirname(require.resolve('@echogarden/pffft-wasm/simd')), 'pffft.wasm');
      wasm.instantiate(readFileSync(file), imports).then(({ instance, module }) => {
        memory = Object.values(instance.exports).find(
          (v): v is WasmMemory => v instanceof wasm.Memory,
        );
        receive(instance, module);
      }, reject);
      return {};
    };
    PFFFT({ instantiateWasm }).then((m) => {
      if (!memory) reject(new BraggError('INTERNAL', 'pffft exports no memory'));
      else resolve({ m, memory });
    }, reject);
  });
  return pffftPromise;
}

/** The pffft module of this thread. */
export async function loadPffft(): Promise<PffftWasmModule> {
  return (await loadPffftModule()).m;
}

/** bragg's multislice passes (wasm/assembly/multislice.ts) bound to pffft's memory. */
export interface MultisliceKernels {
  rowPass(
    a: number,
    s: number,
    t: number,
    b: number,
    bandRe: number,
    nb: number,
    nx: number,
    ny: number,
    setup: number,
    work: number,
    spectral: boolean,
  ): void;
  columnPass(
    b: number,
    a: number,
    prop: number,
    bandRe: number,
    nb: number,
    nx: number,
    ny: number,
    setup: number,
    work: number,
    forward: boolean,
    back: boolean,
    acc: number,
    detStart: number,
    detPix: number,
    detOff: number,
    scale: number,
  ): void;
}

let kernelsPromise: Promise<MultisliceKernels | undefined> | undefined;

/** Where the built kernel is (dist/wasm under the package root, from scripts/build-wasm.mjs). */
export function multisliceKernelFile(): string {
  return join(packageRoot(), 'dist', 'wasm', 'multislice.wasm');
}

/**
 * The WASM row and column passes of this thread, or undefined where they are not built (a
 * checkout before `npm run build`): the engine then runs the same passes in JS, which give
 * the same bytes.
 */
export function loadMultisliceKernels(): Promise<MultisliceKernels | undefined> {
  kernelsPromise ??= (async () => {
    const file = multisliceKernelFile();
    if (!existsSync(file)) return undefined;
    const { m, memory } = await loadPffftModule();
    // Emscripten's first call of an export replaces its JS wrapper by the raw wasm function,
    // which the kernel module then imports (a direct wasm-to-wasm call)
    const plan = new FftPlan(m, 16);
    const buf = new WasmBuffer(m, 32);
    const work = new WasmBuffer(m, 32);
    m._pffft_transform(plan.setup, buf.ptr, buf.ptr, work.ptr, FORWARD);
    buf.free();
    work.free();
    m._pffft_destroy_setup(plan.setup);
    const { instance } = await wasm.instantiate(readFileSync(file), {
      env: { memory },
      multislice: { pffftTransform: m._pffft_transform },
    });
    return instance.exports as unknown as MultisliceKernels;
  })();
  return kernelsPromise;
}

/** A float32 buffer in WASM memory; `view()` re-reads the heap in case memory grew. */
export class WasmBuffer {
  readonly ptr: number;
  readonly length: number;
  constructor(
    private readonly m: PffftWasmModule,
    length: number,
  ) {
    this.length = length;
    this.ptr = m._pffft_aligned_malloc(length * 4);
    if (this.ptr === 0) {
      throw new ValidationError(`cannot allocate ${length * 4} bytes of WASM memory`, 'gpts');
    }
  }
  /** Float offset of the buffer in `HEAPF32`. */
  get offset(): number {
    return this.ptr >> 2;
  }
  view(): Float32Array {
    return this.m.HEAPF32.subarray(this.offset, this.offset + this.length);
  }
  free(): void {
    this.m._pffft_aligned_free(this.ptr);
  }
}

/** A 1D complex plan of length n with its internal-order map. */
export class FftPlan {
  readonly setup: number;
  /** Float offset (within a row) of Re / Im of canonical bin k in the internal order. */
  readonly reOffset: Int32Array;
  readonly imOffset: Int32Array;

  constructor(
    readonly m: PffftWasmModule,
    readonly n: number,
  ) {
    if (!isFastFftSize(n)) {
      throw new ValidationError(`FFT length must be 16·2^a·3^b·5^c, got ${n}`, 'gpts');
    }
    this.setup = m._pffft_new_setup(n, COMPLEX);
    if (this.setup === 0) throw new ValidationError(`pffft refused length ${n}`, 'gpts');
    const a = new WasmBuffer(m, 2 * n);
    const b = new WasmBuffer(m, 2 * n);
    try {
      const av = a.view();
      for (let i = 0; i < 2 * n; i++) av[i] = i;
      // canonical -> internal: position p of the output holds canonical float index.
      m._pffft_zreorder(this.setup, a.ptr, b.ptr, BACKWARD);
      const bv = b.view();
      this.reOffset = new Int32Array(n);
      this.imOffset = new Int32Array(n);
      for (let p = 0; p < 2 * n; p++) {
        const c = bv[p]!;
        if ((c & 1) === 0) this.reOffset[c >> 1] = p;
        else this.imOffset[c >> 1] = p;
      }
    } finally {
      a.free();
      b.free();
    }
    // The fused loops assume the block layout [re×4, im×4]; check it once.
    for (let k = 0; k < n; k++) {
      const r = this.reOffset[k]!;
      if (this.imOffset[k] !== r + 4 || (r & 7) >= 4) {
        throw new ValidationError('unexpected pffft internal layout', 'fft');
      }
    }
  }
}

/** Transpose a complex [rows, cols] block (interleaved floats) into [cols, rows]. */
export function transposeComplex(
  src: Float32Array,
  srcOff: number,
  dst: Float32Array,
  dstOff: number,
  rows: number,
  cols: number,
): void {
  const B = 16;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        let s = srcOff + 2 * (r * cols + c0);
        for (let c = c0; c < c1; c++) {
          const d = dstOff + 2 * (c * rows + r);
          dst[d] = src[s]!;
          dst[d + 1] = src[s + 1]!;
          s += 2;
        }
      }
    }
  }
}

/**
 * Ordered 2D complex FFT of row-major [ny, nx] interleaved float32 data (numpy's `fft2`
 * conventions: forward unscaled with e^{−2πi k·x/N}; inverse scaled by 1/(nx·ny)).
 */
export class Fft2 {
  private readonly px: FftPlan;
  private readonly py: FftPlan;
  private readonly a: WasmBuffer;
  private readonly b: WasmBuffer;
  private readonly work: WasmBuffer;

  private constructor(
    private readonly m: PffftWasmModule,
    readonly ny: number,
    readonly nx: number,
  ) {
    this.px = new FftPlan(m, nx);
    this.py = ny === nx ? this.px : new FftPlan(m, ny);
    this.a = new WasmBuffer(m, 2 * nx * ny);
    this.b = new WasmBuffer(m, 2 * nx * ny);
    this.work = new WasmBuffer(m, 2 * Math.max(nx, ny));
  }

  static async create(ny: number, nx: number): Promise<Fft2> {
    return new Fft2(await loadPffft(), ny, nx);
  }

  /** In-place transform of `data` (length 2·ny·nx). */
  transform(data: Float32Array, direction: typeof FORWARD | typeof BACKWARD): void {
    const { nx, ny, m } = this;
    if (data.length !== 2 * nx * ny) {
      throw new ValidationError(`expected ${2 * nx * ny} floats, got ${data.length}`, 'data');
    }
    this.a.view().set(data);
    const w = this.work.ptr;
    for (let r = 0; r < ny; r++) {
      const p = this.a.ptr + r * nx * 8;
      m._pffft_transform_ordered(this.px.setup, p, p, w, direction);
    }
    transposeComplex(m.HEAPF32, this.a.offset, m.HEAPF32, this.b.offset, ny, nx);
    for (let c = 0; c < nx; c++) {
      const p = this.b.ptr + c * ny * 8;
      m._pffft_transform_ordered(this.py.setup, p, p, w, direction);
    }
    transposeComplex(m.HEAPF32, this.b.offset, m.HEAPF32, this.a.offset, nx, ny);
    data.set(this.a.view());
    if (direction === BACKWARD) {
      const s = 1 / (nx * ny);
      for (let i = 0; i < data.length; i++) data[i] = data[i]! * s;
    }
  }

  dispose(): void {
    this.a.free();
    this.b.free();
    this.work.free();
  }
}
