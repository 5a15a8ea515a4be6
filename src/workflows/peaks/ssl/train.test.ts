/**
 * The SSLM end to end on a tiny synthetic dataset (small frames, dense peaks): a few epochs
 * lower its loss; the automatically chosen peak clusters hold a share of the truth peak pixels
 * of the training frames, enriched over the frame's share (the truth is read only by the test); the bundle says it is an SSLM and
 * `predictScan` uses it; a resumed training equals an uninterrupted one; it trains on a
 * folder of scans without any label file; bad input is refused with typed errors.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../../core/errors.js';
import { InlineExecutor } from '../../../jobs/executor.js';
import { JobRegistry } from '../../../jobs/registry.js';
import { initBackend } from '../../../ml/backend/select.js';
import { loadBundle } from '../../../ml/store/bundle.js';
import { PEAKS_JOB_TYPES } from '../jobs.js';
import { openMaskFile } from '../labels/label-file.js';
import { predictScan } from '../predict/predict.js';
import { openScan } from '../scan/input.js';
import { runPeaksDataset } from '../synthetic/run.js';
import { logScale } from '../cnn/maps.js';
import { SslNet } from './model.js';
import { trainSslModel, type TrainSslOptions } from './train.js';

let dir: string;
let data: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 2 });
  dir = await mkdtemp(join(tmpdir(), 'bragg-peaks-ssl-'));
  data = join(dir, 'data');
  await runPeaksDataset({ scans: 2, frames: 5, seed: 3, height: 48, width: 96, density: 3 }, data, {
    executor: new InlineExecutor(new JobRegistry(PEAKS_JOB_TYPES)),
  });
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = (outDir: string, more: Partial<TrainSslOptions> = {}): TrainSslOptions => ({
  data,
  outDir,
  channels: 12,
  crop: 32,
  epochs: 4,
  learningRate: 0.05,
  seed: 1,
  selectFrames: 10,
  ...more,
});

describe('peaks SSLM', () => {
  it('lowers its loss, chooses clusters that cover the peaks, and predicts through predictScan', async () => {
    const modelDir = join(dir, 'model');
    const r = await trainSslModel(tiny(modelDir));
    expect(r.frames).toBe(10);
    expect(r.history).toHaveLength(4);
    expect(r.history[3]!.loss).toBeLessThan(r.history[0]!.loss);
    expect(r.clusters.length).toBeGreaterThan(0);
    const meta = JSON.parse(await readFile(join(modelDir, 'bragg.json'), 'utf8')) as {
      architecture: { name: string };
      labels: string[];
      peaks: { method: string; clusters: number[] };
    };
    expect(meta.architecture.name).toBe('peaks-sslm');
    expect(meta.labels).toHaveLength(12);
    expect(meta.peaks).toMatchObject({ method: 'ssl', clusters: r.clusters });

    // the chosen clusters on the training frames against the truth masks (read here only)
    const b = await loadBundle(modelDir);
    const net = new SslNet(b.model, b.meta.architecture.config);
    let truth = 0;
    let covered = 0;
    let predicted = 0;
    try {
      for (const k of [0, 1]) {
        const s = await openScan(join(data, `scan_000${k}.nxs`));
        const m = await openMaskFile(join(data, `scan_000${k}_labels.h5`));
        const fr = await s.read(0, 5);
        const ids = await m.read(0, 5);
        const { assign } = net.run(logScale(fr.data), 5, 48, 96);
        const isPeak = new Set(r.clusters);
        for (let p = 0; p < assign.length; p++) {
          const pk = isPeak.has(assign[p]!);
          if (pk) predicted++;
          if (ids[p] !== 0) {
            truth++;
            if (pk) covered++;
          }
        }
        await s.close();
        await m.close();
      }
    } finally {
      net.dispose();
      b.model.dispose();
    }
    expect(truth).toBeGreaterThan(100);
    // The chosen clusters must hold a good share of the truth peak pixels and be far richer in
    // them than the frame is (a random or background cluster has the frame's share, 1×);
    // measured 0.22 and 4.5×.
    const all = 2 * 5 * 48 * 96;
    expect(covered / truth).toBeGreaterThan(0.15);
    expect(covered / predicted / (truth / all)).toBeGreaterThan(2);

    const p = await predictScan({
      scan: join(data, 'scan_0000.nxs'),
      outDir: join(dir, 'pred'),
      method: { model: modelDir },
      overlays: 0,
    });
    expect(p.peaks).toBeGreaterThan(0);
    const rule = (await openMaskFile(p.masks)).maskRule;
    expect(rule).toMatch(/^ssl model/);
  }, 120_000);

  it('resumes to the same losses as an uninterrupted run', async () => {
    const whole = await trainSslModel(tiny(join(dir, 'whole'), { epochs: 2, maxFrames: 4 }));
    const part = join(dir, 'part');
    await trainSslModel(tiny(part, { epochs: 1, maxFrames: 4 }));
    const resumed = await trainSslModel(tiny(part, { epochs: 2, maxFrames: 4, resume: true }));
    expect(resumed.history.map((e) => e.loss)).toEqual(whole.history.map((e) => e.loss));
    expect(resumed.clusters).toEqual(whole.clusters);
  }, 120_000);

  it('trains on a folder of scans with no label file; refuses bad input', async () => {
    const scans = join(dir, 'scans-only');
    await mkdir(scans);
    await copyFile(join(data, 'scan_0000.nxs'), join(scans, 'a.nxs'));
    const r = await trainSslModel(tiny(join(dir, 'nolabels'), { data: scans, epochs: 1 }));
    expect(r.frames).toBe(5);
    await expect(trainSslModel(tiny(join(dir, 'x'), { data: join(dir, 'nowhere') }))).rejects.toThrow(NotFoundError); // prettier-ignore
    await mkdir(join(dir, 'empty'));
    await expect(trainSslModel(tiny(join(dir, 'x'), { data: join(dir, 'empty') }))).rejects.toThrow(ValidationError); // prettier-ignore
    await expect(trainSslModel(tiny(join(dir, 'x'), { crop: 200 }))).rejects.toThrow(/larger/);
    await expect(trainSslModel(tiny(join(dir, 'x'), { channels: 1 }))).rejects.toThrow(ValidationError); // prettier-ignore
    await expect(trainSslModel(tiny(join(dir, 'x'), { weights: { ce: 0, ss: 0 } }))).rejects.toThrow(/all 0/); // prettier-ignore
  }, 120_000);
});
