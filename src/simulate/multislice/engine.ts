/**
 * The multislice inner loop on pffft, float32 complex:
 *
 *   ψ ← t_i·ψ;  Ψ = FFT(ψ);  [detect |Ψ|² at thickness outputs];  ψ ← IFFT(P·Ψ)
 *
 * The 2D FFT is rows (unordered pffft, in WASM memory) → gather → columns. Only the kx bins
 * inside the anti-aliasing band (2/3 Nyquist) are gathered and column-transformed: the
 * propagator is zero outside it, so the other columns never need transforming (a third
 * fewer column FFTs and a smaller transpose). Spectra stay in pffft's internal order; the
 * propagator and the detector map are precomputed in that order. The exit wave's
 * diffraction pattern |FFT(t·ψ)|² is read before the last propagator (a unit-modulus phase
 * inside the band), so detecting costs no extra FFT.
 *
 * One slice is two fused passes, each touching a line while it is in cache:
 *   rows:    inverse row FFT (A row → scratch) · t_i · forward row FFT → gather band bins to B
 *   columns: forward column FFT → detect → ·P → inverse column FFT → scatter to A's band bins
 * so a slice sweeps the wave twice instead of seven times (multiply, two transposes, the
 * propagator, a clear and four FFT passes). A's bins outside the band stay zero between slices.
 * Band columns are kept in the order of their position in pffft's row layout, so the scatter
 * of consecutive columns writes neighbouring floats. Both passes run in WASM SIMD
 * (wasm/assembly/multislice.ts, calling pffft from WASM) where that module is built, else in
 * JS; the two give the same bytes (the same float64 arithmetic, rounded once to float32).
 */

/** Transmission functions kept in WASM memory per engine (a static lattice has one or two). */
const RESIDENT_SLICES = 8;

/** The WASM-side buffers of the kernel path. */
interface KernelState {
  k: MultisliceKernels;
  bandRe: WasmBuffer;
  prop: WasmBuffer;
  detStart: WasmBuffer;
  detPix: WasmBuffer;
  detOff: WasmBuffer;
  /** Float64 detector scratch (2 floats per pixel). */
  acc: WasmBuffer;
  /** Copies of transmission functions, least recently used first. */
  slices: Map<Float32Array, WasmBuffer>;
}
import type { PffftWasmModule } from '@echogarden/pffft-wasm/simd';
import {
  BACKWARD,
  FORWARD,
  FftPlan,
  WasmBuffer,
  loadMultisliceKernels,
  loadPffft,
  type MultisliceKernels,
} from './fft.js';
import type { Grid } from './grid.js';

export interface EngineOptions {
  /** Electron wavelength [Å]. */
  wavelength: number;
  /** Slice thickness [Å]. */
  sliceThickness: number;
  /** Specimen tilt (x, y) [mrad] (mistilt); applied through the tilted Fresnel propagator. */
  tilt: readonly [number, number];
  /** Half-width of the square detector [mrad]; clipped to the band limit. */
  maxAngle: number;
}

/** Detector geometry: a (2cy+1)×(2cx+1) pattern with zero angle at (cy, cx). */
export interface DetectorGeometry {
  ny: number;
  nx: number;
  /** Angular pixel size (y, x) [mrad]. */
  mradPerPx: [number, number];
}

export function detectorGeometry(
  grid: Grid,
  wavelength: number,
  maxAngle: number,
): DetectorGeometry {
  const kmax = Math.min(maxAngle / 1000 / wavelength, grid.bandLimit);
  const cx = Math.floor(kmax / grid.dkX + 1e-9);
  const cy = Math.floor(kmax / grid.dkY + 1e-9);
  return {
    ny: 2 * cy + 1,
    nx: 2 * cx + 1,
    mradPerPx: [wavelength * grid.dkY * 1000, wavelength * grid.dkX * 1000],
  };
}

export class MultisliceEngine {
  readonly detector: DetectorGeometry;
  private readonly planX: FftPlan;
  private readonly planY: FftPlan;
  /** The wave: real space [ny, nx], or row spectra (internal order) between the passes. */
  private readonly a: WasmBuffer;
  /** Band columns [nb, ny], column-major: canonical rows, or internal order after the FFT. */
  private readonly b: WasmBuffer;
  /** One row of scratch (the row pass works out of place, so A keeps its zeros). */
  private readonly row: WasmBuffer;
  private readonly work: WasmBuffer;
  /** Canonical kx bins inside the band, in B-column order (by their offset in a row). */
  private readonly bandBins: Int32Array;
  /** Float offset of Re of band column j's bin within a row spectrum. */
  private readonly bandRe: Int32Array;
  /** Propagator (×1/N) in B layout. */
  private readonly prop: Float32Array;
  /** Detector pixels of column j: detPix/detOff[detStart[j] … detStart[j+1]−1]. */
  private readonly detStart: Int32Array;
  /** Detector pixel index (iy·dnx + ix). */
  private readonly detPix: Int32Array;
  /** Float offset of Re of that pixel within its B column. */
  private readonly detOff: Int32Array;
  private readonly kernel: KernelState | undefined;

  private constructor(
    private readonly m: PffftWasmModule,
    readonly grid: Grid,
    readonly options: EngineOptions,
    kernels: MultisliceKernels | undefined,
  ) {
    const { nx, ny } = grid;
    this.planX = new FftPlan(m, nx);
    this.planY = ny === nx ? this.planX : new FftPlan(m, ny);
    const kx = grid.frequenciesX();
    const ky = grid.frequenciesY();
    const band2 = grid.bandLimit ** 2;
    const reX = this.planX.reOffset;
    const bins: number[] = [];
    for (let i = 0; i < nx; i++) if (kx[i]! ** 2 <= band2) bins.push(i);
    bins.sort((p, q) => reX[p]! - reX[q]!);
    this.bandBins = Int32Array.from(bins);
    this.bandRe = Int32Array.from(bins, (i) => reX[i]!);
    const nb = bins.length;
    this.a = new WasmBuffer(m, 2 * nx * ny);
    this.b = new WasmBuffer(m, 2 * nb * ny);
    this.row = new WasmBuffer(m, 2 * nx);
    this.work = new WasmBuffer(m, 2 * Math.max(nx, ny));

    const { wavelength: lam, sliceThickness: dz, tilt } = options;
    const tx = Math.tan(tilt[0] / 1000);
    const ty = Math.tan(tilt[1] / 1000);
    const scale = 1 / (nx * ny);
    this.prop = new Float32Array(2 * nb * ny);
    const reY = this.planY.reOffset;
    for (let j = 0; j < nb; j++) {
      const kxj = kx[bins[j]!]!;
      for (let iy = 0; iy < ny; iy++) {
        const k2 = kxj * kxj + ky[iy]! ** 2;
        if (k2 > band2) continue;
        // Fresnel propagator exp(−iπλΔz k²) with tilt exp(2πiΔz(kx tanθx + ky tanθy)).
        const ph = -Math.PI * lam * dz * k2 + 2 * Math.PI * dz * (kxj * tx + ky[iy]! * ty);
        const o = 2 * j * ny + reY[iy]!;
        this.prop[o] = scale * Math.cos(ph);
        this.prop[o + 4] = scale * Math.sin(ph);
      }
    }

    this.detector = detectorGeometry(grid, lam, options.maxAngle);
    const { nx: dnx, ny: dny } = this.detector;
    const cx = (dnx - 1) / 2;
    const cy = (dny - 1) / 2;
    const bandIndex = new Int32Array(nx).fill(-1);
    bins.forEach((b, j) => (bandIndex[b] = j));
    const perColumn: [number, number][][] = bins.map(() => []);
    for (let iy = 0; iy < dny; iy++) {
      const by = (((iy - cy) % ny) + ny) % ny;
      for (let ix = 0; ix < dnx; ix++) {
        const bx = (((ix - cx) % nx) + nx) % nx;
        const j = bandIndex[bx]!;
        if (j < 0 || kx[bx]! ** 2 + ky[by]! ** 2 > band2) continue;
        perColumn[j]!.push([iy * dnx + ix, reY[by]!]);
      }
    }
    this.detStart = new Int32Array(nb + 1);
    const pix: number[] = [];
    const off: number[] = [];
    perColumn.forEach((list, j) => {
      for (const [p, o] of list) {
        pix.push(p);
        off.push(o);
      }
      this.detStart[j + 1] = pix.length;
    });
    this.detPix = Int32Array.from(pix);
    this.detOff = Int32Array.from(off);
    this.kernel = kernels && this.kernelState(kernels);
  }

  /**
   * An engine for `grid`; `wasmPasses: false` runs the row and column passes in JS even where
   * the WASM module is built (the tests compare the two).
   */
  static async create(
    grid: Grid,
    options: EngineOptions,
    { wasmPasses = true }: { wasmPasses?: boolean } = {},
  ): Promise<MultisliceEngine> {
    const kernels = wasmPasses ? await loadMultisliceKernels() : undefined;
    return new MultisliceEngine(await loadPffft(), grid, options, kernels);
  }

  /** Whether the passes run in WASM. */
  get wasmPasses(): boolean {
    return this.kernel !== undefined;
  }

  private kernelState(k: MultisliceKernels): KernelState {
    const { m } = this;
    const ints = (a: Int32Array): WasmBuffer => {
      const b = new WasmBuffer(m, Math.max(1, a.length));
      new Int32Array(m.HEAPF32.buffer, b.ptr, a.length).set(a);
      return b;
    };
    const prop = new WasmBuffer(m, this.prop.length);
    prop.view().set(this.prop);
    return {
      k,
      bandRe: ints(this.bandRe),
      prop,
      detStart: ints(this.detStart),
      detPix: ints(this.detPix),
      detOff: ints(this.detOff),
      acc: new WasmBuffer(m, 2 * this.detector.nx * this.detector.ny),
      slices: new Map(),
    };
  }

  /** Byte offset of a WASM copy of transmission function `t` (copied once, kept LRU). */
  private resident(ks: KernelState, t: Float32Array): number {
    let b = ks.slices.get(t);
    if (b) {
      ks.slices.delete(t);
    } else {
      if (ks.slices.size >= RESIDENT_SLICES) {
        const [oldT, oldB] = ks.slices.entries().next().value as [Float32Array, WasmBuffer];
        ks.slices.delete(oldT);
        oldB.free();
      }
      b = new WasmBuffer(this.m, t.length);
      b.view().set(t);
    }
    ks.slices.set(t, b);
    return b.ptr;
  }

  /**
   * Load a wave given by its Fourier coefficients c_k (canonical FFT order, interleaved,
   * [ny, nx]; zero outside the band) shifted by (x0, y0) [Å]: ψ(r) = Σ c_k e^{2πik·(r−r0)}.
   */
  loadFourier(coeffs: Float32Array, x0 = 0, y0 = 0): void {
    const { nx, ny } = this.grid;
    const kx = this.grid.frequenciesX();
    const ky = this.grid.frequenciesY();
    const B = this.b.view();
    B.fill(0);
    const reY = this.planY.reOffset;
    const eyr = new Float64Array(ny);
    const eyi = new Float64Array(ny);
    for (let iy = 0; iy < ny; iy++) {
      eyr[iy] = Math.cos(-2 * Math.PI * ky[iy]! * y0);
      eyi[iy] = Math.sin(-2 * Math.PI * ky[iy]! * y0);
    }
    for (let j = 0; j < this.bandBins.length; j++) {
      const bx = this.bandBins[j]!;
      const exr = Math.cos(-2 * Math.PI * kx[bx]! * x0);
      const exi = Math.sin(-2 * Math.PI * kx[bx]! * x0);
      for (let iy = 0; iy < ny; iy++) {
        const s = 2 * (iy * nx + bx);
        const cr = coeffs[s]!;
        const ci = coeffs[s + 1]!;
        if (cr === 0 && ci === 0) continue;
        const pr = exr * eyr[iy]! - exi * eyi[iy]!;
        const pi = exr * eyi[iy]! + exi * eyr[iy]!;
        const o = 2 * j * ny + reY[iy]!;
        B[o] = cr * pr - ci * pi;
        B[o + 4] = cr * pi + ci * pr;
      }
    }
    this.a.view().fill(0);
    this.columns(false, true);
    this.rowsToReal();
  }

  /** The current real-space wave, interleaved complex [ny, nx] (a copy). */
  wave(): Float32Array {
    return this.a.view().slice();
  }

  /** Replace the real-space wave (interleaved complex [ny, nx]). */
  setWave(psi: Float32Array): void {
    this.a.view().set(psi);
  }

  /**
   * Run slices 0 … nSlices−1 with `transmission(i)`; after slice i, if `outputs` holds i+1,
   * add weight·|Ψ|²/N on the detector to `accumulators[outputIndex]`.
   */
  run(
    nSlices: number,
    transmission: (i: number) => Float32Array,
    outputs: readonly number[],
    accumulators: readonly Float64Array[],
    weight = 1,
  ): void {
    this.runRange(0, nSlices, transmission, outputs, accumulators, weight);
  }

  /**
   * `run` for slices from … to−1 only, continuing from the current wave: a run split into
   * ranges (e.g. frozen-phonon slices built block by block) does exactly the same operations
   * as one `run`. After the range the wave is the one entering slice `to`.
   */
  runRange(
    from: number,
    to: number,
    transmission: (i: number) => Float32Array,
    outputs: readonly number[],
    accumulators: readonly Float64Array[],
    weight = 1,
  ): void {
    const last = Math.max(...outputs);
    let spectral = false;
    for (let i = from; i < Math.min(to, last); i++) {
      this.rows(transmission(i), spectral);
      const o = outputs.indexOf(i + 1);
      spectral = i + 1 < last;
      this.columns(true, spectral, o >= 0 ? accumulators[o] : undefined, weight);
    }
    if (spectral) this.rowsToReal();
  }

  /**
   * Transmit and propagate slices from … to−1: ψ ← IFFT(P·FFT(t_i·ψ)) each, leaving the
   * band-limited real-space wave after the last propagator (the S-matrix convention of PRISM;
   * abTEM's exit wave convention). Intensities inside the band equal those `run` detects.
   */
  advance(from: number, to: number, transmission: (i: number) => Float32Array): void {
    for (let i = from; i < to; i++) {
      this.rows(transmission(i), i > from);
      this.columns(true, true);
    }
    if (to > from) this.rowsToReal();
  }

  /** Copy the current real-space wave into `out` (interleaved complex [ny, nx]). */
  copyWaveTo(out: Float32Array): void {
    out.set(this.a.view());
  }

  /**
   * The row pass of a slice: each row of A (real space, or a row spectrum with zeros outside
   * the band when `spectral`) → real row in scratch → ·t → forward FFT → its band bins to B.
   * From real space, A's rows are cleared as they are read (the column pass writes only the
   * band bins back).
   */
  private rows(t: Float32Array, spectral: boolean): void {
    const { m } = this;
    const { nx, ny } = this.grid;
    const ks = this.kernel;
    if (ks) {
      const tp = this.resident(ks, t);
      ks.k.rowPass(
        this.a.ptr,
        this.row.ptr,
        tp,
        this.b.ptr,
        ks.bandRe.ptr,
        this.bandRe.length,
        nx,
        ny,
        this.planX.setup,
        this.work.ptr,
        spectral,
      );
      return;
    }
    const H = m.HEAPF32;
    const sx = this.planX.setup;
    const w = this.work.ptr;
    const sp = this.row.ptr;
    const so = this.row.offset;
    const ao = this.a.offset;
    const bo = this.b.offset;
    const bandRe = this.bandRe;
    const nb = bandRe.length;
    const n2 = 2 * nx;
    for (let r = 0; r < ny; r++) {
      const ar = ao + r * n2;
      const tr = r * n2;
      // the source of the product: the inverse-transformed row in scratch, or A's row itself
      let src = so;
      if (spectral) m._pffft_transform(sx, this.a.ptr + r * nx * 8, sp, w, BACKWARD);
      else src = ar;
      for (let i = 0; i < n2; i += 2) {
        const xr = H[src + i]!;
        const xi = H[src + i + 1]!;
        const cr = t[tr + i]!;
        const ci = t[tr + i + 1]!;
        H[so + i] = xr * cr - xi * ci;
        H[so + i + 1] = xr * ci + xi * cr;
      }
      if (!spectral) H.fill(0, ar, ar + n2);
      m._pffft_transform(sx, sp, sp, w, FORWARD);
      let d = bo + 2 * r;
      const step = 2 * ny;
      for (let j = 0; j < nb; j++) {
        const s = so + bandRe[j]!;
        H[d] = H[s]!;
        H[d + 1] = H[s + 4]!;
        d += step;
      }
    }
  }

  /**
   * The column pass: per band column, [forward FFT, detect into `acc`], then with `back`
   * [·P (after a forward FFT), inverse FFT, scatter into A's band bins].
   */
  private columns(forward: boolean, back: boolean, acc?: Float64Array, weight = 1): void {
    const { m } = this;
    const { nx, ny } = this.grid;
    const ks = this.kernel;
    if (ks) {
      const scratch = acc && new Float64Array(m.HEAPF32.buffer, ks.acc.ptr, acc.length);
      scratch?.fill(0);
      ks.k.columnPass(
        this.b.ptr,
        this.a.ptr,
        ks.prop.ptr,
        ks.bandRe.ptr,
        this.bandRe.length,
        nx,
        ny,
        this.planY.setup,
        this.work.ptr,
        forward,
        back,
        acc ? ks.acc.ptr : 0,
        ks.detStart.ptr,
        ks.detPix.ptr,
        ks.detOff.ptr,
        weight / (nx * ny),
      );
      // a fresh view: the pass allocates nothing, but stay safe if memory grew meanwhile
      if (acc) {
        const v = new Float64Array(m.HEAPF32.buffer, ks.acc.ptr, acc.length);
        for (let p = 0; p < acc.length; p++) acc[p] = acc[p]! + v[p]!;
      }
      void scratch;
      return;
    }
    const H = m.HEAPF32;
    const sy = this.planY.setup;
    const w = this.work.ptr;
    const ao = this.a.offset;
    const bo = this.b.offset;
    const P = this.prop;
    const { bandRe, detStart, detPix, detOff } = this;
    const nb = bandRe.length;
    const s = weight / (nx * ny);
    const n2 = 2 * nx;
    for (let j = 0; j < nb; j++) {
      const cp = this.b.ptr + j * ny * 8;
      const co = bo + 2 * j * ny;
      if (forward) {
        m._pffft_transform(sy, cp, cp, w, FORWARD);
        if (acc) {
          for (let e = detStart[j]!; e < detStart[j + 1]!; e++) {
            const o = co + detOff[e]!;
            const re = H[o]!;
            const im = H[o + 4]!;
            const p = detPix[e]!;
            acc[p] = acc[p]! + s * (re * re + im * im);
          }
        }
      }
      if (!back) continue;
      if (forward) {
        const po = 2 * j * ny;
        for (let o = 0; o < 2 * ny; o += 8) {
          for (let q = 0; q < 4; q++) {
            const br = H[co + o + q]!;
            const bi = H[co + o + q + 4]!;
            const pr = P[po + o + q]!;
            const pi = P[po + o + q + 4]!;
            H[co + o + q] = br * pr - bi * pi;
            H[co + o + q + 4] = br * pi + bi * pr;
          }
        }
      }
      m._pffft_transform(sy, cp, cp, w, BACKWARD);
      let d = ao + bandRe[j]!;
      for (let r = 0; r < ny; r++) {
        H[d] = H[co + 2 * r]!;
        H[d + 4] = H[co + 2 * r + 1]!;
        d += n2;
      }
    }
  }

  /** Inverse row FFTs of A in place: row spectra → the real-space wave. */
  private rowsToReal(): void {
    const { m } = this;
    const { nx, ny } = this.grid;
    const sx = this.planX.setup;
    const w = this.work.ptr;
    for (let r = 0; r < ny; r++) {
      const p = this.a.ptr + r * nx * 8;
      m._pffft_transform(sx, p, p, w, BACKWARD);
    }
  }

  dispose(): void {
    this.a.free();
    this.b.free();
    this.row.free();
    this.work.free();
    const ks = this.kernel;
    if (ks) {
      for (const b of [ks.bandRe, ks.prop, ks.detStart, ks.detPix, ks.detOff, ks.acc]) b.free();
      for (const b of ks.slices.values()) b.free();
      ks.slices.clear();
    }
  }
}
