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
 */
import type { PffftWasmModule } from '@echogarden/pffft-wasm/simd';
import { BACKWARD, FORWARD, FftPlan, WasmBuffer, loadPffft } from './fft.js';
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
  private readonly a: WasmBuffer;
  private readonly b: WasmBuffer;
  private readonly work: WasmBuffer;
  /** Canonical kx bins inside the band, in B-row order. */
  private readonly bandBins: Int32Array;
  /** Propagator (×1/N) in B layout. */
  private readonly prop: Float32Array;
  /** For each detector pixel: float index of Re in B, or −1 outside the band. */
  private readonly detIndex: Int32Array;

  private constructor(
    private readonly m: PffftWasmModule,
    readonly grid: Grid,
    readonly options: EngineOptions,
  ) {
    const { nx, ny } = grid;
    this.planX = new FftPlan(m, nx);
    this.planY = ny === nx ? this.planX : new FftPlan(m, ny);
    const kx = grid.frequenciesX();
    const ky = grid.frequenciesY();
    const band2 = grid.bandLimit ** 2;
    const bins: number[] = [];
    for (let i = 0; i < nx; i++) if (kx[i]! ** 2 <= band2) bins.push(i);
    this.bandBins = Int32Array.from(bins);
    const nb = bins.length;
    this.a = new WasmBuffer(m, 2 * nx * ny);
    this.b = new WasmBuffer(m, 2 * nb * ny);
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
    this.detIndex = new Int32Array(dnx * dny).fill(-1);
    for (let iy = 0; iy < dny; iy++) {
      const by = (((iy - cy) % ny) + ny) % ny;
      for (let ix = 0; ix < dnx; ix++) {
        const bx = (((ix - cx) % nx) + nx) % nx;
        const j = bandIndex[bx]!;
        if (j < 0 || kx[bx]! ** 2 + ky[by]! ** 2 > band2) continue;
        this.detIndex[iy * dnx + ix] = 2 * j * ny + reY[by]!;
      }
    }
  }

  static async create(grid: Grid, options: EngineOptions): Promise<MultisliceEngine> {
    return new MultisliceEngine(await loadPffft(), grid, options);
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
    this.inverseFromB();
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
    for (let i = from; i < Math.min(to, last); i++) {
      this.multiply(transmission(i));
      this.forwardToB();
      const o = outputs.indexOf(i + 1);
      if (o >= 0) this.detect(accumulators[o]!, weight);
      if (i + 1 < last) {
        this.propagateB();
        this.inverseFromB();
      }
    }
  }

  /**
   * Transmit and propagate slices from … to−1: ψ ← IFFT(P·FFT(t_i·ψ)) each, leaving the
   * band-limited real-space wave after the last propagator (the S-matrix convention of PRISM;
   * abTEM's exit wave convention). Intensities inside the band equal those `run` detects.
   */
  advance(from: number, to: number, transmission: (i: number) => Float32Array): void {
    for (let i = from; i < to; i++) {
      this.multiply(transmission(i));
      this.forwardToB();
      this.propagateB();
      this.inverseFromB();
    }
  }

  /** Copy the current real-space wave into `out` (interleaved complex [ny, nx]). */
  copyWaveTo(out: Float32Array): void {
    out.set(this.a.view());
  }

  private multiply(t: Float32Array): void {
    const A = this.m.HEAPF32;
    const off = this.a.offset;
    const n = t.length;
    for (let i = 0; i < n; i += 2) {
      const ar = A[off + i]!;
      const ai = A[off + i + 1]!;
      const tr = t[i]!;
      const ti = t[i + 1]!;
      A[off + i] = ar * tr - ai * ti;
      A[off + i + 1] = ar * ti + ai * tr;
    }
  }

  private forwardToB(): void {
    const { m } = this;
    const { nx, ny } = this.grid;
    const w = this.work.ptr;
    const sx = this.planX.setup;
    for (let r = 0; r < ny; r++) {
      const p = this.a.ptr + r * nx * 8;
      m._pffft_transform(sx, p, p, w, FORWARD);
    }
    const H = m.HEAPF32;
    const ao = this.a.offset;
    const bo = this.b.offset;
    const reX = this.planX.reOffset;
    const nb = this.bandBins.length;
    for (let j = 0; j < nb; j++) {
      const src = ao + reX[this.bandBins[j]!]!;
      let d = bo + 2 * j * ny;
      for (let r = 0; r < ny; r++) {
        const s = src + 2 * r * nx;
        H[d] = H[s]!;
        H[d + 1] = H[s + 4]!;
        d += 2;
      }
    }
    const sy = this.planY.setup;
    for (let j = 0; j < nb; j++) {
      const p = this.b.ptr + j * ny * 8;
      m._pffft_transform(sy, p, p, w, FORWARD);
    }
  }

  private propagateB(): void {
    const H = this.m.HEAPF32;
    const bo = this.b.offset;
    const P = this.prop;
    const n = P.length;
    for (let o = 0; o < n; o += 8) {
      for (let q = 0; q < 4; q++) {
        const br = H[bo + o + q]!;
        const bi = H[bo + o + q + 4]!;
        const pr = P[o + q]!;
        const pi = P[o + q + 4]!;
        H[bo + o + q] = br * pr - bi * pi;
        H[bo + o + q + 4] = br * pi + bi * pr;
      }
    }
  }

  private inverseFromB(): void {
    const { m } = this;
    const { nx, ny } = this.grid;
    const w = this.work.ptr;
    const nb = this.bandBins.length;
    const sy = this.planY.setup;
    for (let j = 0; j < nb; j++) {
      const p = this.b.ptr + j * ny * 8;
      m._pffft_transform(sy, p, p, w, BACKWARD);
    }
    const H = m.HEAPF32;
    const ao = this.a.offset;
    const bo = this.b.offset;
    H.fill(0, ao, ao + 2 * nx * ny);
    const reX = this.planX.reOffset;
    for (let j = 0; j < nb; j++) {
      const dst = ao + reX[this.bandBins[j]!]!;
      let s = bo + 2 * j * ny;
      for (let r = 0; r < ny; r++) {
        const d = dst + 2 * r * nx;
        H[d] = H[s]!;
        H[d + 4] = H[s + 1]!;
        s += 2;
      }
    }
    const sx = this.planX.setup;
    for (let r = 0; r < ny; r++) {
      const p = this.a.ptr + r * nx * 8;
      m._pffft_transform(sx, p, p, w, BACKWARD);
    }
  }

  private detect(acc: Float64Array, weight: number): void {
    const H = this.m.HEAPF32;
    const bo = this.b.offset;
    const s = weight / (this.grid.nx * this.grid.ny);
    const idx = this.detIndex;
    for (let p = 0; p < idx.length; p++) {
      const o = idx[p]!;
      if (o < 0) continue;
      const re = H[bo + o]!;
      const im = H[bo + o + 4]!;
      acc[p] = acc[p]! + s * (re * re + im * im);
    }
  }

  dispose(): void {
    this.a.free();
    this.b.free();
    this.work.free();
  }
}
