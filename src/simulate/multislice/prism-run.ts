/**
 * The two PRISM task kinds a worker thread (or this thread) runs on shared memory:
 *
 *  - `prism-beams`: move a chunk of S-matrix beams from slice `from` to slice `to` with the
 *    engine's slice loop (starting from the plane wave when `init`), in place in their shared
 *    buffers;
 *  - `prism-reduce`: for a chunk of probe positions, build each probe's window wave
 *    Σ_b c_b e^{−2πi k_b·r₀} S_b(window) from the shared beams, and add its |FFT|² on the
 *    coarse detector. Beams are summed in beam order and positions in position order, so the
 *    result does not depend on the thread count.
 */
import { MultisliceEngine, detectorGeometry } from './engine.js';
import { Fft2, FORWARD } from './fft.js';
import { Grid } from './grid.js';
import type { PositionTask } from './positions.js';

export interface PrismBeamTask {
  kind: 'prism-beams';
  grid: PositionTask['grid'];
  engine: PositionTask['engine'];
  transmissions: Float32Array[];
  sliceMap: Int32Array;
  /** The beams' waves (interleaved complex [ny, nx], shared memory), moved in place. */
  beams: Float32Array[];
  /** Beam wave vectors [Å⁻¹] (used when `init`). */
  kx: Float64Array;
  ky: Float64Array;
  from: number;
  to: number;
  init: boolean;
}

export interface PrismReduceTask {
  kind: 'prism-reduce';
  grid: PositionTask['grid'];
  window: [number, number];
  wavelength: number;
  maxAngle: number;
  beams: Float32Array[];
  kx: Float64Array;
  ky: Float64Array;
  coeffs: Float64Array;
  /** Interleaved (x, y) [Å]. */
  positions: Float64Array;
}

export interface PrismCache {
  engine?: MultisliceEngine;
  engineKey?: string;
  fft?: Fft2;
  fftKey?: string;
}

/** e^{2πi(kx·x + ky·y)} on the grid, written into `out`. */
export function planeWave(grid: Grid, kx: number, ky: number, out: Float32Array): void {
  const { nx, ny } = grid;
  const sx = grid.samplingX;
  const sy = grid.samplingY;
  const er = new Float64Array(nx);
  const ei = new Float64Array(nx);
  for (let ix = 0; ix < nx; ix++) {
    const p = 2 * Math.PI * kx * ix * sx;
    er[ix] = Math.cos(p);
    ei[ix] = Math.sin(p);
  }
  for (let iy = 0; iy < ny; iy++) {
    const p = 2 * Math.PI * ky * iy * sy;
    const yr = Math.cos(p);
    const yi = Math.sin(p);
    let o = 2 * iy * nx;
    for (let ix = 0; ix < nx; ix++) {
      out[o++] = er[ix]! * yr - ei[ix]! * yi;
      out[o++] = er[ix]! * yi + ei[ix]! * yr;
    }
  }
}

export async function runBeamTask(task: PrismBeamTask, cache: PrismCache = {}): Promise<void> {
  const grid = new Grid({ extent: task.grid.extent, gpts: task.grid.gpts });
  const key = JSON.stringify([task.grid, task.engine]);
  let engine = cache.engineKey === key ? cache.engine : undefined;
  if (!engine) {
    cache.engine?.dispose();
    engine = await MultisliceEngine.create(grid, task.engine);
    cache.engine = engine;
    cache.engineKey = key;
  }
  const t = (i: number): Float32Array => task.transmissions[task.sliceMap[i]!]!;
  task.beams.forEach((buf, b) => {
    if (task.init) planeWave(grid, task.kx[b]!, task.ky[b]!, buf);
    engine.setWave(buf);
    engine.advance(task.from, task.to, t);
    engine.copyWaveTo(buf);
  });
}

/** For each coarse detector pixel: the index of its bin in the ordered window FFT, or −1. */
function detectorBins(windowGrid: Grid, wavelength: number, maxAngle: number): Int32Array {
  const det = detectorGeometry(windowGrid, wavelength, maxAngle);
  const { nx: mx, ny: my } = windowGrid;
  const kx = windowGrid.frequenciesX();
  const ky = windowGrid.frequenciesY();
  const band2 = windowGrid.bandLimit ** 2;
  const cx = (det.nx - 1) / 2;
  const cy = (det.ny - 1) / 2;
  const idx = new Int32Array(det.nx * det.ny).fill(-1);
  for (let iy = 0; iy < det.ny; iy++) {
    const by = (((iy - cy) % my) + my) % my;
    for (let ix = 0; ix < det.nx; ix++) {
      const bx = (((ix - cx) % mx) + mx) % mx;
      if (kx[bx]! ** 2 + ky[by]! ** 2 > band2) continue;
      idx[iy * det.nx + ix] = by * mx + bx;
    }
  }
  return idx;
}

/** Sum over the task's positions of the coarse diffraction patterns (one Float64Array). */
export async function runReduceTask(
  task: PrismReduceTask,
  cache: PrismCache = {},
): Promise<Float64Array[]> {
  const [nx, ny] = task.grid.gpts;
  const [mx, my] = task.window;
  const grid = new Grid({ extent: task.grid.extent, gpts: task.grid.gpts });
  const windowGrid = new Grid({
    extent: [(task.grid.extent[0] * mx) / nx, (task.grid.extent[1] * my) / ny],
    gpts: [mx, my],
  });
  const key = JSON.stringify([my, mx]);
  let fft = cache.fftKey === key ? cache.fft : undefined;
  if (!fft) {
    cache.fft?.dispose();
    fft = await Fft2.create(my, mx);
    cache.fft = fft;
    cache.fftKey = key;
  }
  const bins = detectorBins(windowGrid, task.wavelength, task.maxAngle);
  const acc = new Float64Array(bins.length);
  const w = new Float32Array(2 * mx * my);
  const nb = task.beams.length;
  const cr = new Float32Array(nb);
  const ci = new Float32Array(nb);
  const scale = 1 / (mx * my);
  for (let p = 0; p < task.positions.length; p += 2) {
    const x0 = task.positions[p]!;
    const y0 = task.positions[p + 1]!;
    // coefficients of this position: c_b e^{−2πi k_b·r₀}
    for (let b = 0; b < nb; b++) {
      const ph = -2 * Math.PI * (task.kx[b]! * x0 + task.ky[b]! * y0);
      const c = Math.cos(ph);
      const s = Math.sin(ph);
      const ar = task.coeffs[2 * b]!;
      const ai = task.coeffs[2 * b + 1]!;
      cr[b] = ar * c - ai * s;
      ci[b] = ar * s + ai * c;
    }
    // window of mx×my pixels centred on the probe's pixel, periodic on the full grid
    const x0px = ((Math.round(x0 / grid.samplingX) - mx / 2) % nx) + nx;
    const y0px = ((Math.round(y0 / grid.samplingY) - my / 2) % ny) + ny;
    w.fill(0);
    for (let b = 0; b < nb; b++) {
      const S = task.beams[b]!;
      const br = cr[b]!;
      const bi = ci[b]!;
      for (let wy = 0; wy < my; wy++) {
        const row = 2 * ((y0px + wy) % ny) * nx;
        const wo = 2 * wy * mx;
        let sx = x0px % nx;
        let wx = 0;
        while (wx < mx) {
          const run = Math.min(mx - wx, nx - sx);
          let s = row + 2 * sx;
          let d = wo + 2 * wx;
          for (let k = 0; k < run; k++) {
            const re = S[s]!;
            const im = S[s + 1]!;
            w[d] = w[d]! + br * re - bi * im;
            w[d + 1] = w[d + 1]! + br * im + bi * re;
            s += 2;
            d += 2;
          }
          wx += run;
          sx = 0;
        }
      }
    }
    fft.transform(w, FORWARD);
    for (let i = 0; i < bins.length; i++) {
      const o = bins[i]!;
      if (o < 0) continue;
      const re = w[2 * o]!;
      const im = w[2 * o + 1]!;
      acc[i] = acc[i]! + scale * (re * re + im * im);
    }
  }
  return [acc];
}
