import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { initBackend } from '../backend/select.js';
import { REFERENCE_NETS } from '../models/reference.js';
import { historyWriter } from './callbacks.js';
import { fileHandler } from './checkpoint.js';
import { arraySource } from './data.js';
import { createOptimizer } from './optimizers.js';
import { learningRateAt } from './schedules.js';
import { trainStep } from './step.js';
import { train } from './trainer.js';

/** A learnable toy phase task: class k has a bump at position 30 + 40k. */
function phaseData(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = createRng(seed);
  const x = new Float32Array(n * 147);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    y[i * 3 + k] = 1;
    for (let j = 0; j < 147; j++)
      x[i * 147 + j] = Math.exp(-(((j - 30 - 40 * k) / 4) ** 2)) + 0.1 * rng.normal();
  }
  return { x, y };
}

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'bragg-train-'));
  dirs.push(d);
  return d;
}

describe('trainer', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const d = phaseData(80, 1);
  const v = phaseData(30, 2);
  const src = arraySource({
    ...d,
    sampleShape: [147, 1],
    labelShape: [3],
    batchSize: 32,
    shuffle: true,
    seed: 5,
  });
  const val = arraySource({ ...v, sampleShape: [147, 1], labelShape: [3], batchSize: 32 });

  it('resuming from a checkpoint gives the same losses as an uninterrupted run (partial last batch, dropout, Adam)', async () => {
    const opts = {
      epochs: 3,
      optimizer: { kind: 'adam' as const, learningRate: 1e-3 },
      validation: val,
    };
    const full = await train(REFERENCE_NETS.phase1d!.build(7), src, opts);
    const dir = tmp();
    const first = await train(REFERENCE_NETS.phase1d!.build(7), src, {
      ...opts,
      epochs: 1,
      checkpointDir: dir,
    });
    expect(first.history).toHaveLength(1);
    // A fresh model from the factory (different init seed) is overwritten by the checkpoint.
    const resumed = await train(REFERENCE_NETS.phase1d!.build(99), src, {
      ...opts,
      checkpointDir: dir,
      resume: true,
    });
    expect(resumed.startEpoch).toBe(1);
    const a = full.history.map((h) => [h.loss, h.val_loss]);
    const b = resumed.history.map((h) => [h.loss, h.val_loss]);
    expect(b).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(b[i]![0]).toBeCloseTo(a[i]![0]!, 6);
      expect(b[i]![1]).toBeCloseTo(a[i]![1]!, 6);
    }
    // The net learns the toy task.
    expect(full.history[2]!.loss).toBeLessThan(full.history[0]!.loss);
  });

  it('writes best/last checkpoints in TF.js layers format that load back, and CSV/JSONL history', async () => {
    const dir = tmp();
    await train(REFERENCE_NETS.phase1d!.build(3), src, {
      epochs: 2,
      optimizer: { kind: 'adamw', learningRate: 1e-3, weightDecay: 1e-2 },
      validation: val,
      checkpointDir: dir,
      callbacks: [historyWriter({ csv: join(dir, 'h.csv'), jsonl: join(dir, 'h.jsonl') }, false)],
    });
    for (const f of [
      'best/model.json',
      'best/weights.bin',
      'last/optimizer.bin',
      'last/trainer.json',
    ]) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
    const loaded = await tf.loadLayersModel(fileHandler(join(dir, 'best')));
    expect(loaded.outputs[0]!.shape).toEqual([null, 3]);
    loaded.dispose();
    const csv = readFileSync(join(dir, 'h.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds');
    expect(csv).toHaveLength(3);
    const jsonl = readFileSync(join(dir, 'h.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { epoch: number });
    expect(jsonl.map((r) => r.epoch)).toEqual([0, 1]);
  });

  it('early stopping stops after `patience` epochs without val_loss improvement', async () => {
    // lr 0 → val_loss never improves after the first epoch.
    const r = await train(REFERENCE_NETS.phase1d!.build(3), src, {
      epochs: 10,
      optimizer: { kind: 'sgd', learningRate: 1e-12 },
      schedule: { kind: 'step', stepSize: 1, gamma: 1e-30 },
      validation: val,
      earlyStopping: { patience: 2, minDelta: 1e-3 },
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history).toHaveLength(3);
  });

  it('emits JSON progress events through the EventEmitter', async () => {
    const { EventEmitter } = await import('node:events');
    const ev = new EventEmitter();
    const types: string[] = [];
    ev.on('progress', (e: { type: string }) => types.push(e.type));
    await train(REFERENCE_NETS.phase1d!.build(3), src, {
      epochs: 1,
      optimizer: { kind: 'adam', learningRate: 1e-3 },
      events: ev,
    });
    expect(types).toEqual(['start', 'batch', 'batch', 'batch', 'epoch', 'stop']);
  });

  it('leaks no tensors over 100 training steps of phase1d (dropout, L1/L2) and 10 of small2d', async () => {
    for (const [net, batch] of [
      ['phase1d', 8],
      ['small2d', 2],
    ] as const) {
      const spec = REFERENCE_NETS[net]!;
      const model = spec.build(1);
      const opt = createOptimizer({
        kind: 'sgd',
        learningRate: 1e-3,
        momentum: 0.9,
        nesterov: true,
      });
      const x = tf.randomNormal([batch, ...spec.inputShape], 0, 1, 'float32', 1);
      const y = tf.oneHot(
        tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1].slice(0, batch), 'int32'),
        spec.numClasses,
      );
      trainStep(model, opt, x, y, 1e-3, 'categoricalCrossentropy', { l2: 1e-4 });
      const before = tf.memory().numTensors;
      // bragg's kernels make backend-level temporaries: the wasm buffers must not grow either.
      const backend = tf.backend() as unknown as { numDataIds(): number };
      const ids = backend.numDataIds();
      for (let i = 0; i < (net === 'phase1d' ? 100 : 10); i++)
        trainStep(model, opt, x, y, 1e-3, 'categoricalCrossentropy', { l1: 1e-5, l2: 1e-4 });
      expect(tf.memory().numTensors).toBe(before);
      expect(backend.numDataIds()).toBe(ids);
      opt.dispose();
      tf.dispose([x, y]);
      model.dispose();
    }
  });
});

describe('optimisers and schedules', () => {
  it('SGD with Nesterov momentum follows PyTorch’s rule on f(θ) = θ²/2', async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    const th = tf.variable(tf.scalar(1));
    const opt = createOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true });
    // By hand: g=θ; b←0.9b+g; θ←θ−0.1(g+0.9b). Step 1: b=1, θ=1−0.1·1.9=0.81.
    // Step 2: g=0.81, b=0.9+0.81=1.71, θ=0.81−0.1(0.81+1.539)=0.5751.
    for (let i = 0; i < 2; i++) {
      const g = th.clone();
      opt.step([th], [g], 0.1);
      g.dispose();
    }
    expect(th.dataSync()[0]).toBeCloseTo(0.5751, 6);
    opt.dispose();
    th.dispose();
  });

  it('Adam’s first step moves every weight by lr (bias-corrected), AdamW also decays it', async () => {
    const a = tf.variable(tf.tensor1d([1, -2]));
    const w = tf.variable(tf.tensor1d([1, -2]));
    const g = tf.tensor1d([0.5, 3]);
    const adam = createOptimizer({ kind: 'adam', learningRate: 0.01, epsilon: 0 });
    const adamw = createOptimizer({
      kind: 'adamw',
      learningRate: 0.01,
      epsilon: 0,
      weightDecay: 0.1,
    });
    adam.step([a], [g], 0.01);
    adamw.step([w], [g], 0.01);
    expect(Array.from(a.dataSync())).toEqual([expect.closeTo(0.99, 6), expect.closeTo(-2.01, 6)]);
    // θ(1 − ηλ) − η·sign(g): 1·0.999 − 0.01, −2·0.999 − 0.01
    expect(Array.from(w.dataSync())).toEqual([expect.closeTo(0.989, 6), expect.closeTo(-2.008, 6)]);
    tf.dispose([a, w, g]);
    adam.dispose();
    adamw.dispose();
  });

  it('step and cosine schedules', () => {
    expect(learningRateAt({ kind: 'step', stepSize: 10, gamma: 0.1 }, 1, 25)).toBeCloseTo(0.01, 12);
    expect(learningRateAt({ kind: 'cosine', epochs: 10 }, 1, 0)).toBe(1);
    expect(learningRateAt({ kind: 'cosine', epochs: 10 }, 1, 5)).toBeCloseTo(0.5, 12);
    expect(learningRateAt({ kind: 'cosine', epochs: 10, minLearningRate: 0.1 }, 1, 10)).toBeCloseTo(
      0.1,
      12,
    );
  });
});
