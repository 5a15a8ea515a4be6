/**
 * `bragg classify train`: AiryNet (ResNet v2 or VGG with the logarithmic first activation)
 * through bragg's trainer, as the seed trains it: multi-label sigmoid cross-entropy (softmax +
 * categorical cross-entropy when every image has exactly one label), plus the architecture's
 * l1/l2 penalty on the kernels (the trainer's `regularization`; the layers' regularisers are
 * inert there), SGD with Nesterov momentum 0.9 at lr·batch/128, ×0.1 at epochs 30, 60, 120, 150
 * (options); a checkpoint per epoch and exact resume; then the multi-label metrics on the
 * evaluation split (the training images when there is none) and the bundle in
 * `<out>/<airynet-type><depth>-<id8>/`.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../../core/errors.js';
import { VERSION } from '../../../core/version.js';
import { MultiLabelMetrics, type MultiLabelReport } from '../../../ml/metrics/multilabel.js';
import { newModelId, saveBundle } from '../../../ml/store/bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../../../ml/store/schema.js';
import type { EpochRecord, TrainCallback } from '../../../ml/train/callbacks.js';
import type { TfrecordLayout } from '../../../formats/tfrecord/index.js';
import type { LossName } from '../../../ml/train/step.js';
import { train } from '../../../ml/train/trainer.js';
import { AIRYNET_RESNET, AIRYNET_VGG } from '../models/index.js';
import type { FirstActivation } from '../models/index.js';
import {
  batchesPerEpoch,
  classifySource,
  classifyPreprocessing,
  CROP_SIZE,
  openLabelledImages,
  singleLabel,
  type ImageRef,
  type LabelledImages,
} from './data.js';

export type AirynetType = 'resnet' | 'vgg';

export interface ClassifyTrainOptions {
  data: readonly string[];
  /** TFRecord feature keys of another layout (`--layout`). */
  layout?: TfrecordLayout;
  /** Models root: the bundle goes to a new folder inside. */
  outDir: string;
  airynetType?: AirynetType;
  resnetSize?: number;
  vggSize?: number;
  /** Network input side [px] (the seed: 224). */
  targetSize?: number;
  /**
   * Side [px] of the centre region the images are cropped / zero-padded to before the resize
   * to `targetSize` (the seed: 256). Recorded in the bundle; predict and evaluate use it.
   */
  crop?: number;
  /**
   * Train/eval cycles of this many steps (the seed's `--steps_per_eval`): the trainer's
   * "epochs" become cycles, each followed by an evaluation and a checkpoint; `epochs` and the
   * learning-rate boundaries stay in data epochs (converted to cycles, rounded up).
   */
  stepsPerEval?: number;
  batchSize?: number;
  epochs?: number;
  seed?: number;
  /** Base learning rate before the batch/128 scaling (the seed: 0.1). */
  learningRate?: number;
  /** Epochs where the learning rate is multiplied by `lrDecay`. */
  lrBoundaries?: readonly number[];
  lrDecay?: number;
  momentum?: number;
  firstActivation?: FirstActivation;
  /** Continue from `<outDir>/.checkpoints/<name>/last`. */
  resume?: boolean;
  /** Extra architecture options (e.g. VGG `fcUnits`, `baseFilters`). */
  architecture?: Record<string, unknown>;
  callbacks?: TrainCallback[];
}

export interface ClassifyTrainResult {
  modelDir: string;
  meta: BundleMeta;
  history: EpochRecord[];
  metrics: MultiLabelReport;
  evaluatedOn: 'eval' | 'train';
}

/** The name of the last activation before the global pool (Grad-CAM's layer). */
export function camLayerOf(model: tf.LayersModel): string {
  const i = model.layers.findIndex((l) => l.getClassName() === 'GlobalAveragePooling2D');
  const prev = i > 0 ? model.layers[i - 1] : undefined;
  if (prev === undefined)
    throw new ValidationError(`model '${model.name}' has no global average pool`, 'model');
  return prev.name;
}

/** Multi-label metrics of `model` over `refs`, a batch at a time. */
export async function evaluateClassifier(
  model: tf.LayersModel,
  d: LabelledImages,
  refs: readonly ImageRef[],
  size: number,
  batchSize = 32,
  single = false,
  cropSize = CROP_SIZE,
): Promise<MultiLabelReport> {
  const m = new MultiLabelMetrics(d.classes);
  const src = classifySource(d, { refs, size, batchSize, seed: 0, augment: false, cropSize });
  for await (const b of src(0)) {
    const p = tf.tidy(() => {
      const out = model.predict(b.x) as tf.Tensor2D;
      // single-label: the arg-max is the prediction
      return single ? tf.oneHot(out.argMax(-1), d.classes.length).cast('float32') : out;
    });
    m.add(await b.y.data(), await p.data());
    tf.dispose([p, b.x, b.y]);
  }
  return m.report();
}

export async function trainClassifyModel(o: ClassifyTrainOptions): Promise<ClassifyTrainResult> {
  const type = o.airynetType ?? 'resnet';
  const size = o.targetSize ?? 224;
  const batchSize = o.batchSize ?? 24;
  const epochs = o.epochs ?? 200;
  const seed = o.seed ?? 42;
  const base = o.learningRate ?? 0.1;
  const boundaries = o.lrBoundaries ?? [30, 60, 120, 150];
  const gamma = o.lrDecay ?? 0.1;
  const momentum = o.momentum ?? 0.9;
  const spe = o.stepsPerEval;
  const crop = o.crop ?? CROP_SIZE;
  if (!(Number.isInteger(crop) && crop >= size && crop <= 4096))
    throw new ValidationError(`must be an integer in [${size} (the target size), 4096], got ${crop}`, 'crop'); // prettier-ignore
  if (!(base > 0)) throw new ValidationError(`must be > 0, got ${base}`, 'learningRate');
  if (!(Number.isInteger(epochs) && epochs >= 1))
    throw new ValidationError(`must be a positive integer, got ${epochs}`, 'epochs');
  if (spe !== undefined && !(Number.isInteger(spe) && spe >= 1))
    throw new ValidationError(`must be a positive integer, got ${spe}`, 'stepsPerEval');
  const d = await openLabelledImages(o.data, o.layout ? { layout: o.layout } : {});
  try {
    const single = singleLabel(d);
    const output = single ? 'softmax' : 'sigmoid';
    const loss: LossName = single ? 'categoricalCrossentropy' : 'binaryCrossentropy';
    const arch =
      type === 'resnet'
        ? AIRYNET_RESNET
        : type === 'vgg'
          ? AIRYNET_VGG
          : (() => {
              throw new ValidationError(
                `must be resnet or vgg, got ${String(type)}`,
                'airynetType',
              );
            })();
    const depth = type === 'resnet' ? (o.resnetSize ?? 18) : (o.vggSize ?? 16);
    const config = (arch as typeof AIRYNET_RESNET).resolve({
      ...o.architecture,
      depth,
      size,
      classes: d.classes.length,
      output,
      ...(o.firstActivation ? { firstActivation: o.firstActivation } : {}),
    } as never);
    const model = (arch as typeof AIRYNET_RESNET).build(config, seed);
    const name = `${type}${depth}`;
    const root = resolve(o.outDir);
    const checkpointDir = join(root, '.checkpoints', name);
    await mkdir(root, { recursive: true });
    try {
      const learningRate = (base * batchSize) / 128;
      const optimizer = { kind: 'sgd' as const, learningRate, momentum, nesterov: true };
      // with --steps-per-eval the trainer counts cycles: epochs and boundaries → cycles
      const bpe = batchesPerEpoch(d.train.length, batchSize);
      const toCycles = (e: number): number => (spe === undefined ? e : Math.ceil((e * bpe) / spe));
      const cycles = toCycles(epochs);
      const cycleBoundaries = [...new Set(boundaries.map(toCycles))].filter((b) => b >= 1);
      const schedule = { kind: 'piecewise' as const, boundaries: cycleBoundaries, gamma };
      const hasEval = d.eval.length > 0;
      const src = { size, batchSize, seed, cropSize: crop };
      const result = await train(
        model,
        classifySource(d, {
          ...src,
          refs: d.train,
          augment: true,
          ...(spe !== undefined ? { stepsPerEval: spe } : {}),
        }),
        {
          epochs: cycles,
          optimizer,
          schedule,
          loss,
          regularization: { l1: config.l1, l2: config.l2 },
          ...(hasEval
            ? { validation: classifySource(d, { ...src, refs: d.eval, augment: false }) }
            : {}),
          checkpointDir,
          resume: o.resume ?? false,
          ...(o.callbacks ? { callbacks: o.callbacks } : {}),
        },
      );
      const refs = hasEval ? d.eval : d.train;
      const metrics = await evaluateClassifier(model, d, refs, size, 32, single, crop);
      const id = newModelId();
      const modelDir = join(root, `${name}-${id.slice(0, 8)}`);
      const last = result.history[result.history.length - 1];
      const meta: BundleMeta = {
        format: BUNDLE_FORMAT,
        id,
        workflow: 'classify',
        labels: [...d.classes],
        input: {
          shape: [size, size, 1],
          preprocessing: classifyPreprocessing(crop),
          source: 'images',
        },
        architecture: { name: arch.name, config: { ...config } },
        datasetIds: d.datasetIds,
        classify: {
          camLayer: camLayerOf(model),
          multiLabel: !single,
          threshold: 0.5,
          ...(crop !== CROP_SIZE ? { crop } : {}),
        },
        training: {
          data: o.data.map((p) => resolve(p)),
          ...(o.layout ? { layout: o.layout } : {}),
          images: { train: d.train.length, eval: d.eval.length },
          epochs,
          epochsRun:
            spe === undefined ? result.history.length : (result.history.length * spe) / bpe,
          ...(spe !== undefined
            ? {
                stepsPerEval: spe,
                cycles,
                cyclesRun: result.history.length,
                lrBoundaryEpochs: [...boundaries],
              }
            : {}),
          batchSize,
          seed,
          loss,
          optimizer,
          baseLearningRate: base,
          schedule,
          regularization: { l1: config.l1, l2: config.l2 },
          checkpointDir,
        },
        metrics: {
          evaluatedOn: hasEval ? 'eval' : 'train',
          ...summary(metrics),
          perClass: metrics.perClass,
          train: { loss: last?.loss ?? null, accuracy: last?.accuracy ?? null },
        },
        createdAt: new Date().toISOString(),
        braggVersion: VERSION,
      };
      const saved = await saveBundle(modelDir, model, meta);
      await writeFile(
        join(modelDir, 'history.json'),
        `${JSON.stringify(result.history, null, 2)}\n`,
      );
      return {
        modelDir,
        meta: saved,
        history: result.history,
        metrics,
        evaluatedOn: hasEval ? 'eval' : 'train',
      };
    } finally {
      model.dispose();
    }
  } finally {
    await d.close();
  }
}

/** The scalar metrics of a report. */
export function summary(m: MultiLabelReport): Record<string, number> {
  return {
    images: m.images,
    accuracy: m.accuracy,
    meanPerClassAccuracy: m.meanPerClassAccuracy,
    meanLabelAccuracy: m.meanLabelAccuracy,
    exactMatch: m.exactMatch,
    precision: m.precision,
    recall: m.recall,
    mcc: m.mcc,
    tp: m.tp,
    fp: m.fp,
    fn: m.fn,
    tn: m.tn,
  };
}
