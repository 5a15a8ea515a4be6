/**
 * Frames per second of the peaks workflow's classic finder on Pilatus 100K frames (195×487):
 * the finder alone on frames rendered beforehand — on the main thread with the exact per-pixel
 * background (`grid` 1, the finder before the coarse grid) and with the default coarse grid, and
 * on 1 and 2 worker threads (default options) — each the best of `repeats` runs; and
 * `predictScan` end to end (read the NeXus scan in blocks, find, write masks, volume, table; no
 * overlays) on a synthetic scan written first. Timings only; nothing is asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPeaksClassic, type ClassicOptions } from '../../src/workflows/peaks/classic/finder.js';
import { predictScan, type PredictOptions } from '../../src/workflows/peaks/predict/predict.js';
import { backendConfigFromEnv } from '../../src/ml/backend/config.js';
import { initBackend } from '../../src/ml/backend/select.js';
import { fixDeadPixels } from '../../src/workflows/peaks/scan/preprocess.js';
import { planScan, renderFrame } from '../../src/workflows/peaks/synthetic/scene.js';
import { writeSyntheticScan } from '../../src/workflows/peaks/synthetic/write-scan.js';
import { finderOnThreads } from './threads.js';

export interface PeaksClassicBench {
  node: string;
  cpu: string;
  cores: number;
  loadAverage1m: number;
  frameShape: [number, number];
  frames: number;
  /** Default options (coarse background grid), main thread. */
  finderFramesPerSecond: number;
  finderMsPerFrame: number;
  /** The exact per-pixel background (`grid` 1), main thread. */
  finderExactFramesPerSecond: number;
  /** Default options on worker threads: 1 and 2 threads. */
  finderThreads: { threads: number; framesPerSecond: number }[];
  /** `predictScan` over the whole scan, opening and closing the files included. */
  predictFramesPerSecond: number;
  /** `predictScan` after the first block of 32 frames (NaN with one block). */
  predictSteadyFramesPerSecond: number;
  /** `predictScan` with each trained model given (`models`), the same scan. */
  models?: {
    model: string;
    gate?: number;
    framesPerSecond: number;
    steadyFramesPerSecond: number;
  }[];
  peaksFound: number;
}

export async function runPeaksClassicBench(
  o: {
    frames?: number;
    seed?: number;
    repeats?: number;
    models?: readonly string[];
    /** Also time each model with these `--gate` values (σ). */
    gates?: readonly number[];
  } = {},
): Promise<PeaksClassicBench> {
  const frames = o.frames ?? 64;
  const plan = planScan({ frames, seed: o.seed ?? 1 });
  const { height: h, width: w } = plan;
  const mask = new Uint8Array(h * w);
  for (const i of plan.masked) mask[i] = 1;
  // predict first, in a fresh process state (before the finder's frames fill the heap).
  const predict = await predictBench(plan, frames, 'classic');
  const models: NonNullable<PeaksClassicBench['models']> = [];
  // the backend `bragg peaks predict --model` starts (wasm on every core by default)
  if ((o.models ?? []).length > 0) await initBackend(backendConfigFromEnv(process.env));
  for (const model of o.models ?? []) {
    for (const gate of [undefined, ...(o.gates ?? [])]) {
      const r = await predictBench(plan, frames, { model, ...(gate !== undefined ? { gate } : {}) }); // prettier-ignore
      models.push({
        model,
        ...(gate !== undefined ? { gate } : {}),
        framesPerSecond: r.whole,
        steadyFramesPerSecond: r.steady,
      });
    }
  }
  const data = Array.from({ length: frames }, (_, f) => {
    const x = Float32Array.from(renderFrame(plan, f).counts);
    fixDeadPixels(x, h, w, mask);
    return x;
  });
  const repeats = o.repeats ?? 3;
  let peaks = 0;
  const timed = (options: ClassicOptions): number => {
    for (let k = 0; k < Math.min(8, frames); k++) findPeaksClassic(data[k]!, h, w, options, mask); // warm-up
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      peaks = 0;
      const t0 = performance.now();
      for (const x of data) peaks += findPeaksClassic(x, h, w, options, mask).peaks.length;
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  };
  const exactMs = timed({ grid: 1 });
  const ms = timed({});
  const finderThreads: { threads: number; framesPerSecond: number }[] = [];
  for (const threads of [1, 2]) {
    const r = await finderOnThreads(data, h, w, mask, {}, threads, repeats);
    finderThreads.push({ threads, framesPerSecond: r.framesPerSecond });
  }
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    loadAverage1m: loadavg()[0] ?? NaN,
    frameShape: [h, w],
    frames,
    finderFramesPerSecond: (frames * 1000) / ms,
    finderMsPerFrame: ms / frames,
    finderExactFramesPerSecond: (frames * 1000) / exactMs,
    finderThreads,
    predictFramesPerSecond: predict.whole,
    predictSteadyFramesPerSecond: predict.steady,
    ...(models.length > 0 ? { models } : {}),
    peaksFound: peaks,
  };
}

/**
 * `predictScan` end to end on a synthetic scan written first, run twice (the first run starts
 * the HDF5 worker and compiles the finder); the better of the two.
 */
async function predictBench(
  plan: ReturnType<typeof planScan>,
  frames: number,
  method: PredictOptions['method'],
): Promise<{ whole: number; steady: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'bragg-bench-peaks-'));
  let whole = NaN;
  let steady = NaN;
  try {
    const scan = join(dir, 'scan.nxs');
    await writeSyntheticScan(plan, scan, join(dir, 'scan_labels.h5'));
    for (let run = 0; run < 2; run++) {
      // Progress marks: the steady rate leaves out opening the files and the first block,
      // which a long scan pays once.
      const marks: [number, number][] = [];
      const t1 = performance.now();
      const r = await predictScan({
        scan,
        outDir: join(dir, 'out'),
        method,
        overlays: 0,
        onProgress: (done) => marks.push([done, performance.now() - t1]),
      });
      whole = Math.max(whole, frames / r.elapsedS) || frames / r.elapsedS;
      const first = marks[0];
      const last = marks[marks.length - 1];
      if (first && last && last[0] > first[0]) {
        const s = ((last[0] - first[0]) * 1000) / (last[1] - first[1]);
        steady = Math.max(steady, s) || s;
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { whole, steady };
}
