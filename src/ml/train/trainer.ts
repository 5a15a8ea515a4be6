/**
 * The trainer: model factory + data source + options → history and checkpoints.
 *
 * Every epoch it trains on `data(epoch)`, evaluates on `validation(epoch)` if given, appends
 * the history and publishes a resumable checkpoint (model, optimiser slots, `trainer.json`,
 * a manifest of sha256s) as one new folder of `<checkpointDir>`, then points `last` (and `best`,
 * when val_loss improved) at it (`checkpoint-store.ts`): a run killed at any instant leaves a
 * complete checkpoint behind. It stops early after `patience` epochs without improvement.
 * `resume: true` continues from `<checkpointDir>/last` with the same losses, bit for bit, as an
 * uninterrupted run (weights, BN statistics, optimiser slots and step, dropout counters,
 * early-stopping state are restored; the data source is a pure function of the epoch), after
 * verifying every file and that the checkpoint fits this model and optimiser (`resume.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import type { EpochRecord, ProgressEvent, TrainCallback } from './callbacks.js';
import { cleanCheckpointDir, publishCheckpoint, readCheckpoint } from './checkpoint-store.js';
import type { DataSource } from './data.js';
import { createOptimizer } from './optimizers.js';
import type { OptimizerSpec } from './optimizers.js';
import { CHECKPOINT_FILES, checkpointFiles, dropoutLayers, fingerprint } from './resume.js';
import { restoreCheckpoint } from './resume.js';
import type { TrainerState } from './resume.js';
import { learningRateAt } from './schedules.js';
import type { ScheduleSpec } from './schedules.js';
import { evaluate, trainStep } from './step.js';
import type { LossName, Regularization } from './step.js';

export interface TrainOptions {
  epochs: number;
  optimizer: OptimizerSpec;
  schedule?: ScheduleSpec;
  loss?: LossName;
  regularization?: Regularization;
  validation?: DataSource;
  /**
   * Where checkpoints go: `last` (resumable) and `best` (best val_loss) name complete
   * checkpoint folders, each with `model.json` + `weights.bin` in TF.js layers format.
   */
  checkpointDir?: string;
  /** Continue from `<checkpointDir>/last` if it exists (verified: else a typed error). */
  resume?: boolean;
  earlyStopping?: { patience: number; minDelta?: number };
  callbacks?: TrainCallback[];
  /** Receives every ProgressEvent as a 'progress' event. */
  events?: EventEmitter;
}

export interface TrainResult {
  history: EpochRecord[];
  bestValLoss: number;
  stoppedEarly: boolean;
  /** Epoch (0-based) the run started at: > 0 after a resume. */
  startEpoch: number;
}

export async function train(
  model: tf.LayersModel,
  data: DataSource,
  opts: TrainOptions,
): Promise<TrainResult> {
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 1)) {
    throw new ValidationError(`must be a positive integer, got ${opts.epochs}`, 'epochs');
  }
  const loss = opts.loss ?? 'categoricalCrossentropy';
  const reg = opts.regularization ?? {};
  const schedule = opts.schedule ?? { kind: 'constant' };
  const optimizer = createOptimizer(opts.optimizer);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const callbacks = opts.callbacks ?? [];
  const emit = async (e: ProgressEvent): Promise<void> => {
    opts.events?.emit('progress', e);
    for (const c of callbacks) await c.onEvent(e);
  };

  let state: TrainerState = {
    version: 2,
    epoch: 0,
    optimizerStep: 0,
    optimizer: opts.optimizer,
    dropout: [],
    bestValLoss: null,
    wait: 0,
    history: [],
    model: fingerprint(model),
  };
  const root = opts.checkpointDir;
  let stoppedEarly = false;
  let startEpoch = 0;
  try {
    if (root !== undefined) {
      if (opts.resume === true) {
        const ck = await readCheckpoint(root, 'last', CHECKPOINT_FILES);
        if (ck !== undefined) {
          state = await restoreCheckpoint(ck, model, optimizer, opts.optimizer, vars);
          state.optimizer = opts.optimizer;
        }
      }
      await cleanCheckpointDir(root); // what a killed run left behind
    }
    startEpoch = state.epoch;
    await emit({ type: 'start', epochs: opts.epochs, startEpoch });
    for (let epoch = startEpoch; epoch < opts.epochs; epoch++) {
      const t0 = performance.now();
      const lr = learningRateAt(schedule, opts.optimizer.learningRate, epoch);
      let n = 0;
      let sumLoss = 0;
      let sumAcc = 0;
      let batch = 0;
      for await (const b of data(epoch)) {
        const k = b.x.shape[0]!;
        const r = trainStep(model, optimizer, b.x, b.y, lr, loss, reg);
        tf.dispose([b.x, b.y]);
        sumLoss += r.loss * k;
        sumAcc += r.accuracy * k;
        n += k;
        await emit({ type: 'batch', epoch, batch, step: optimizer.getState().step, ...r });
        batch++;
      }
      const rec: EpochRecord = { epoch, loss: sumLoss / n, accuracy: sumAcc / n, lr, seconds: 0 };
      if (opts.validation !== undefined) {
        const v = await evaluate(model, opts.validation(epoch), loss);
        rec.val_loss = v.loss;
        rec.val_accuracy = v.accuracy;
      }
      rec.seconds = (performance.now() - t0) / 1000;
      state.history.push(rec);
      await emit({ type: 'epoch', ...rec });

      const monitored = rec.val_loss ?? rec.loss;
      const minDelta = opts.earlyStopping?.minDelta ?? 0;
      const improved = state.bestValLoss === null || monitored < state.bestValLoss - minDelta;
      if (improved) {
        state.bestValLoss = monitored;
        state.wait = 0;
      } else {
        state.wait++;
      }
      state.epoch = epoch + 1;
      state.optimizerStep = optimizer.getState().step;
      state.dropout = dropoutLayers(model).map((l): [number, number] => [l.seed, l.calls]);
      if (root !== undefined) {
        const files = await checkpointFiles(model, state, optimizer.getState().slots);
        const pointers = improved ? ['best', 'last'] : ['last'];
        await publishCheckpoint(root, state.epoch, files, pointers);
        for (const p of pointers) {
          await emit({ type: 'checkpoint', epoch, dir: join(root, p), best: p === 'best' });
        }
      }
      if (opts.earlyStopping !== undefined && state.wait >= opts.earlyStopping.patience) {
        stoppedEarly = true;
        await emit({ type: 'stop', epoch, reason: 'early-stopping' });
        break;
      }
    }
    if (!stoppedEarly) await emit({ type: 'stop', epoch: state.epoch - 1, reason: 'completed' });
  } finally {
    optimizer.dispose();
  }
  return {
    history: state.history,
    bestValLoss: state.bestValLoss ?? NaN,
    stoppedEarly,
    startEpoch,
  };
}
