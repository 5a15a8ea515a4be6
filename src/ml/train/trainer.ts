/**
 * The trainer: model factory + data source + options → history and checkpoints.
 *
 * Every epoch it trains on `data(epoch)`, evaluates on `validation(epoch)` if given, appends
 * the history, writes a resumable checkpoint to `<checkpointDir>/last` and, when val_loss
 * improves, the model to `<checkpointDir>/best`; it stops early after `patience` epochs without
 * improvement. `resume: true` continues from `<checkpointDir>/last` with the same losses as an
 * uninterrupted run (weights, BN statistics, optimiser slots and step, dropout counters,
 * early-stopping state are restored; the data source is a pure function of the epoch).
 */
import * as tf from '@tensorflow/tfjs';
import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { SeededDropout } from '../layers/seeded-dropout.js';
import type { EpochRecord, ProgressEvent, TrainCallback } from './callbacks.js';
import { fileHandler, loadTensors, loadWeightsInto, saveTensors } from './checkpoint.js';
import type { DataSource } from './data.js';
import { createOptimizer } from './optimizers.js';
import type { OptimizerSpec } from './optimizers.js';
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
  /** Where `last/` (resumable) and `best/` (best val_loss) checkpoints go. */
  checkpointDir?: string;
  /** Continue from `<checkpointDir>/last` if it exists. */
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

interface TrainerState {
  version: 1;
  /** Next epoch to run. */
  epoch: number;
  optimizerStep: number;
  /** [seed, calls] of each SeededDropout layer: the rng state. */
  dropout: [number, number][];
  bestValLoss: number | null;
  wait: number;
  history: EpochRecord[];
}

function dropoutLayers(model: tf.LayersModel): SeededDropout[] {
  return model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);
}

async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  state: TrainerState,
  slots: tf.Tensor[],
): Promise<void> {
  await model.save(fileHandler(dir));
  await saveTensors(dir, 'optimizer', slots);
  await writeFile(join(dir, 'trainer.json'), JSON.stringify(state));
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
    version: 1,
    epoch: 0,
    optimizerStep: 0,
    dropout: [],
    bestValLoss: null,
    wait: 0,
    history: [],
  };
  const lastDir = opts.checkpointDir === undefined ? undefined : join(opts.checkpointDir, 'last');
  if (opts.resume === true && lastDir !== undefined && existsSync(join(lastDir, 'trainer.json'))) {
    state = JSON.parse(await readFile(join(lastDir, 'trainer.json'), 'utf8')) as TrainerState;
    await loadWeightsInto(model, lastDir);
    const slots = await loadTensors(lastDir, 'optimizer');
    optimizer.setState({ step: state.optimizerStep, slots }, vars);
    tf.dispose(slots);
    dropoutLayers(model).forEach((l, i) => {
      const saved = state.dropout[i];
      if (saved !== undefined) [l.seed, l.calls] = saved;
    });
  }
  const startEpoch = state.epoch;
  let stoppedEarly = false;
  await emit({ type: 'start', epochs: opts.epochs, startEpoch });
  try {
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
      if (opts.checkpointDir !== undefined) {
        if (improved) {
          const best = join(opts.checkpointDir, 'best');
          await saveCheckpoint(best, model, state, optimizer.getState().slots);
          await emit({ type: 'checkpoint', epoch, dir: best, best: true });
        }
        await saveCheckpoint(lastDir!, model, state, optimizer.getState().slots);
        await emit({ type: 'checkpoint', epoch, dir: lastDir!, best: false });
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
