/**
 * Frames per second of the peaks workflow's classic finder on Pilatus 100K frames (195×487):
 * the finder alone on frames rendered beforehand (one thread), and `predictScan` end to end
 * (read the NeXus scan in blocks, find, write masks, volume, table; no overlays) on a synthetic
 * scan written first. Timings only; nothing is asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPeaksClassic } from '../../src/workflows/peaks/classic/finder.js';
import { predictScan } from '../../src/workflows/peaks/predict/predict.js';
import { fixDeadPixels } from '../../src/workflows/peaks/scan/preprocess.js';
import { planScan, renderFrame } from '../../src/workflows/peaks/synthetic/scene.js';
import { writeSyntheticScan } from '../../src/workflows/peaks/synthetic/write-scan.js';

export interface PeaksClassicBench {
  node: string;
  cpu: string;
  cores: number;
  loadAverage1m: number;
  frameShape: [number, number];
  frames: number;
  finderFramesPerSecond: number;
  finderMsPerFrame: number;
  predictFramesPerSecond: number;
  peaksFound: number;
}

export async function runPeaksClassicBench(
  o: { frames?: number; seed?: number } = {},
): Promise<PeaksClassicBench> {
  const frames = o.frames ?? 64;
  const plan = planScan({ frames, seed: o.seed ?? 1 });
  const { height: h, width: w } = plan;
  const mask = new Uint8Array(h * w);
  for (const i of plan.masked) mask[i] = 1;
  const data = Array.from({ length: frames }, (_, f) => {
    const x = Float32Array.from(renderFrame(plan, f).counts);
    fixDeadPixels(x, h, w, mask);
    return x;
  });
  for (let k = 0; k < Math.min(4, frames); k++) findPeaksClassic(data[k]!, h, w, {}, mask); // warm-up
  let peaks = 0;
  const t0 = performance.now();
  for (const x of data) peaks += findPeaksClassic(x, h, w, {}, mask).peaks.length;
  const ms = performance.now() - t0;
  const dir = await mkdtemp(join(tmpdir(), 'bragg-bench-peaks-'));
  let predictFps = NaN;
  try {
    const scan = join(dir, 'scan.nxs');
    await writeSyntheticScan(plan, scan, join(dir, 'scan_labels.h5'));
    const r = await predictScan({ scan, outDir: join(dir, 'out'), method: 'classic', overlays: 0 });
    predictFps = frames / r.elapsedS;
  } finally {
    await rm(dir, { recursive: true, force: true });
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
    predictFramesPerSecond: predictFps,
    peaksFound: peaks,
  };
}
