/**
 * A tiny trained classify model for route and page tests: 16 + 8 synthetic single-shot images
 * (64², the TFRecord dataset of `bragg classify simulate`) and a VGG-16 with 4 base filters and
 * 16 fc units at target size 32, one epoch — seconds on one core. Returns the model's folder and
 * id and the dataset folder (its eval shard is a TFRecord the routes can read).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveClassifyDataset } from '../../../../src/workflows/classify/dataset/plan.js';
import { runClassifyDataset } from '../../../../src/workflows/classify/dataset/run.js';
import { trainClassifyModel } from '../../../../src/workflows/classify/train/train.js';
import { initBackend, backendConfig } from '../../../../src/ml/backend/select.js';
import { classifyInlineExecutor } from './executors.js';

export const TINY_CLASSIFY_SIDE = 32;

export interface TinyClassify {
  modelDir: string;
  id: string;
  labels: string[];
  dataDir: string;
  /** The dataset's eval shard (TFRecord, 8 images of 64²). */
  evalShard: string;
}

export async function tinyClassifyModel(dataDir: string, modelsRoot: string): Promise<TinyClassify> {
  await initBackend(backendConfig({ backend: 'wasm', threads: 2 }));
  const dataset = resolveClassifyDataset(
    { images: 16, evalImages: 8, seed: 3, size: 64, imagesPerShard: 8 },
    dataDir,
  );
  await runClassifyDataset({ dataset, executor: classifyInlineExecutor() });
  const r = await trainClassifyModel({
    data: [dataDir],
    outDir: modelsRoot,
    airynetType: 'vgg',
    targetSize: TINY_CLASSIFY_SIDE,
    batchSize: 8,
    epochs: 1,
    seed: 1,
    architecture: { baseFilters: 4, fcUnits: 16 },
  });
  const shards = (await readdir(join(dataDir, 'shards'))).filter((n) => n.includes('eval'));
  return {
    modelDir: r.modelDir,
    id: r.meta.id,
    labels: [...r.meta.labels],
    dataDir,
    evalShard: join(dataDir, 'shards', shards[0]!),
  };
}
