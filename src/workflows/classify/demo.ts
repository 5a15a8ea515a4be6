/**
 * `bragg classify demo`: synthetic single-shot images (train + held-out eval from other seeds)
 * → a small ResNet-18 v2 with AiryNet's logarithmic first activation at a small target size →
 * the multi-label metrics on the held-out images → Grad-CAM++ overlays and `predictions.h5`.
 * Everything goes to `outDir`; nothing is downloaded.
 */
import { join, resolve } from 'node:path';
import type { Executor } from '../../jobs/executor.js';
import type { RunRegistry } from '../../jobs/run-registry.js';
import type { MultiLabelReport } from '../../ml/metrics/multilabel.js';
import { loadBundle } from '../../ml/store/bundle.js';
import type { TrainCallback } from '../../ml/train/callbacks.js';
import { resolveClassifyDataset } from './dataset/plan.js';
import { runClassifyDataset } from './dataset/run.js';
import { predictClassify, type ClassifyPredictResult } from './predict.js';
import { trainClassifyModel } from './train/train.js';

export interface ClassifyDemoOptions {
  outDir: string;
  executor: Executor;
  registry?: RunRegistry;
  signal?: AbortSignal;
  log: (line: string) => void;
  images?: number;
  evalImages?: number;
  epochs?: number;
  targetSize?: number;
  /** Centre region [px] the images are cropped to before the resize (default 2 × target size). */
  crop?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  callbacks?: TrainCallback[];
}

export interface ClassifyDemoResult {
  outDir: string;
  datasetId: string;
  modelDir: string;
  metrics: MultiLabelReport;
  prediction: ClassifyPredictResult;
  seconds: number;
}

export async function runClassifyDemo(o: ClassifyDemoOptions): Promise<ClassifyDemoResult> {
  const t0 = performance.now();
  const out = resolve(o.outDir);
  const seed = o.seed ?? 1;
  const dataset = resolveClassifyDataset(
    // 1,024 images × 8 epochs: held-out mean per-class accuracy ≈ 91 % in ≈ 4 min on 2 cores
    // (512 × 6: ≈ 83 % in 2.5 min; 4,096 × 16: 98.9 %; BENCHMARKS.md)
    { images: o.images ?? 1024, evalImages: o.evalImages ?? 128, seed, imagesPerShard: 128 },
    join(out, 'data'),
  );
  o.log(`simulating ${dataset.config.images} + ${dataset.config.evalImages} images…`);
  await runClassifyDataset({
    dataset,
    executor: o.executor,
    ...(o.registry ? { registry: o.registry } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const epochs = o.epochs ?? 8;
  const target = o.targetSize ?? 64;
  o.log(`training ResNet-18 (log activation) at ${o.targetSize ?? 64}² for ${epochs} epochs…`);
  const trained = await trainClassifyModel({
    data: [dataset.outDir],
    outDir: join(out, 'models'),
    airynetType: 'resnet',
    resnetSize: 18,
    targetSize: target,
    // the centre 128² at half resolution: the rings of the larger objects are 3–8 px apart at
    // 64² (the whole 256² area-averaged to 64² blurs them to 1.5–4 px)
    crop: o.crop ?? Math.max(target, Math.min(256, 2 * target)),
    batchSize: o.batchSize ?? 16,
    epochs,
    seed,
    learningRate: o.learningRate ?? 0.1,
    lrBoundaries: [Math.max(1, Math.round(epochs * 0.6)), Math.max(2, Math.round(epochs * 0.85))],
    // a few hundred steps: the seed's BN momentum 0.997 would leave the moving statistics
    // near their initial values, so the held-out (inference-mode) numbers would be meaningless
    architecture: { bnMomentum: 0.9 },
    ...(o.callbacks ? { callbacks: o.callbacks } : {}),
  });
  o.log('Grad-CAM++ on the held-out images…');
  const evalShard = dataset.shards.find((s) => s.split === 'eval');
  const bundle = await loadBundle(trained.modelDir);
  try {
    const prediction = await predictClassify(bundle, {
      input: join(dataset.outDir, (evalShard ?? dataset.shards[0]!).file),
      outDir: join(out, 'predictions'),
      overlays: 8,
    });
    return {
      outDir: out,
      datasetId: dataset.datasetId,
      modelDir: trained.modelDir,
      metrics: trained.metrics,
      prediction,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    bundle.model.dispose();
  }
}
