/**
 * `bragg peaks train`: the supervised peaks model (`models/unet.ts`) on the truth masks of a
 * `bragg peaks simulate` dataset, through bragg's trainer (Adam, binary cross-entropy on the
 * foreground and interior maps, random crops, a resumable checkpoint per epoch, the best
 * val_loss kept, early stopping), saved as a model bundle in the output folder (`model.json`,
 * `weights.bin`, `bragg.json`, `history.json`). `bragg peaks predict --model <folder>` uses it.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../../core/errors.js';
import { VERSION } from '../../../core/version.js';
import { newModelId, saveBundle } from '../../../ml/store/bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../../../ml/store/schema.js';
import type { EpochRecord, TrainCallback } from '../../../ml/train/callbacks.js';
import {
  filesToArtifacts,
  MODEL_JSON,
  setModelWeights,
  WEIGHTS_BIN,
} from '../../../ml/train/checkpoint.js';
import { readCheckpoint } from '../../../ml/train/checkpoint-store.js';
import { train } from '../../../ml/train/trainer.js';
import { interruptedError } from '../../command.js';
import { PEAKS_UNET_ARCHITECTURE, PEAKS_UNET_OUTPUTS } from '../models/unet.js';
import { scoreFrame, summarise, type FrameScore } from '../evaluate/metrics.js';
import { cropSource, frameInput, loadPeaksData, truthIds, type PeaksFrame } from './data.js';
import { DECODE_DEFAULTS, decodeInstances, type DecodeOptions } from './decode.js';
import { loadPeaksModel } from './model.js';
import { PEAKS_PREPROCESSING, PEAKS_PREPROCESSING_SNR, type PeaksInput } from './maps.js';

export const PEAKS_TRAIN_METHODS = ['supervised'] as const;
export type PeaksTrainMethod = (typeof PEAKS_TRAIN_METHODS)[number];

export interface TrainPeaksOptions {
  /** A `bragg peaks simulate` dataset folder (manifest.json + scans + label files). */
  data: string;
  /** The model bundle's folder (checkpoints in `<outDir>/.checkpoints`). */
  outDir: string;
  method?: PeaksTrainMethod;
  /** Epochs (default 30). */
  epochs?: number;
  /** Crops per batch (default 8). */
  batchSize?: number;
  /** Batches per epoch (default 32). */
  steps?: number;
  /** Side of the square training crops (default 64; a multiple of 2^levels). */
  crop?: number;
  /** Filters of the first U-Net level (default 8) and poolings (default 2). */
  filters?: number;
  levels?: number;
  /** Stem patch of the U-Net (default 1: full resolution; see `PeaksUnetOptions.patch`). */
  patch?: number;
  /**
   * What the network is given (default `log+snr`: the log counts and the local significance;
   * `log`: the log counts only, as bundles before it).
   */
  input?: PeaksInput;
  learningRate?: number;
  /** Early stopping patience in epochs (default 8). */
  patience?: number;
  /** Share of the scans (of the frames, with one scan) held out for validation (default 0.2). */
  valSplit?: number;
  /** Frames held in memory, spread over the dataset (default 400). */
  maxFrames?: number;
  seed?: number;
  /** Continue from `<outDir>/.checkpoints/last`. */
  resume?: boolean;
  callbacks?: TrainCallback[];
  signal?: AbortSignal;
}

export interface TrainPeaksResult {
  modelDir: string;
  meta: BundleMeta;
  history: EpochRecord[];
  bestValLoss: number;
  stoppedEarly: boolean;
  frames: { train: number; validation: number };
}

function intIn(v: number, field: string, lo: number, hi: number): number {
  if (!(Number.isInteger(v) && v >= lo && v <= hi))
    throw new ValidationError(`${field} must be an integer ${lo}..${hi}, got ${v}`, field);
  return v;
}

/**
 * Decodings tried on the validation frames (`decode.ts`). The confidence threshold starts at
 * the seed's 0.4, but the U-Net's confidence (its mean foreground probability over the mask) is
 * not the seed's Mask R-CNN score: on structured backgrounds false positives sit at 0.5–0.8
 * while true peaks reach ≥ 0.9, so the threshold is chosen with the levels. The NMS IoU stays
 * the seed's 0.5.
 */
const MASK_LEVELS = [0.3, 0.4, 0.5];
const SEED_LEVELS = [0.2, 0.3, 0.5];
export const THRESHOLDS = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** The (threshold, maskLevel, seedLevel) with the best F1 (then mean IoU) on the validation frames. */
async function tuneDecode(
  dir: string,
  frames: readonly PeaksFrame[],
  h: number,
  w: number,
): Promise<{
  decode: Required<DecodeOptions>;
  scores: Record<string, { f1: number; meanIoU: number }>;
}> {
  const net = await loadPeaksModel(dir);
  try {
    const scores: Record<string, { f1: number; meanIoU: number }> = {};
    const per = new Map<string, FrameScore[]>();
    const BLOCK = 8;
    const c = frames[0]?.channels ?? 1;
    const x = new Float32Array(BLOCK * h * w * c);
    for (let k0 = 0; k0 < frames.length; k0 += BLOCK) {
      const k1 = Math.min(frames.length, k0 + BLOCK);
      for (let k = k0; k < k1; k++)
        frameInput(frames[k]!, x.subarray((k - k0) * h * w * c, (k - k0 + 1) * h * w * c));
      const { data, hp, wp } = net.maps(x.subarray(0, (k1 - k0) * h * w * c), k1 - k0, h, w, true);
      for (const th of THRESHOLDS)
        for (const ml of MASK_LEVELS)
          for (const sl of SEED_LEVELS) {
            const key = `${th}/${ml}/${sl}`;
            const list = per.get(key) ?? [];
            for (let k = k0; k < k1; k++) {
              const m = data.subarray((k - k0) * hp * wp * 2, (k - k0 + 1) * hp * wp * 2);
              const d = decodeInstances(
                m,
                h,
                w,
                { threshold: th, maskLevel: ml, seedLevel: sl },
                wp,
              );
              list.push(scoreFrame(k, truthIds(frames[k]!), d.mask));
            }
            per.set(key, list);
          }
    }
    let best = `${DECODE_DEFAULTS.threshold}/${DECODE_DEFAULTS.maskLevel}/${DECODE_DEFAULTS.seedLevel}`;
    let bestScore = [-1, -1];
    for (const [key, list] of per) {
      const s = summarise(list);
      const f1 = Number.isNaN(s.f1) ? 0 : s.f1;
      const iou = Number.isNaN(s.meanIoU) ? 0 : s.meanIoU;
      scores[key] = { f1, meanIoU: iou };
      if (f1 > bestScore[0]! || (f1 === bestScore[0] && iou > bestScore[1]!)) {
        bestScore = [f1, iou];
        best = key;
      }
    }
    const [th, ml, sl] = best.split('/').map(Number) as [number, number, number];
    return { decode: { ...DECODE_DEFAULTS, threshold: th, maskLevel: ml, seedLevel: sl }, scores };
  } finally {
    net.dispose();
  }
}

export async function trainPeaksModel(o: TrainPeaksOptions): Promise<TrainPeaksResult> {
  const method = o.method ?? 'supervised';
  if (!(PEAKS_TRAIN_METHODS as readonly string[]).includes(method))
    throw new ValidationError(
      `method '${String(method)}' is not one of ${PEAKS_TRAIN_METHODS.join(', ')}`,
      'method',
    );
  const epochs = intIn(o.epochs ?? 30, 'epochs', 1, 100_000);
  const batchSize = intIn(o.batchSize ?? 8, 'batchSize', 1, 4096);
  const steps = intIn(o.steps ?? 32, 'steps', 1, 1_000_000);
  const crop = intIn(o.crop ?? 64, 'crop', 8, 1024);
  const seed = intIn(o.seed ?? 0, 'seed', 0, 2 ** 32 - 1);
  const patience = intIn(o.patience ?? 8, 'patience', 1, 100_000);
  const learningRate = o.learningRate ?? 1e-3;
  if (!(learningRate > 0 && learningRate < 1))
    throw new ValidationError(
      `learningRate must be in (0, 1), got ${learningRate}`,
      'learningRate',
    );
  const valSplit = o.valSplit ?? 0.2;
  if (!(valSplit > 0 && valSplit < 1))
    throw new ValidationError(`valSplit must be in (0, 1), got ${valSplit}`, 'valSplit');
  const arch = PEAKS_UNET_ARCHITECTURE.resolve({
    height: crop,
    width: crop,
    ...(o.filters !== undefined ? { filters: o.filters } : {}),
    ...(o.levels !== undefined ? { levels: o.levels } : {}),
    ...(o.patch !== undefined ? { patch: o.patch } : {}),
    input: o.input ?? 'log+snr',
  });
  const outDir = resolve(o.outDir);
  const data = await loadPeaksData(o.data, {
    valSplit,
    ...(o.maxFrames !== undefined ? { maxFrames: o.maxFrames } : {}),
    input: arch.input,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const common = { height: data.height, width: data.width, crop, batchSize, seed };
  const trainSource = cropSource({ ...common, frames: data.train, batches: steps, part: 'train' });
  const valSource = cropSource({
    ...common,
    frames: data.validation,
    batches: Math.max(2, Math.ceil(steps / 4)),
    part: 'validation',
  });
  const model = PEAKS_UNET_ARCHITECTURE.build(arch, seed);
  const checkpointDir = join(outDir, '.checkpoints');
  const stop: TrainCallback = {
    onEvent() {
      if (o.signal?.aborted) throw interruptedError('interrupted; resume with resume: true');
    },
  };
  try {
    const result = await train(model, trainSource, {
      epochs,
      optimizer: { kind: 'adam', learningRate },
      loss: 'binaryCrossentropy',
      validation: valSource,
      earlyStopping: { patience },
      checkpointDir,
      resume: o.resume ?? false,
      callbacks: [...(o.signal ? [stop] : []), ...(o.callbacks ?? [])],
    });
    const best = await readCheckpoint(checkpointDir, 'best', [MODEL_JSON, WEIGHTS_BIN]);
    if (best !== undefined) {
      const art = await filesToArtifacts(
        best.files.get(MODEL_JSON)!,
        () => Promise.resolve(best.files.get(WEIGHTS_BIN)!),
        { modelFile: join(best.dir, MODEL_JSON), weightsFile: join(best.dir, WEIGHTS_BIN) },
      );
      setModelWeights(model, art, join(best.dir, MODEL_JSON));
    }
    const last = result.history[result.history.length - 1];
    const meta: BundleMeta = {
      format: BUNDLE_FORMAT,
      id: newModelId(),
      workflow: 'peaks',
      labels: [...PEAKS_UNET_OUTPUTS],
      input: {
        shape: PEAKS_UNET_ARCHITECTURE.inputShape(arch),
        preprocessing: arch.input === 'log' ? PEAKS_PREPROCESSING : PEAKS_PREPROCESSING_SNR,
        source: 'detector frame (counts); fully convolutional: any frame size, padded',
      },
      architecture: { name: PEAKS_UNET_ARCHITECTURE.name, config: { ...arch } },
      datasetIds: data.datasetId !== undefined ? [data.datasetId] : [],
      peaks: { method, decode: DECODE_DEFAULTS, frame: [data.height, data.width] },
      training: {
        data: resolve(o.data),
        scans: data.scans,
        frames: { train: data.train.length, validation: data.validation.length },
        epochs,
        epochsRun: result.history.length,
        startEpoch: result.startEpoch,
        stoppedEarly: result.stoppedEarly,
        batchSize,
        steps,
        crop,
        seed,
        patience,
        valSplit,
        optimizer: { kind: 'adam', learningRate },
        loss: 'binaryCrossentropy (foreground, interior)',
        checkpointDir,
      },
      metrics: {
        validation: {
          loss: result.bestValLoss,
          crops: 'fixed random crops of the validation scans',
        },
        train: { loss: last?.loss ?? null, pixelAccuracy: last?.accuracy ?? null },
      },
      createdAt: new Date().toISOString(),
      braggVersion: VERSION,
    };
    await saveBundle(outDir, model, meta);
    // the mask and seed levels of the decoding, tuned on the validation frames (whole frames)
    const tuned = await tuneDecode(outDir, data.validation, data.height, data.width);
    const saved = await saveBundle(outDir, model, {
      ...meta,
      peaks: { method, decode: tuned.decode, frame: [data.height, data.width] },
      metrics: { ...meta.metrics, validationDecode: tuned.scores },
    });
    await writeFile(join(outDir, 'history.json'), `${JSON.stringify(result.history, null, 2)}\n`);
    return {
      modelDir: outDir,
      meta: saved,
      history: result.history,
      bestValLoss: result.bestValLoss,
      stoppedEarly: result.stoppedEarly,
      frames: { train: data.train.length, validation: data.validation.length },
    };
  } finally {
    model.dispose();
  }
}
