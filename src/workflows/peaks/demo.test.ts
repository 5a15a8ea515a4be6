/**
 * `runPeaksDemo` at its smallest (small frames, a one-step training): it simulates training and
 * held-out scans with different seeds, trains and records both models, predicts each held-out
 * scan with the three methods and evaluates them against the scans' truth masks; the classic finder finds
 * most synthetic peaks even on these small frames (F1 > 0.5 at mask IoU > 0.5; 0.96 on the
 * demo's full Pilatus frames), and every output the demo lists exists.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRegistry } from '../../jobs/run-registry.js';
import { initBackend } from '../../ml/backend/select.js';
import { InlineExecutor } from '../../jobs/executor.js';
import { JobRegistry } from '../../jobs/registry.js';
import type { JobType } from '../../jobs/types.js';
import { peaksScanJob } from './synthetic/shard-job.js';
import { runPeaksDemo } from './demo.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-peaks-demo-'));
  await initBackend({ backend: 'wasm', threads: 2 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('peaks demo', () => {
  it('simulates, trains, predicts held-out scans with both methods and evaluates', async () => {
    const registry = RunRegistry.open(join(dir, 'runs.sqlite'));
    const executor = new InlineExecutor(
      new JobRegistry([peaksScanJob] as unknown as JobType<never, unknown>[]),
    );
    try {
      const r = await runPeaksDemo({
        outDir: join(dir, 'demo'),
        executor,
        registry,
        frames: 8,
        trainFrames: 8,
        trainScans: 2,
        heldOutScans: 1,
        height: 64,
        width: 96,
        epochs: 1,
        steps: 1,
        sslEpochs: 1,
        sslChannels: 8,
      });
      expect(r.rows.map((x) => [x.scan, x.method])).toEqual([
        ['scan_0000', 'classic'],
        ['scan_0000', 'model'],
        ['scan_0000', 'ssl'],
      ]);
      // held-out scans are simulated with another seed than the training scans
      const a = await readFile(join(r.trainData, 'scan_0000.nxs'));
      const b = await readFile(join(r.heldOutData, 'scan_0000.nxs'));
      expect(a.equals(b)).toBe(false);
      const classic = r.rows[0]!;
      expect(classic.truthPeaks).toBeGreaterThan(0);
      expect(classic.f1).toBeGreaterThan(0.5);
      expect(r.overall[0]).toMatchObject({ method: 'classic', tp: classic.tp, fp: classic.fp });
      for (const x of r.rows) {
        expect(x.frames).toBe(8);
        expect(x.tp + x.fn).toBe(x.truthPeaks);
        expect(x.projections).toHaveLength(3);
        expect(x.overlays).toHaveLength(2);
        for (const f of [x.masks, x.volume, ...x.projections, ...x.overlays])
          expect(existsSync(f), f).toBe(true);
      }
      expect(r.model && existsSync(r.model)).toBe(true);
      expect(r.sslModel && existsSync(join(r.sslModel, 'bragg.json'))).toBe(true);
      const runs = registry.listRuns().map((x) => x.kind);
      expect(runs.filter((k) => k === 'peaks-train')).toHaveLength(2);
      expect(runs.filter((k) => k === 'peaks-simulate')).toHaveLength(2);
    } finally {
      await executor.close();
      registry.close();
    }
  }, 120_000);
});
