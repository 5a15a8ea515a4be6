/**
 * `runClassifyDemo` at its smallest (16 training images, one epoch at 32²): it simulates
 * training and held-out images from different seeds, trains and records a ResNet-18, scores the
 * held-out images and writes `predictions.h5`, `predictions.txt` and the overlays it lists. The
 * accuracy of so short a run means nothing; the demo's numbers at its defaults are in
 * BENCHMARKS.md.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlineExecutor } from '../../jobs/executor.js';
import { JobRegistry } from '../../jobs/registry.js';
import { initBackend } from '../../ml/backend/select.js';
import { HELIUM_CLASSES } from '../../simulate/single-shot/classes.js';
import { runClassifyDemo } from './demo.js';
import { CLASSIFY_JOB_TYPES } from './jobs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-classify-demo-'));
  await initBackend({ backend: 'wasm', threads: 2 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('classify demo', () => {
  it('simulates, trains, scores the held-out images and writes the Grad-CAM++ outputs', async () => {
    const lines: string[] = [];
    const r = await runClassifyDemo({
      outDir: join(dir, 'demo'),
      executor: new InlineExecutor(new JobRegistry([...CLASSIFY_JOB_TYPES])),
      log: (l) => lines.push(l),
      images: 16,
      evalImages: 8,
      epochs: 1,
      targetSize: 32,
      batchSize: 8,
    });
    expect(r.metrics.images).toBe(8);
    expect(r.metrics.perClass.map((c) => c.label)).toEqual([...HELIUM_CLASSES]);
    expect(r.metrics.tp + r.metrics.fp + r.metrics.fn + r.metrics.tn).toBe(8 * 11);
    const meta = JSON.parse(await readFile(join(r.modelDir, 'bragg.json'), 'utf8')) as {
      workflow: string;
      architecture: { config: { bnMomentum: number } };
    };
    expect(meta.workflow).toBe('classify');
    expect(meta.architecture.config.bnMomentum).toBe(0.9);
    expect(r.prediction.images).toBe(8);
    for (const f of [r.prediction.h5, r.prediction.txt, ...r.prediction.overlays])
      expect(existsSync(f), f).toBe(true);
    expect(r.prediction.overlays.length).toBeGreaterThan(0);
    // a header, then one line per image: id, 11 probabilities, the predicted classes
    const [head, ...rows] = (await readFile(r.prediction.txt, 'utf8')).trim().split('\n');
    expect(head!.split('\t')).toHaveLength(13);
    expect(rows).toHaveLength(8);
    expect(lines.join('\n')).toMatch(/simulating 16 \+ 8 images/);
  }, 300_000);
});
