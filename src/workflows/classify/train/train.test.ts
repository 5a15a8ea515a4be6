/**
 * `trainClassifyModel` with `stepsPerEval` (the seed's train/eval cycles): the trainer runs
 * cycles of that many steps, each evaluated and checkpointed; epochs and learning-rate
 * boundaries, given in data epochs, become cycles (rounded up); the bundle records both.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import { backendConfig, initBackend } from '../../../ml/backend/select.js';
import { classifyInlineExecutor } from '../../../../test/support/workflows/classify/executors.js';
import { resolveClassifyDataset } from '../dataset/plan.js';
import { runClassifyDataset } from '../dataset/run.js';
import { trainClassifyModel } from './train.js';

let dir = '';
beforeAll(async () => {
  await initBackend(backendConfig({ backend: 'wasm', threads: 2 }));
  dir = await mkdtemp(join(tmpdir(), 'bragg-clspe-'));
  const dataset = resolveClassifyDataset(
    { images: 16, evalImages: 8, seed: 4, size: 64, imagesPerShard: 8 },
    join(dir, 'data'),
  );
  await runClassifyDataset({ dataset, executor: classifyInlineExecutor() });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = {
  airynetType: 'vgg' as const,
  targetSize: 32,
  batchSize: 8, // 16 images: 2 steps per data epoch
  seed: 1,
  architecture: { baseFilters: 4, fcUnits: 16 },
};

describe('classify train --steps-per-eval', () => {
  it('runs ceil(epochs·steps/epoch ÷ stepsPerEval) cycles with the boundaries in cycles', async () => {
    const r = await trainClassifyModel({
      ...tiny,
      data: [join(dir, 'data')],
      outDir: join(dir, 'models'),
      epochs: 3, // 6 steps → 2 cycles of 3
      stepsPerEval: 3,
      lrBoundaries: [1], // after data epoch 1 = step 2 → cycle ceil(2/3) = 1
      lrDecay: 0.1,
    });
    expect(r.history).toHaveLength(2);
    expect(r.history.every((h) => h.val_loss !== undefined)).toBe(true);
    expect(r.history[1]!.lr).toBeCloseTo(r.history[0]!.lr * 0.1, 12);
    const meta = JSON.parse(await readFile(join(r.modelDir, 'bragg.json'), 'utf8')) as {
      training: Record<string, unknown>;
    };
    expect(meta.training).toMatchObject({ epochs: 3, epochsRun: 3, stepsPerEval: 3, cycles: 2 });
    expect(meta.training.schedule).toEqual({ kind: 'piecewise', boundaries: [1], gamma: 0.1 });
  });

  it('refuses a step count that is not a positive integer', async () => {
    await expect(
      trainClassifyModel({
        ...tiny,
        data: [join(dir, 'data')],
        outDir: join(dir, 'm2'),
        epochs: 1,
        stepsPerEval: 0,
      }),
    ).rejects.toThrow(ValidationError);
  });
});
