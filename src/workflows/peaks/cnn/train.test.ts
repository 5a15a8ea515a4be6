/**
 * The supervised peaks model end to end on a tiny synthetic dataset (small frames, dense
 * peaks): it overfits the training frames and then finds their peaks through predict (a
 * property that fails if the network, the targets or the decoding is broken), resumes exactly,
 * and refuses what is not a peaks model or not a dataset.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, NotFoundError, ValidationError } from '../../../core/errors.js';
import { InlineExecutor } from '../../../jobs/executor.js';
import { JobRegistry } from '../../../jobs/registry.js';
import { initBackend } from '../../../ml/backend/select.js';
import { evaluateMasks } from '../evaluate/evaluate.js';
import { PEAKS_JOB_TYPES } from '../jobs.js';
import { predictScan } from '../predict/predict.js';
import { runPeaksDataset } from '../synthetic/run.js';
import { loadPeaksModel } from './model.js';
import { THRESHOLDS, trainPeaksModel, type TrainPeaksOptions } from './train.js';

let dir: string;
let data: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
  dir = await mkdtemp(join(tmpdir(), 'bragg-peaks-cnn-'));
  data = join(dir, 'data');
  // 2 scans of 6 frames, 96 × 48 pixels, dense peaks: scan_0000 trains, scan_0001 validates
  await runPeaksDataset({ scans: 2, frames: 6, seed: 3, height: 48, width: 96, density: 3 }, data, {
    executor: new InlineExecutor(new JobRegistry(PEAKS_JOB_TYPES)),
  });
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = (outDir: string, more: Partial<TrainPeaksOptions> = {}): TrainPeaksOptions => ({
  data,
  outDir,
  crop: 32,
  batchSize: 8,
  steps: 8,
  filters: 8,
  levels: 2,
  valSplit: 0.5,
  seed: 1,
  learningRate: 5e-3,
  ...more,
});

describe('peaks model (supervised U-Net)', () => {
  it('overfits a handful of frames and then finds their peaks (predict --model)', async () => {
    const modelDir = join(dir, 'model');
    const r = await trainPeaksModel(tiny(modelDir, { epochs: 30, patience: 30 }));
    expect(r.frames).toEqual({ train: 6, validation: 6 });
    expect(r.history.length).toBe(30);
    const first = r.history[0]!.loss;
    const last = r.history[r.history.length - 1]!.loss;
    expect(last).toBeLessThan(first / 2);
    const meta = JSON.parse(await readFile(join(modelDir, 'bragg.json'), 'utf8')) as {
      workflow: string;
      labels: string[];
      architecture: { name: string; config: { input: string } };
      input: { shape: number[] };
      peaks: { decode: { threshold: number } };
    };
    expect(meta).toMatchObject({ workflow: 'peaks', labels: ['foreground', 'interior'] });
    expect(meta.architecture.name).toBe('peaks-unet');
    // the default input: log counts + local significance, two channels
    expect(meta.architecture.config.input).toBe('log+snr');
    expect(meta.input.shape).toEqual([32, 32, 2]);
    // the confidence threshold is chosen on the validation frames, from the seed's 0.4 up
    expect(THRESHOLDS).toContain(meta.peaks.decode.threshold);
    const threshold = meta.peaks.decode.threshold;
    // predict on the training scan (whole frames: the net is rebuilt at 48 × 96), then score
    const out = join(dir, 'pred');
    const p = await predictScan({
      scan: join(data, 'scan_0000.nxs'),
      outDir: out,
      method: { model: modelDir },
      block: 4,
      overlays: 1,
    });
    expect(p.peaks).toBeGreaterThan(0);
    const e = await evaluateMasks(p.masks, join(data, 'scan_0000_labels.h5'));
    // an untrained or broken model (or decoding) finds nothing (F1 0) or noise; after 30 short
    // epochs the net finds a good share of the training peaks (F1 0.38, IoU 0.50 measured)
    expect(e.summary.f1).toBeGreaterThan(0.25);
    expect(e.summary.meanIoU).toBeGreaterThan(0.35);
    const csv = await readFile(p.table, 'utf8');
    const [head, ...rows] = csv.trim().split('\n');
    expect(head).toContain('confidence');
    const ci = head!.split(',').indexOf('confidence');
    for (const row of rows) expect(Number(row.split(',')[ci])).toBeGreaterThanOrEqual(threshold);
    // gated: the network runs only on tiles near significant pixels; same peaks, fewer tiles
    const gated = await predictScan({
      scan: join(data, 'scan_0000.nxs'),
      outDir: join(dir, 'pred-gated'),
      method: { model: modelDir, gate: 5 },
      overlays: 0,
    });
    const eg = await evaluateMasks(gated.masks, join(data, 'scan_0000_labels.h5'));
    expect(Math.abs(eg.summary.f1 - e.summary.f1)).toBeLessThan(0.1);
    expect(Math.abs(gated.peaks - p.peaks)).toBeLessThanOrEqual(Math.max(2, p.peaks * 0.1));
    const m = await loadPeaksModel(modelDir);
    try {
      const flat = new Float32Array(2 * 48 * 96).fill(3);
      const none = m.maps(flat, 2, 48, 96, false, 5);
      expect(none.tileShare).toBe(0);
      expect(none.data.every((v) => v === 0)).toBe(true);
      flat[20 * 96 + 40] = 5000; // one bright spot in frame 0: one 32 × 32 window around it runs
      const one = m.maps(flat, 2, 48, 96, false, 5);
      expect(one.tileShare).toBeCloseTo((32 * 32) / (2 * 48 * 96), 9);
      expect(one.data.subarray(48 * 96 * 2).every((v) => v === 0)).toBe(true);
      // the window's core covers the spot and 8 pixels around it; no map outside that core
      const fg = (y: number, x: number): number => one.data[(y * 96 + x) * 2]!;
      let [y0, y1, x0, x1] = [48, -1, 96, -1];
      for (let y = 0; y < 48; y++)
        for (let x = 0; x < 96; x++)
          if (fg(y, x) !== 0) [y0, y1, x0, x1] = [Math.min(y0, y), Math.max(y1, y), Math.min(x0, x), Math.max(x1, x)]; // prettier-ignore
      expect([y0 <= 12, y1 >= 28, x0 <= 32, x1 >= 48]).toEqual([true, true, true, true]);
      expect([y1 - y0 < 32, x1 - x0 < 32]).toEqual([true, true]);
      // two spots far apart: two windows
      flat[40 * 96 + 85] = 5000;
      const two = m.maps(flat, 2, 48, 96, false, 5);
      expect(two.tileShare).toBeCloseTo((2 * 32 * 32) / (2 * 48 * 96), 9);
      expect(() => m.maps(flat, 2, 48, 96, true, 5)).toThrow(ValidationError);
    } finally {
      m.dispose();
    }
    // a threshold above every confidence leaves no peak
    const none = await predictScan({
      scan: join(data, 'scan_0000.nxs'),
      outDir: join(dir, 'pred-none'),
      method: { model: modelDir, threshold: 1 },
      overlays: 0,
    });
    expect(none.peaks).toBe(0);
  }, 600_000);

  it('with a 2×2 stem (patch 2) and the log input alone: whole-resolution maps, overfits and finds the peaks', async () => {
    const modelDir = join(dir, 'model-p2');
    const r = await trainPeaksModel(
      tiny(modelDir, { epochs: 30, patience: 30, patch: 2, input: 'log' }),
    );
    const meta = JSON.parse(await readFile(join(modelDir, 'bragg.json'), 'utf8')) as {
      architecture: { config: { patch: number; input: string } };
    };
    expect(meta.architecture.config.patch).toBe(2);
    expect(meta.architecture.config.input).toBe('log');
    expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0]!.loss / 2);
    const m = await loadPeaksModel(modelDir);
    try {
      // 45 × 90 frames are padded to multiples of patch · 2^levels = 8: 48 × 96 maps
      const maps = m.maps(new Float32Array(2 * 45 * 90), 2, 45, 90);
      expect([maps.hp, maps.wp]).toEqual([48, 96]);
      expect(maps.data.length).toBe(2 * 48 * 96 * 2);
    } finally {
      m.dispose();
    }
    const p = await predictScan({
      scan: join(data, 'scan_0000.nxs'),
      outDir: join(dir, 'pred-p2'),
      method: { model: modelDir },
      overlays: 0,
    });
    const e = await evaluateMasks(p.masks, join(data, 'scan_0000_labels.h5'));
    expect(e.summary.f1).toBeGreaterThan(0.25);
    await expect(trainPeaksModel(tiny(join(dir, 'x'), { crop: 36, patch: 2 }))).rejects.toThrow(
      /multiple of patch · 2\^levels = 8/,
    );
  }, 600_000);

  it('resumes from its checkpoint with the same losses as an uninterrupted run', async () => {
    const whole = await trainPeaksModel(tiny(join(dir, 'whole'), { epochs: 3, steps: 3 }));
    const part = join(dir, 'part');
    await trainPeaksModel(tiny(part, { epochs: 2, steps: 3 }));
    const resumed = await trainPeaksModel(tiny(part, { epochs: 3, steps: 3, resume: true }));
    expect(resumed.history.map((h) => h.loss)).toEqual(whole.history.map((h) => h.loss));
    expect(resumed.history.map((h) => h.val_loss)).toEqual(whole.history.map((h) => h.val_loss));
    expect(resumed.meta.training).toMatchObject({ startEpoch: 2, epochsRun: 3 });
  }, 60_000);

  it('refuses bad input with typed errors', async () => {
    await expect(
      trainPeaksModel(tiny(join(dir, 'x'), { data: join(dir, 'nowhere') })),
    ).rejects.toThrow(NotFoundError);
    await writeFile(join(dir, 'manifest.json'), '{"contract": "other"}');
    await expect(trainPeaksModel(tiny(join(dir, 'x'), { data: dir }))).rejects.toThrow(FormatError);
    await expect(trainPeaksModel(tiny(join(dir, 'x'), { crop: 30 }))).rejects.toThrow(
      /multiple of/,
    );
    await expect(trainPeaksModel(tiny(join(dir, 'x'), { crop: 64 }))).rejects.toThrow(
      ValidationError,
    );
    await expect(trainPeaksModel(tiny(join(dir, 'x'), { epochs: 0 }))).rejects.toThrow(
      ValidationError,
    );
    // a model of another workflow is not a peaks model
    const other = join(dir, 'other');
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const { saveBundle } = await import('../../../ml/store/bundle.js');
    await saveBundle(other, m, {
      format: 'bragg-model/1',
      id: '00000000-0000-4000-8000-000000000000',
      workflow: 'phase',
      labels: ['a', 'b'],
      input: { shape: [3], preprocessing: 'none' },
      architecture: { name: 'dense', config: {} },
      datasetIds: [],
      training: {},
      metrics: {},
      createdAt: new Date().toISOString(),
      braggVersion: 'test',
    });
    m.dispose();
    await expect(loadPeaksModel(other)).rejects.toThrow(/not a peaks model/);
    await expect(
      predictScan({
        scan: join(data, 'scan_0000.nxs'),
        outDir: join(dir, 'p2'),
        method: { model: join(dir, 'model'), nmsIou: 2 },
      }),
    ).rejects.toThrow(/nmsIou/);
  }, 60_000);
});
