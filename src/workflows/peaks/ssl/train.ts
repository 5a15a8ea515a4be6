/**
 * `bragg peaks train --method ssl`: the seed's self-supervised model (SSLM, STUDY.md §3.3) on
 * the frames of scans — no label is read (`ssl/data.ts`).
 *
 * Training, as the seed: SGD (lr 1e-3, momentum 0.9), **one step per image**, the loss of
 * `ssl/loss.ts` (self-labelling CE + spatial sparsity, optional context consistency; weights
 * (cc, ce, ss) = (0, 1, 1)). An epoch is one pass over the training frames in a seeded order.
 * Each step sees one crop of its frame (`crop` pixels square, 64 by default; 0 = the whole
 * frame as the seed, ~25× the cost on a 195 × 487 frame): half of the crops centred on a
 * reference pixel (a classic-finder peak pixel), the rest anywhere, flipped at random. A crop
 * is a pure function of (seed, epoch, step), so a resumed run takes the same steps.
 *
 * A custom loop (the trainer's loss is a function of labels; this one labels itself) built from
 * the trainer's pieces: the optimiser (`ml/train/optimizers.ts`) and the verified, resumable
 * checkpoints (`checkpoint-store.ts`, `resume.ts`: weights with the BN moving averages,
 * momentum buffers, history; `resume: true` continues from `<outDir>/.checkpoints/last` with
 * the same losses as an uninterrupted run).
 *
 * After training the **peak clusters are chosen** on up to `selectFrames` training frames
 * (whole frames, inference mode) by their overlap with the classic finder's peak pixels
 * (`clusters.ts`), and stored in `bragg.json` (`peaks.clusters`, with every cluster's counts
 * and the rule), so `bragg peaks predict --model` needs nothing else.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../../core/errors.js';
import { createRng, deriveSeed } from '../../../core/rng.js';
import { VERSION } from '../../../core/version.js';
import { newModelId, saveBundle } from '../../../ml/store/bundle.js';
import { BUNDLE_FORMAT, type BundleMeta } from '../../../ml/store/schema.js';
import type { EpochRecord, ProgressEvent, TrainCallback } from '../../../ml/train/callbacks.js';
import {
  cleanCheckpointDir,
  publishCheckpoint,
  readCheckpoint,
} from '../../../ml/train/checkpoint-store.js';
import { createOptimizer, type OptimizerSpec } from '../../../ml/train/optimizers.js';
import {
  CHECKPOINT_FILES,
  checkpointFiles,
  fingerprint,
  restoreCheckpoint,
  type TrainerState,
} from '../../../ml/train/resume.js';
import { interruptedError } from '../../command.js';
import { PEAKS_PREPROCESSING } from '../cnn/maps.js';
import { PEAKS_SSLM_ARCHITECTURE, sslmLabels } from '../models/sslm.js';
import { ClusterCounter, choosePeakClusters, SSL_DECODE_DEFAULTS } from './clusters.js';
import { loadSslFrames, type SslFrame } from './data.js';
import { checkLossWeights, sslLoss, type SslLossWeights } from './loss.js';
import { SslNet } from './model.js';

export interface TrainSslOptions {
  /** A peaks dataset folder (manifest.json) or a folder of scans; labels are never read. */
  data: string;
  outDir: string;
  /** Passes over the training frames (default 5). */
  epochs?: number;
  /** Cluster channels (default 100, the seed's) and conv3×3 layers (default 2). */
  channels?: number;
  convs?: number;
  /** Side of the square crop of each step (default 64; 0 = whole frames). */
  crop?: number;
  /** SGD learning rate (default 1e-3) and momentum (default 0.9), as the seed. */
  learningRate?: number;
  momentum?: number;
  /** Loss weights (default the seed's cc 0, ce 1, ss 1). */
  weights?: Partial<SslLossWeights>;
  /** Frames held in memory, spread over the scans (default 200). */
  maxFrames?: number;
  /** Training frames the peak clusters are chosen on (default 16). */
  selectFrames?: number;
  /** Smallest instance of the decoding (default 2 pixels). */
  minPixels?: number;
  seed?: number;
  resume?: boolean;
  callbacks?: TrainCallback[];
  signal?: AbortSignal;
}

export interface SslEpochRecord extends EpochRecord {
  ce: number;
  ss: number;
  cc: number;
  /** Mean number of distinct clusters (argmax) per step's crop. */
  clusters: number;
}

export interface TrainSslResult {
  modelDir: string;
  meta: BundleMeta;
  history: SslEpochRecord[];
  clusters: number[];
  /** Pixel IoU of the peak clusters with the classic finder's pixels on the selection frames. */
  selectionIoU: number;
  frames: number;
}

function intIn(v: number, field: string, lo: number, hi: number): number {
  if (!(Number.isInteger(v) && v >= lo && v <= hi))
    throw new ValidationError(`${field} must be an integer ${lo}..${hi}, got ${v}`, field);
  return v;
}

/** One training crop of frame `f` (input c × c, already scaled to [0, 1]). */
function cropOf(
  f: SslFrame,
  h: number,
  w: number,
  ch: number,
  cw: number,
  rng: ReturnType<typeof createRng>,
): Float32Array {
  let y0 = 0;
  let x0 = 0;
  if (ch < h || cw < w) {
    if (f.referencePixels.length > 0 && rng.next() < 0.5) {
      const p = f.referencePixels[rng.int(f.referencePixels.length)]!;
      const py = Math.floor(p / w);
      y0 = py - Math.floor(ch / 2) + rng.int(9) - 4;
      x0 = p - py * w - Math.floor(cw / 2) + rng.int(9) - 4;
    } else {
      y0 = rng.int(h - ch + 1);
      x0 = rng.int(w - cw + 1);
    }
    y0 = Math.max(0, Math.min(h - ch, y0));
    x0 = Math.max(0, Math.min(w - cw, x0));
  }
  const flipY = rng.next() < 0.5;
  const flipX = rng.next() < 0.5;
  const out = new Float32Array(ch * cw);
  for (let r = 0; r < ch; r++) {
    const sy = y0 + (flipY ? ch - 1 - r : r);
    for (let q = 0; q < cw; q++) {
      const sx = x0 + (flipX ? cw - 1 - q : q);
      out[r * cw + q] = f.input[sy * w + sx]! / 65535;
    }
  }
  return out;
}

function wholeInput(f: SslFrame): Float32Array {
  const x = new Float32Array(f.input.length);
  for (let p = 0; p < x.length; p++) x[p] = f.input[p]! / 65535;
  return x;
}

export async function trainSslModel(o: TrainSslOptions): Promise<TrainSslResult> {
  const epochs = intIn(o.epochs ?? 5, 'epochs', 1, 100_000);
  const crop = intIn(o.crop ?? 64, 'crop', 0, 8192);
  if (crop > 0 && crop < 4) throw new ValidationError(`crop must be 0 or ≥ 4, got ${crop}`, 'crop');
  const seed = intIn(o.seed ?? 0, 'seed', 0, 2 ** 32 - 1);
  const selectFrames = intIn(o.selectFrames ?? 16, 'selectFrames', 1, 100_000);
  const minPixels = intIn(o.minPixels ?? SSL_DECODE_DEFAULTS.minPixels, 'minPixels', 1, 10_000_000); // prettier-ignore
  const learningRate = o.learningRate ?? 1e-3;
  if (!(learningRate > 0 && learningRate < 1))
    throw new ValidationError(`learningRate must be in (0, 1), got ${learningRate}`, 'learningRate'); // prettier-ignore
  const momentum = o.momentum ?? 0.9;
  if (!(momentum >= 0 && momentum < 1))
    throw new ValidationError(`momentum must be in [0, 1), got ${momentum}`, 'momentum');
  const weights = checkLossWeights(o.weights ?? {});
  // checks channels and convs before any scan is read
  PEAKS_SSLM_ARCHITECTURE.resolve({
    ...(o.channels !== undefined ? { channels: o.channels } : {}),
    ...(o.convs !== undefined ? { convs: o.convs } : {}),
  });
  const outDir = resolve(o.outDir);
  const data = await loadSslFrames(o.data, {
    ...(o.maxFrames !== undefined ? { maxFrames: o.maxFrames } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const { height: h, width: w, frames } = data;
  if (crop > Math.max(h, w))
    throw new ValidationError(`crop ${crop} is larger than the ${h} × ${w} frames`, 'crop');
  const ch = crop === 0 ? h : Math.min(crop, h);
  const cw = crop === 0 ? w : Math.min(crop, w);
  const arch = PEAKS_SSLM_ARCHITECTURE.resolve({
    height: ch,
    width: cw,
    ...(o.channels !== undefined ? { channels: o.channels } : {}),
    ...(o.convs !== undefined ? { convs: o.convs } : {}),
  });
  const spec: OptimizerSpec = { kind: 'sgd', learningRate, momentum };
  const model = PEAKS_SSLM_ARCHITECTURE.build(arch, seed);
  const optimizer = createOptimizer(spec);
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const root = join(outDir, '.checkpoints');
  const emit = async (e: ProgressEvent): Promise<void> => {
    for (const c of o.callbacks ?? []) await c.onEvent(e);
  };
  let state: TrainerState = {
    version: 2,
    epoch: 0,
    optimizerStep: 0,
    optimizer: spec,
    dropout: [],
    bestValLoss: null,
    wait: 0,
    history: [],
    model: fingerprint(model),
  };
  try {
    if (o.resume === true) {
      const ck = await readCheckpoint(root, 'last', CHECKPOINT_FILES);
      if (ck !== undefined) state = await restoreCheckpoint(ck, model, optimizer, spec, vars);
    }
    await cleanCheckpointDir(root);
    const startEpoch = state.epoch;
    await emit({ type: 'start', epochs, startEpoch });
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      const t0 = performance.now();
      const order = frames.map((_, i) => i);
      createRng(deriveSeed(seed, 'ssl-order', epoch)).shuffle(order);
      const sum = { total: 0, ce: 0, ss: 0, cc: 0, clusters: 0 };
      for (const [step, i] of order.entries()) {
        if (o.signal?.aborted) throw interruptedError('interrupted; resume with resume: true');
        const rng = createRng(deriveSeed(seed, 'ssl-crop', epoch, step));
        const x = tf.tensor4d(cropOf(frames[i]!, h, w, ch, cw, rng), [1, ch, cw, 1]);
        let kept: tf.Tensor[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const r = model.apply(x, { training: true }) as tf.Tensor4D;
          const t = sslLoss(r, weights);
          kept = [t.ce, t.ss, t.cc, tf.argMax(r, 3)].map((v) => tf.keep(v));
          return t.total;
        }, vars);
        optimizer.step(
          vars,
          vars.map((v) => grads[v.name]!),
          learningRate,
        );
        const total = value.dataSync()[0]!;
        const [ce, ss, cc, am] = kept as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        sum.total += total;
        sum.ce += ce.dataSync()[0]!;
        sum.ss += ss.dataSync()[0]!;
        sum.cc += cc.dataSync()[0]!;
        sum.clusters += new Set(am.dataSync()).size;
        tf.dispose([x, value, ...kept]);
        tf.dispose(grads);
        await emit({
          type: 'batch',
          epoch,
          batch: step,
          step: optimizer.getState().step,
          loss: total,
          accuracy: NaN,
        });
      }
      const n = frames.length;
      const rec: SslEpochRecord = {
        epoch,
        loss: sum.total / n,
        accuracy: NaN,
        lr: learningRate,
        seconds: (performance.now() - t0) / 1000,
        ce: sum.ce / n,
        ss: sum.ss / n,
        cc: sum.cc / n,
        clusters: sum.clusters / n,
      };
      state.history.push(rec);
      await emit({ type: 'epoch', ...rec });
      if (state.bestValLoss === null || rec.loss < state.bestValLoss) state.bestValLoss = rec.loss;
      state.epoch = epoch + 1;
      state.optimizerStep = optimizer.getState().step;
      const files = await checkpointFiles(model, state, optimizer.getState().slots);
      await publishCheckpoint(root, state.epoch, files, ['last']);
      await emit({ type: 'checkpoint', epoch, dir: join(root, 'last'), best: false });
    }
    await emit({ type: 'stop', epoch: state.epoch - 1, reason: 'completed' });

    // the peak clusters, on whole training frames spread over the set
    const counter = new ClusterCounter(arch.channels);
    const net = new SslNet(model, arch);
    try {
      const m = Math.min(selectFrames, frames.length);
      for (let j = 0; j < m; j++) {
        if (o.signal?.aborted) throw interruptedError('interrupted while choosing the clusters');
        const f = frames[Math.floor(((j + 0.5) * frames.length) / m)]!;
        counter.add(net.run(wholeInput(f), 1, h, w).assign, f.reference);
      }
    } finally {
      net.dispose();
    }
    const choice = choosePeakClusters(counter.stats(), counter.referenceTotal);
    const history = state.history as SslEpochRecord[];
    const meta: BundleMeta = {
      format: BUNDLE_FORMAT,
      id: newModelId(),
      workflow: 'peaks',
      labels: sslmLabels(arch.channels),
      input: {
        shape: PEAKS_SSLM_ARCHITECTURE.inputShape(arch),
        preprocessing: PEAKS_PREPROCESSING,
        source: 'detector frame (counts); fully convolutional: any frame size',
      },
      architecture: { name: PEAKS_SSLM_ARCHITECTURE.name, config: { ...arch } },
      datasetIds: data.datasetId !== undefined ? [data.datasetId] : [],
      peaks: {
        method: 'ssl',
        clusters: choice.clusters,
        decode: { threshold: SSL_DECODE_DEFAULTS.threshold, minPixels },
        frame: [h, w],
        selection: {
          rule: 'clusters ranked by their share of classic-finder peak pixels; the best-ranked prefix by pixel IoU of their union with those pixels (ssl/clusters.ts); no labels',
          frames: Math.min(selectFrames, frames.length),
          iou: choice.iou,
          referencePixels: counter.referenceTotal,
          ranked: choice.ranked.slice(0, 32),
        },
      },
      training: {
        method: 'ssl',
        data: resolve(o.data),
        scans: data.scans,
        frames: frames.length,
        epochs,
        crop,
        seed,
        optimizer: spec,
        stepsPerEpoch: frames.length,
        loss: `self-labelling CE + spatial sparsity (+ context consistency): weights cc ${weights.cc}, ce ${weights.ce}, ss ${weights.ss}`,
        weights,
        checkpointDir: root,
        startEpoch,
      },
      metrics: {
        train: {
          loss: history[history.length - 1]?.loss ?? null,
          ce: history[history.length - 1]?.ce ?? null,
          ss: history[history.length - 1]?.ss ?? null,
          clusters: history[history.length - 1]?.clusters ?? null,
        },
        selectionIoU: choice.iou,
      },
      createdAt: new Date().toISOString(),
      braggVersion: VERSION,
    };
    const saved = await saveBundle(outDir, model, meta);
    await writeFile(join(outDir, 'history.json'), `${JSON.stringify(history, null, 2)}\n`);
    return {
      modelDir: outDir,
      meta: saved,
      history,
      clusters: choice.clusters,
      selectionIoU: choice.iou,
      frames: frames.length,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
