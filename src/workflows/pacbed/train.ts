/**
 * `bragg pacbed train`: one CNN (thickness, mistilt or scale) from a PACBED training table,
 * through bragg's trainer (Adam, categorical cross-entropy, a checkpoint per epoch, the best
 * val_loss kept, early stopping, resume), then the bundle in the models root
 * (`<root>/<material>_<kV>kV_<uvw>/<target>-<id8>/`: model, `bragg.json`, `labels.csv`,
 * confusion matrix, curves, history) and its registration under the table's material, high
 * tension and zone axis with its convergence-angle range.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';
import { VERSION } from '../../core/version.js';
import { argmaxRows, confusionMatrix, type ConfusionReport } from '../../ml/metrics/confusion.js';
import { newModelId, saveBundle } from '../../ml/store/bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../../ml/store/schema.js';
import type { EpochRecord, TrainCallback } from '../../ml/train/callbacks.js';
import {
  filesToArtifacts,
  MODEL_JSON,
  setModelWeights,
  WEIGHTS_BIN,
} from '../../ml/train/checkpoint.js';
import { readCheckpoint } from '../../ml/train/checkpoint-store.js';
import { train, type TrainResult } from '../../ml/train/trainer.js';
import {
  copyWeightsByName,
  outputLayerName,
  setTrainableLayers,
  thawAll,
  trainAllButBatchNorm,
} from '../../ml/train/fine-tune.js';
import { loadBundle } from '../../ml/store/bundle.js';
import {
  AUGMENT_PRESETS,
  type AugmentOptions,
  type AugmentPreset,
  type AugmentSettings,
  type PacbedGeometry,
} from './augment.js';
import { augmentBatch, pacbedSamples, pacbedSource } from './data.js';
import {
  labelValues,
  LABEL_COLUMN,
  SCALE_LABELS,
  TARGET_UNIT,
  type PacbedTarget,
} from './labels.js';
import { PACBED_COMPACT_ARCHITECTURE, type PacbedCompactOptions } from './models/compact.js';
import { PACBED_XCEPTION_ARCHITECTURE } from './models/xception.js';
import { loadKerasWeightsByName } from '../../ml/keras/load-weights.js';
import { readKerasH5, type KerasFile } from '../../ml/keras/read.js';
import { DEFAULT_MODELS_ROOT, keyFolder, registerModel, type Zone } from './register.js';
import { previewGrid, writeTrainingReport } from './report.js';
import { recipeForTable } from './recipe.js';
import { readTrainingTable } from './table.js';

/** The seed notebook's epochs per target. */
export const SEED_EPOCHS: Record<PacbedTarget, number> = { thickness: 40, mistilt: 20, scale: 5 };

/**
 * Epochs per target: the seed's for thickness; more for mistilt and scale, whose compact CNNs
 * were still learning at the seed's count (945 patterns, 64 px, BENCHMARKS.md "PACBED
 * accuracy": mistilt held out within 1 mrad 90.7 % after 30 epochs, 97.0 % after 60, 423 s CPU;
 * the scale CNN 57 % → 61 % validation from 10 to 25 epochs, 190 s CPU).
 */
export const DEFAULT_EPOCHS: Record<PacbedTarget, number> = {
  thickness: 40,
  mistilt: 60,
  scale: 25,
};

/**
 * Epochs of the head before the fine-tuning stage, and the seed's `ft_training` schedule (1 head
 * epoch, then 10 at Adam's default rate), which is for its ~140,000-image tables. On a table of
 * ~150 patterns (BENCHMARKS.md "PACBED fine-tuning": a 200 kV table from 80 kV models) the seed's
 * schedule reached 54 % thickness within one class; 5 head epochs, then the target's own epochs
 * at the same rate, 100 % (from scratch 97.8 %) — the defaults here.
 */
export const FINE_TUNE_HEAD_EPOCHS = 5;

/** How a PACBED bundle's input is made (recorded in `bragg.json`). */
export const PACBED_PREPROCESSING =
  'pacbed/1: first channel, clip < 0, Otsu centroid crop, border background, resize bilinear, [-1, 1]; + normalised convergence angle (packed last)';

export interface PacbedTrainOptions {
  table: string;
  target: PacbedTarget;
  /** Models root (default `models/pacbed`). */
  modelsRoot?: string;
  /**
   * `compact` (default: trains on 2 cores in minutes) or `xception`, the seed's network
   * (`pacbed-xception`: Keras' Xception + the seed's head; size ≥ 71, ~22 M weights).
   */
  model?: 'compact' | 'xception';
  epochs?: number;
  batchSize?: number;
  valSplit?: number;
  seed?: number;
  patience?: number;
  learningRate?: number;
  /** Image side [px] of the network (default 64). */
  size?: number;
  /**
   * Options of the network beyond size and classes: compact — filters, blocks, dense, dropout,
   * pooling; xception — dense (the head's units, the seed's 512) and dropout (0.3).
   */
  architecture?: Partial<Omit<PacbedCompactOptions, 'size' | 'classes'>>;
  /** Poisson noise at this mean count per pixel (absent: none). */
  dose?: number;
  /**
   * Zoom augmentation range of the thickness and mistilt targets and the σ of its anisotropic
   * stretch (default the preset's: bragg [0.97, 1.03] and 0, the seed [0.8, 1.2] and 0.07).
   */
  zoom?: readonly [number, number];
  anisotropy?: number;
  /**
   * The augmentation these options start from: `bragg` (default; thickness and mistilt: zoom
   * 0.97–1.03, shift 0.1, Gaussian noise, no rotation, flips, shear or stretch — see
   * `AUGMENT_PRESETS` for why) or `seed` (the notebook's). The scale target always starts from
   * the seed's geometry.
   */
  augmentation?: AugmentPreset;
  /** Shear, rotation, shift, flips, transpose of the augmentation (default the preset's). */
  geometry?: Partial<PacbedGeometry>;
  /** Largest Gaussian-noise σ of the thickness and mistilt augmentation (default 0.1, the seed's). */
  noise?: number;
  /**
   * Training images through the prediction's centroid crop and background (A; B for the scale
   * target) before augmentation — `true`, the default — or as simulated (`false`, the seed).
   */
  preprocess?: boolean;
  /** Continue from the key's checkpoints of this target. */
  resume?: boolean;
  /**
   * A Keras HDF5 file (a saved model or `save_weights`) whose layers load into the network by
   * name before training — ImageNet's Xception `…_notop.h5` or a seed model for
   * `model: 'xception'`; the layers it lacks (the new head) keep their initial weights.
   */
  weights?: string;
  /**
   * Fine-tune a trained network instead of training from scratch (the seed's `ft_training`,
   * without its bug that freezes the head): `from` is a bragg PACBED model directory (its
   * architecture, options and input side are the defaults) or a Keras HDF5 model (`model`
   * must name its architecture). Every layer but the classifier takes the trained weights by
   * name; the classifier is new (the new table's classes). The head — the dense layers — trains
   * first on the frozen base for `headEpochs` (default 5; the seed 1) at `learningRate`, then
   * everything but batch normalisation (frozen the Keras way: inference mode) for `epochs`
   * (default the target's, as from scratch; the seed 10) at `learningRate` (default the
   * head's). See `FINE_TUNE_HEAD_EPOCHS` for why not the seed's schedule.
   */
  fineTune?: { from: string; headEpochs?: number; learningRate?: number };
  /** Write the 3×3 grid of augmented inputs here (PNG). */
  preview?: string;
  /** Register under these instead of the table's Material / Electron_Energy / Direction. */
  material?: string;
  kv?: number;
  zone?: Zone;
  callbacks?: TrainCallback[];
}

export interface PacbedTrainResult {
  modelDir: string;
  meta: BundleMeta;
  history: EpochRecord[];
  confusion: ConfusionReport;
  key: { material: string; kv: number; zone: Zone };
}

function fraction(v: number): number {
  if (!(v > 0 && v < 1)) throw new ValidationError(`must be in (0, 1), got ${v}`, 'valSplit');
  return v;
}

/** The network of a training: its architecture name, resolved options, input shape, builder. */
function networkOf(
  o: PacbedTrainOptions,
  size: number,
  classes: number,
): { name: string; arch: object; inputShape: number[]; build(seed: number): tf.LayersModel } {
  if (o.model === 'xception') {
    const { dense, dropout, ...rest } = o.architecture ?? {};
    const other = Object.keys(rest).find((k) => (rest as Record<string, unknown>)[k] !== undefined);
    if (other !== undefined) {
      throw new ValidationError(`not an option of the xception network (dense, dropout)`, other);
    }
    const X = PACBED_XCEPTION_ARCHITECTURE;
    const arch = X.resolve({
      size,
      classes,
      ...(dense !== undefined ? { dense } : {}),
      ...(dropout !== undefined ? { dropout } : {}),
    });
    return { name: X.name, arch, inputShape: X.inputShape(arch), build: (seed) => X.build(arch, seed) }; // prettier-ignore
  }
  const C = PACBED_COMPACT_ARCHITECTURE;
  const arch = C.resolve({ ...o.architecture, size, classes });
  return { name: C.name, arch, inputShape: C.inputShape(arch), build: (seed) => C.build(arch, seed) }; // prettier-ignore
}

/** The network a fine-tuning starts from, and the options it implies. */
interface FineTuneSource {
  from: string;
  bundle?: { model: tf.LayersModel; meta: BundleMeta };
  keras?: KerasFile;
  /** A bundle's network: its architecture, input side and options. */
  defaults: Pick<PacbedTrainOptions, 'model' | 'size' | 'architecture'>;
}

const ARCHITECTURE_OPTION: Record<string, 'compact' | 'xception'> = {
  [PACBED_COMPACT_ARCHITECTURE.name]: 'compact',
  [PACBED_XCEPTION_ARCHITECTURE.name]: 'xception',
};

async function openFineTuneSource(from: string): Promise<FineTuneSource> {
  const path = resolve(from);
  let dir: boolean;
  try {
    dir = (await stat(path)).isDirectory();
  } catch {
    throw new NotFoundError(`no model at ${path}`, { what: 'model', resource: path });
  }
  if (!dir) return { from: path, keras: await readKerasH5(path), defaults: {} };
  const b = await loadBundle(path);
  const model = ARCHITECTURE_OPTION[b.meta.architecture.name];
  const info = b.meta.pacbed as { size?: unknown } | undefined;
  if (b.meta.workflow !== 'pacbed' || model === undefined || typeof info?.size !== 'number') {
    b.model.dispose();
    throw new ValidationError(
      `${path} is not a PACBED model of bragg (workflow ${b.meta.workflow}, network ${b.meta.architecture.name})`,
      'from',
    );
  }
  const { size: _s, classes: _c, ...architecture } = b.meta.architecture.config as Record<string, unknown>; // prettier-ignore
  return {
    from: path,
    bundle: b,
    defaults: { model, size: info.size, architecture: architecture as PacbedTrainOptions['architecture'] }, // prettier-ignore
  };
}

export async function trainPacbedModel(o0: PacbedTrainOptions): Promise<PacbedTrainResult> {
  if (o0.fineTune && o0.weights !== undefined) {
    throw new ValidationError('give either a model to fine-tune (from) or Keras weights, not both', 'weights'); // prettier-ignore
  }
  const source = o0.fineTune ? await openFineTuneSource(o0.fineTune.from) : undefined;
  try {
    return await trainWith(o0, source);
  } finally {
    source?.bundle?.model.dispose();
  }
}

async function trainWith(
  o0: PacbedTrainOptions,
  source: FineTuneSource | undefined,
): Promise<PacbedTrainResult> {
  const d = source?.defaults;
  if (d?.model !== undefined && o0.model !== undefined && o0.model !== d.model) {
    throw new ValidationError(`${source!.from} is a ${d.model} network, not ${o0.model}`, 'model');
  }
  // a fine-tuning keeps the trained network's architecture, options and input side
  const o: PacbedTrainOptions = d
    ? {
        ...o0,
        ...(d.model !== undefined ? { model: d.model } : {}),
        ...((o0.size ?? d.size) !== undefined ? { size: o0.size ?? d.size } : {}),
        architecture: { ...d.architecture, ...o0.architecture },
      }
    : o0;
  const target = o.target;
  const root = resolve(o.modelsRoot ?? DEFAULT_MODELS_ROOT);
  const epochs = o.epochs ?? DEFAULT_EPOCHS[target];
  const batchSize = o.batchSize ?? 16;
  const valSplit = fraction(o.valSplit ?? 0.05);
  const seed = o.seed ?? 42;
  const learningRate = o.learningRate ?? 1e-3;
  const size = o.size ?? 64;
  const model0 = o.model ?? 'compact';
  if (model0 !== 'compact' && model0 !== 'xception') {
    throw new ValidationError(`expected compact or xception, got '${String(o.model)}'`, 'model');
  }
  // the network's options are checked before the table is read
  networkOf(o, size, 2);
  const table = await readTrainingTable(o.table);
  // how the table was simulated (beside it, from `bragg simulate pacbed-dataset`): the
  // validation figure simulates a predicted case with it where the table is not at hand
  const recipe = await recipeForTable(table.file);
  const material = o.material ?? table.material;
  const kv = o.kv ?? table.kv;
  const zone = o.zone ?? table.zone;
  if (material === undefined || kv === undefined || zone === undefined) {
    const col =
      material === undefined ? 'Material' : kv === undefined ? 'Electron_Energy' : 'Direction';
    throw new ValidationError(
      `${table.file} has no ${col} column: the model cannot be registered (give material, kV and zone)`,
      col === 'Material' ? 'material' : col === 'Electron_Energy' ? 'kv' : 'zone',
    );
  }
  const values =
    target === 'thickness' ? table.thickness : target === 'mistilt' ? table.mistilt : undefined;
  const labels =
    values === undefined ? [...SCALE_LABELS] : labelValues(values, LABEL_COLUMN[target]);
  let cmin = Infinity;
  let cmax = -Infinity;
  for (const c of table.convAngle) {
    if (!(c > 0)) throw new ValidationError(`must be > 0 mrad, got ${c}`, 'Conv_Angle');
    cmin = Math.min(cmin, c);
    cmax = Math.max(cmax, c);
  }
  const convRange: [number, number] = [cmin, cmax];
  const preset = AUGMENT_PRESETS[o.augmentation ?? 'bragg'];
  const aug: AugmentSettings = {
    zoom: o.zoom ?? preset.zoom,
    anisotropy: o.anisotropy ?? preset.anisotropy,
    geometry: {
      ...(target === 'scale' ? AUGMENT_PRESETS.seed : preset).geometry,
      ...o.geometry,
    },
    noise: o.noise ?? preset.noise,
  };
  const augment: AugmentOptions = {
    target,
    size,
    convRange,
    ...(o.dose !== undefined ? { dose: o.dose } : {}),
    zoom: aug.zoom,
    anisotropy: aug.anisotropy,
    geometry: aug.geometry,
    noise: aug.noise,
  };
  const keyDir = join(root, keyFolder(material, kv, zone));
  await mkdir(keyDir, { recursive: true });
  const preprocess = o.preprocess === false ? 'none' : target === 'scale' ? 'b' : 'a';
  const samples = pacbedSamples({
    table,
    labels,
    ...(values ? { values } : {}),
    size,
    preprocess,
  });
  const common = { samples, batchSize, seed, valSplit, classes: labels.length, augment };
  if (o.preview !== undefined) {
    const first = await samples
      .batches({ batchSize: 9, seed, shuffle: true, part: 'train', validationFraction: valSplit })
      .next();
    if (first.value !== undefined) {
      const a = augmentBatch(first.value, deriveSeed(seed, 'augment', 'train', 0), augment);
      const n = size * size;
      const imgs = Array.from({ length: first.value.size }, (_, k) =>
        a.x.subarray(k * (n + 1), k * (n + 1) + n),
      );
      await writeFile(resolve(o.preview), previewGrid(imgs, size));
    }
  }
  const spec = networkOf(o, size, labels.length);
  const arch = spec.arch;
  const model = spec.build(seed);
  const checkpointDir = join(keyDir, '.checkpoints', target);
  try {
    let initialWeights: Record<string, unknown> | undefined;
    if (o.weights !== undefined) {
      const file = await readKerasH5(o.weights);
      const r = loadKerasWeightsByName(model, file);
      initialWeights = { file: resolve(o.weights), sha256: file.sha256, loaded: r.loaded.length, notInFile: r.notInFile }; // prettier-ignore
    }
    const stage = (n: number, lr: number, dir: string): Promise<TrainResult> =>
      train(model, pacbedSource({ ...common, part: 'train' }), {
        epochs: n,
        optimizer: { kind: 'adam', learningRate: lr },
        loss: 'categoricalCrossentropy',
        validation: pacbedSource({ ...common, part: 'validation' }),
        earlyStopping: { patience: o.patience ?? 10 },
        checkpointDir: dir,
        resume: o.resume ?? false,
        ...(o.callbacks ? { callbacks: o.callbacks } : {}),
      });
    let result: TrainResult;
    let fineTune: Record<string, unknown> | undefined;
    let headHistory: EpochRecord[] = [];
    if (source !== undefined) {
      const head = outputLayerName(model);
      const copied = source.bundle
        ? copyWeightsByName(source.bundle.model, model, { except: [head] }).copied
        : loadKerasWeightsByName(model, source.keras!, 'from', { except: [head] }).loaded;
      const headEpochs = o.fineTune?.headEpochs ?? FINE_TUNE_HEAD_EPOCHS;
      const lr = o.fineTune?.learningRate ?? learningRate;
      const headLayers = setTrainableLayers(model, (l) => l.getClassName() === 'Dense');
      const first = await stage(headEpochs, learningRate, `${checkpointDir}-head`);
      headHistory = first.history;
      const tuned = trainAllButBatchNorm(model);
      result = await stage(epochs, lr, checkpointDir);
      const src = source.bundle?.meta;
      fineTune = {
        from: source.from,
        ...(src ? { id: src.id, target: (src.pacbed as { target?: unknown }).target, labels: src.labels } : {}), // prettier-ignore
        ...(source.keras ? { sha256: source.keras.sha256 } : {}),
        copiedLayers: copied.length,
        newLayers: [head],
        head: { layers: headLayers, epochs: headEpochs, epochsRun: first.history.length, learningRate }, // prettier-ignore
        tune: { layers: tuned.length, frozen: 'BatchNormalization (inference mode)', epochs, learningRate: lr }, // prettier-ignore
      };
    } else {
      result = await stage(epochs, learningRate, checkpointDir);
    }
    // the seed keeps the best val_loss model (ModelCheckpoint save_best_only)
    const best = await readCheckpoint(checkpointDir, 'best', [MODEL_JSON, WEIGHTS_BIN]);
    if (best !== undefined) {
      const art = await filesToArtifacts(
        best.files.get(MODEL_JSON)!,
        () => Promise.resolve(best.files.get(WEIGHTS_BIN)!),
        {
          modelFile: join(best.dir, MODEL_JSON),
          weightsFile: join(best.dir, WEIGHTS_BIN),
        },
      );
      setModelWeights(model, art, join(best.dir, MODEL_JSON));
    }
    // the bundle's layers as any network's: trainable, batch normalisation in Keras' default
    if (source !== undefined) thawAll(model);
    // the curves and history of a fine-tuning: the head's epochs, then the fine-tuning's
    const history = [
      ...headHistory,
      ...result.history.map((h) => ({ ...h, epoch: h.epoch + headHistory.length })),
    ];
    const truth: number[] = [];
    const predicted: number[] = [];
    for await (const b of pacbedSource({ ...common, batchSize: 64, part: 'validation' })(0)) {
      const p = tf.tidy(() => model.predict(b.x) as tf.Tensor);
      predicted.push(...argmaxRows(await p.data(), labels.length));
      truth.push(...argmaxRows(await b.y.data(), labels.length));
      tf.dispose([p, b.x, b.y]);
    }
    const names = labels.map(String);
    const confusion = confusionMatrix(truth, predicted, names);
    const id = newModelId();
    const modelDir = join(keyDir, `${target}-${id.slice(0, 8)}`);
    const last = history[history.length - 1];
    const meta: BundleMeta = {
      format: BUNDLE_FORMAT,
      id,
      workflow: 'pacbed',
      labels: names,
      input: {
        shape: spec.inputShape,
        preprocessing: PACBED_PREPROCESSING,
        source: 'image size² + convergence angle (packed)',
      },
      architecture: { name: spec.name, config: { ...arch } },
      datasetIds: [],
      pacbed: {
        target,
        labelColumn: LABEL_COLUMN[target],
        unit: TARGET_UNIT[target],
        values: labels,
        size,
        packed: true,
        convRange,
        material,
        kv,
        zone,
      },
      training: {
        ...(initialWeights !== undefined ? { initialWeights } : {}),
        ...(fineTune !== undefined ? { fineTune } : {}),
        table: table.file,
        ...(recipe !== undefined ? { simulation: recipe } : {}),
        rows: table.rows,
        epochs,
        epochsRun: result.history.length,
        stoppedEarly: result.stoppedEarly,
        batchSize,
        valSplit,
        seed,
        patience: o.patience ?? 10,
        optimizer: { kind: 'adam', learningRate },
        loss: 'categoricalCrossentropy',
        ...(o.dose !== undefined ? { dose: o.dose } : {}),
        preprocess:
          preprocess === 'none' ? 'none' : `centroid crop, background ${preprocess.toUpperCase()}`,
        ...(target !== 'scale'
          ? { zoom: [...aug.zoom], anisotropy: aug.anisotropy, noise: aug.noise }
          : {}),
        augmentation: o.augmentation ?? 'bragg',
        geometry: { ...aug.geometry },
        checkpointDir,
      },
      metrics: {
        validation: {
          samples: confusion.total,
          accuracy: confusion.accuracy,
          loss: result.bestValLoss,
          perClass: confusion.perClass,
        },
        train: { loss: last?.loss ?? null, accuracy: last?.accuracy ?? null },
      },
      createdAt: new Date().toISOString(),
      braggVersion: VERSION,
    };
    const saved = await saveBundle(modelDir, model, meta);
    await writeTrainingReport(modelDir, { target, labels, history, confusion, id });
    await registerModel(root, {
      material,
      kv,
      zone,
      target,
      model: {
        id,
        dir: join(keyFolder(material, kv, zone), `${target}-${id.slice(0, 8)}`),
        convRange,
      },
    });
    return {
      modelDir,
      meta: saved,
      history,
      confusion,
      key: { material, kv, zone },
    };
  } finally {
    model.dispose();
  }
}
