/**
 * `bragg phase train`: a phase dataset (a `bragg simulate dataset` directory) streamed into
 * the seed's 1D CNN through the trainer, then the model bundle: TF.js model, `bragg.json`
 * (phases, q-axis, preprocessing, dataset id, metrics, training config), the confusion matrix
 * of the held-out split (JSON + PNG), loss/accuracy curves (PNG) and the history (JSON).
 */
import * as tf from '@tensorflow/tfjs';
import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { PhaseDataset, type ProfileKey } from './dataset/reader.js';
import { argmaxRows, confusionMatrix, type ConfusionReport } from '../../ml/metrics/confusion.js';
import { confusionMatrixSvg } from '../../ml/plots/heatmap.js';
import { lineChartsSvg } from '../../ml/plots/line.js';
import { writeSvgPng } from '../../ml/plots/render.js';
import { newModelId, saveBundle } from '../../ml/store/bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../../ml/store/schema.js';
import type { EpochRecord, TrainCallback } from '../../ml/train/callbacks.js';
import type { DataSource } from '../../ml/train/data.js';
import { train } from '../../ml/train/trainer.js';
import { VERSION } from '../../core/version.js';
import { PHASE_PREPROCESSING, predictProfiles } from './infer.js';
import {
  PHASE_CNN_ARCHITECTURE,
  buildPhaseCnn,
  resolvePhaseCnnConfig,
  type PhaseCnnConfig,
} from './model.js';
import { minMaxNormaliseRows } from './resample.js';

export interface PhaseTrainOptions {
  /** Dataset directory or its manifest.json. */
  data: string;
  /** Parent directory of the model bundle (the bundle is `<outDir>/<model id>`). */
  outDir: string;
  epochs?: number;
  batchSize?: number;
  /** Fraction held out for validation and the confusion matrix (default 0.25, as the seed). */
  valSplit?: number;
  seed?: number;
  learningRate?: number;
  /** Learning-rate schedule: constant (default, as the seed) or cosine decay to 0 over the epochs. */
  schedule?: 'constant' | 'cosine';
  /** Early stopping patience in epochs (default: none). */
  patience?: number;
  architecture?: Omit<PhaseCnnConfig, 'inputLength' | 'classes'>;
  /** Dataset member to train on (default `1d/x_px`, the seed's pixel crop). */
  key?: ProfileKey;
  /** Resumable checkpoints go here (`last/`, `best/`); with `resume` a run continues. */
  checkpointDir?: string;
  resume?: boolean;
  callbacks?: TrainCallback[];
}

export interface PhaseTrainResult {
  modelDir: string;
  meta: BundleMeta;
  history: EpochRecord[];
  confusion: ConfusionReport;
}

/** The q-axis [Å⁻¹] of the dataset's profiles, from its first shard. */
export function datasetQAxis(ds: PhaseDataset): Promise<Float64Array> {
  return ds.qAxis();
}

function checkFraction(v: number): number {
  if (!(v > 0 && v < 1)) throw new ValidationError(`must be in (0, 1), got ${v}`, 'valSplit');
  return v;
}

/** Dataset batches → trainer batches (min-max per profile, one-hot labels). */
function source(
  ds: PhaseDataset,
  part: 'train' | 'validation',
  o: { batchSize: number; seed: number; valSplit: number; classes: number },
): DataSource {
  return (epoch) => ({
    async *[Symbol.asyncIterator]() {
      for await (const b of ds.batches({
        batchSize: o.batchSize,
        seed: o.seed,
        epoch: part === 'train' ? epoch : 0,
        shuffle: part === 'train',
        validationFraction: o.valSplit,
        part,
      })) {
        const x = minMaxNormaliseRows(b.x, b.width);
        yield {
          x: tf.tensor3d(x, [b.size, b.width, 1]),
          y: tf.tidy(() => tf.oneHot(tf.tensor1d(b.y, 'int32'), o.classes).toFloat()),
        };
      }
    },
  });
}

/** Make `dir` (a folder for model bundles), or refuse a path that cannot be one. */
async function prepareOutDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'EEXIST'
        ? 'a file is in the way'
        : (err as Error).message;
    throw new ValidationError(`cannot write models into ${dir}: ${why}`, 'outDir', { cause: err });
  }
}

export async function trainPhaseModel(o: PhaseTrainOptions): Promise<PhaseTrainResult> {
  const epochs = o.epochs ?? 10;
  const batchSize = o.batchSize ?? 64;
  const valSplit = checkFraction(o.valSplit ?? 0.25);
  const seed = o.seed ?? 10;
  const learningRate = o.learningRate ?? 1e-3;
  const schedule = o.schedule ?? 'constant';
  if (schedule !== 'constant' && schedule !== 'cosine') {
    throw new ValidationError(`expected constant or cosine, got '${String(schedule)}'`, 'schedule');
  }
  // The output folder is checked (and made) before training, not after: a model is never lost.
  await prepareOutDir(resolve(o.outDir));
  const ds = await PhaseDataset.open(o.data, o.key ?? '1d/x_px');
  const q = await datasetQAxis(ds);
  const classes = ds.classes.length;
  const arch = resolvePhaseCnnConfig({ ...o.architecture, inputLength: q.length, classes });
  const model = buildPhaseCnn(arch, seed);
  try {
    const common = { batchSize, seed, valSplit, classes };
    const result = await train(model, source(ds, 'train', common), {
      epochs,
      optimizer: { kind: 'adam', learningRate },
      schedule: schedule === 'cosine' ? { kind: 'cosine', epochs } : { kind: 'constant' },
      loss: 'categoricalCrossentropy',
      validation: source(ds, 'validation', common),
      ...(o.patience !== undefined ? { earlyStopping: { patience: o.patience } } : {}),
      ...(o.checkpointDir !== undefined ? { checkpointDir: resolve(o.checkpointDir) } : {}),
      ...(o.resume !== undefined ? { resume: o.resume } : {}),
      ...(o.callbacks ? { callbacks: o.callbacks } : {}),
    });
    // held-out split: predictions → confusion matrix
    const truth: number[] = [];
    const predicted: number[] = [];
    for await (const b of ds.batches({
      batchSize: 1024,
      seed,
      shuffle: false,
      validationFraction: valSplit,
      part: 'validation',
    })) {
      const p = await predictProfiles(model, b.x, b.width);
      truth.push(...b.y);
      predicted.push(...argmaxRows(p, classes));
    }
    const confusion = confusionMatrix(truth, predicted, ds.classes);
    const id = newModelId();
    const modelDir = join(resolve(o.outDir), id);
    const last = result.history[result.history.length - 1];
    const meta: BundleMeta = {
      format: BUNDLE_FORMAT,
      id,
      workflow: 'phase',
      labels: [...ds.classes],
      input: {
        shape: [q.length, 1],
        axis: Array.from(q),
        axisUnits: 'Å⁻¹ (q = 1/d)',
        preprocessing: PHASE_PREPROCESSING,
        source: ds.key,
      },
      architecture: { name: PHASE_CNN_ARCHITECTURE, config: { ...arch } },
      datasetIds: [ds.id],
      training: {
        epochs,
        epochsRun: result.history.length,
        stoppedEarly: result.stoppedEarly,
        batchSize,
        valSplit,
        seed,
        optimizer: { kind: 'adam', learningRate },
        schedule,
        loss: 'categoricalCrossentropy',
        dataset: { dir: ds.dir, name: ds.manifest.name, patterns: ds.size },
      },
      metrics: {
        validation: {
          samples: confusion.total,
          accuracy: confusion.accuracy,
          loss: last?.val_loss ?? null,
          perClass: confusion.perClass,
        },
        train: { loss: last?.loss ?? null, accuracy: last?.accuracy ?? null },
      },
      createdAt: new Date().toISOString(),
      braggVersion: VERSION,
    };
    await saveBundle(modelDir, model, meta);
    await writeTrainingReport(modelDir, result.history, confusion, id);
    return { modelDir, meta, history: result.history, confusion };
  } finally {
    model.dispose();
  }
}

/** `confusion.json`, `confusion.png`, `curves.png`, `history.json` beside the model. */
async function writeTrainingReport(
  dir: string,
  history: EpochRecord[],
  confusion: ConfusionReport,
  id: string,
): Promise<void> {
  await writeFile(join(dir, 'confusion.json'), `${JSON.stringify(confusion, null, 2)}\n`);
  await writeFile(join(dir, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
  await writeSvgPng(
    join(dir, 'confusion.png'),
    confusionMatrixSvg({
      title: `held-out split: accuracy ${(100 * confusion.accuracy).toFixed(2)} % (n=${confusion.total})`,
      labels: confusion.labels,
      matrix: confusion.matrix,
    }),
  );
  const ep = history.map((h) => h.epoch + 1);
  const val = (k: 'val_loss' | 'val_accuracy') => history.map((h) => h[k] ?? NaN);
  await writeSvgPng(
    join(dir, 'curves.png'),
    lineChartsSvg([
      {
        title: `loss — model ${id.slice(0, 8)}`,
        xLabel: 'epoch',
        yLabel: 'categorical cross-entropy',
        series: [
          { name: 'train', x: ep, y: history.map((h) => h.loss) },
          { name: 'validation', x: ep, y: val('val_loss'), dashed: true, color: 1 },
        ],
      },
      {
        title: 'accuracy',
        xLabel: 'epoch',
        yLabel: 'accuracy',
        series: [
          { name: 'train', x: ep, y: history.map((h) => h.accuracy) },
          { name: 'validation', x: ep, y: val('val_accuracy'), dashed: true, color: 1 },
        ],
      },
    ]),
  );
}
