/**
 * `bragg bench multislice`: rutile [001], 80 kV, 20.8 mrad, sampling 0.05 Å, 6×6 cells
 * (27.6 Å → 576² grid), slices of ≤ 1.48 Å to 20 nm (136 slices), 10×10 probe positions.
 * Reports seconds per probe position, the total, and the FFT time per 512² transform; with
 * `prism` also PRISM on the same case per interpolation factor: time, speed-up over the plain
 * run just made, and its relative L1 error against it.
 */
import { availableParallelism } from 'node:os';
import { Fft2, FORWARD } from '../../src/simulate/multislice/fft.js';
import {
  buildSliceStack,
  planSimulation,
  scanPositions,
  type MultisliceParams,
} from '../../src/simulate/multislice/plan.js';
import { simulatePacbed } from '../../src/simulate/multislice/simulate.js';
import { rutile } from '../../test/support/simulate/multislice/crystals.js';
import { relativeL1, samplePattern } from '../../src/simulate/multislice/prism.js';

export interface MultisliceBenchResult {
  case: string;
  grid: [number, number];
  slices: number;
  positions: number;
  threads: number;
  potentialSeconds: number;
  totalSeconds: number;
  /** CPU time of this process, all threads [s]: less sensitive to other load than wall time. */
  cpuSeconds: number;
  secondsPerPosition: number;
  /** Order of the symmetry group used and the positions run (one per orbit; symmetry.ts). */
  symmetryOrder: number;
  computedPositions: number;
  /** With `comparePlain`: every position run, and the relative L1 of the two results. */
  plain?: { totalSeconds: number; cpuSeconds: number; relativeL1: number };
  fftMsPer512: number;
  reference: string;
  /** PRISM runs of the same case, one per interpolation factor (with `prism`). */
  prism?: PrismBenchRow[];
}

export interface PrismBenchRow {
  interpolation: number;
  beams: number;
  sMatrixMiB: number;
  totalSeconds: number;
  cpuSeconds: number;
  secondsPerPosition: number;
  /** Plain total / PRISM total in the same run (wall time). */
  speedup: number;
  /** The same in CPU time. */
  cpuSpeedup: number;
  /** Σ|PRISM − plain at PRISM's angles| / Σ plain (`samplePattern`), at the largest thickness. */
  relativeL1: number;
  /** Angular pixel of the PRISM pattern [mrad]. */
  mradPerPx: number;
}

export const BENCH_PARAMS: MultisliceParams = {
  zone: [0, 0, 1],
  kv: 80,
  convergenceAngle: 20.8,
  thicknesses: [200],
  sampling: 0.05,
  extent: 27.6,
  sliceThickness: 1.48,
  scan: 10,
  maxAngle: 60,
};

/** CPU time of this process (user + system, all threads) [s]. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Time per 512² complex 2D FFT [ms] (forward, ordered, incl. transposes), median of `reps`. */
export async function fftMsPer512(reps = 20): Promise<number> {
  const f = await Fft2.create(512, 512);
  const d = new Float32Array(2 * 512 * 512).map((_, i) => Math.sin(i));
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f.transform(d, FORWARD);
    times.push(performance.now() - t0);
  }
  f.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function runMultisliceBench(
  opts: {
    threads?: number;
    scan?: number;
    prism?: readonly number[];
    /** Use the specimen's symmetry (default true). */
    symmetry?: boolean;
    /** Also run every position (symmetry off) and compare. */
    comparePlain?: boolean;
  } = {},
): Promise<MultisliceBenchResult> {
  const threads = opts.threads ?? Math.min(8, availableParallelism());
  const params: MultisliceParams = {
    ...BENCH_PARAMS,
    scan: opts.scan ?? BENCH_PARAMS.scan,
    symmetry: opts.symmetry ?? true,
  };
  const fft = await fftMsPer512();
  const plan = planSimulation(rutile(), params);
  const t0 = performance.now();
  await buildSliceStack(plan, 0);
  const potentialSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const c1 = cpuSeconds();
  const r = await simulatePacbed(rutile(), params, { threads });
  const totalSeconds = (performance.now() - t1) / 1000;
  const cpu = cpuSeconds() - c1;
  let plain: MultisliceBenchResult['plain'];
  if (opts.comparePlain) {
    const t3 = performance.now();
    const c3 = cpuSeconds();
    const q = await simulatePacbed(rutile(), { ...params, symmetry: false }, { threads });
    plain = {
      totalSeconds: (performance.now() - t3) / 1000,
      cpuSeconds: cpuSeconds() - c3,
      relativeL1: relativeL1(r.patterns, q.patterns),
    };
  }
  const prism: PrismBenchRow[] = [];
  for (const f of opts.prism ?? []) {
    const t2 = performance.now();
    const c2 = cpuSeconds();
    const q = await simulatePacbed(rutile(), { ...params, prism: f }, { threads });
    const seconds = (performance.now() - t2) / 1000;
    const qCpu = cpuSeconds() - c2;
    const n = r.shape[0];
    const fine = r.patterns.subarray((n - 1) * r.shape[1] * r.shape[2]);
    const coarse = q.patterns.subarray((n - 1) * q.shape[1] * q.shape[2]);
    const ref = samplePattern(fine, [r.shape[1], r.shape[2]], f, [q.shape[1], q.shape[2]]);
    prism.push({
      interpolation: f,
      beams: q.prism?.beams ?? 0,
      sMatrixMiB: (q.prism?.sMatrixBytes ?? 0) / 2 ** 20,
      totalSeconds: seconds,
      cpuSeconds: qCpu,
      secondsPerPosition: seconds / q.positions,
      speedup: totalSeconds / seconds,
      cpuSpeedup: cpu / qCpu,
      relativeL1: relativeL1(coarse, ref),
      mradPerPx: q.mradPerPx[1],
    });
  }
  return {
    case: 'rutile [001], 80 kV, 20.8 mrad, 0.05 Å, 6×6 cells, 20 nm',
    grid: [plan.grid.nx, plan.grid.ny],
    slices: plan.nSlices,
    positions: scanPositions(plan).length / 2,
    threads,
    potentialSeconds,
    totalSeconds,
    cpuSeconds: cpu,
    secondsPerPosition: totalSeconds / r.positions,
    symmetryOrder: r.symmetry?.order ?? 1,
    computedPositions: r.symmetry?.computedPositions ?? r.positions,
    ...(plain ? { plain } : {}),
    fftMsPer512: fft,
    reference: 'abTEM 1.0.9 + FFTW, 2 threads, this machine: 0.88 s per probe position (issue 7)',
    ...(prism.length > 0 ? { prism } : {}),
  };
}
