/**
 * The reference nets train alike on wasm (bragg's kernels, XNNPACK) and on tfjs's `cpu`
 * backend (plain JS, the reference): same losses over a few steps (small2d, phase1d), same
 * loss and gradients for xception. Tiny batches and inputs keep the cpu side to seconds.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.js';
import { initBackend } from '../backend/select.js';
import { REFERENCE_NETS, xception } from '../models/reference.js';
import { createOptimizer } from './optimizers.js';
import { lossFn, trainStep } from './step.js';

function batch(
  n: number,
  shape: readonly number[],
  classes: number,
  seed: number,
): { x: tf.Tensor; y: tf.Tensor } {
  const rng = createRng(seed);
  const size = n * shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Float32Array.from({ length: size }, () => rng.normal()),
    [n, ...shape],
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % classes),
      'int32',
    ),
    classes,
  );
  return { x, y };
}

/** Losses of `steps` Adam steps of a freshly built net on the given backend. */
async function losses(
  backend: 'wasm' | 'cpu',
  build: () => tf.LayersModel,
  data: () => { x: tf.Tensor; y: tf.Tensor },
  steps: number,
  lr: number,
): Promise<number[]> {
  await tf.setBackend(backend);
  const model = build();
  const opt = createOptimizer({ kind: 'adam', learningRate: lr });
  const { x, y } = data();
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    out.push(trainStep(model, opt, x, y, lr, 'categoricalCrossentropy', {}).loss);
  }
  opt.dispose();
  tf.dispose([x, y]);
  model.dispose();
  return out;
}

function expectClose(a: number[], b: number[], rel: number): void {
  expect(a).toHaveLength(b.length);
  a.forEach((v, i) =>
    expect(Math.abs(v - b[i]!), `step ${i}: ${v} vs ${b[i]}`).toBeLessThan(rel * Math.abs(b[i]!)),
  );
}

describe('reference nets: wasm vs cpu', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('small2d: 2 Adam steps give the same losses (batch 1)', async () => {
    const spec = REFERENCE_NETS.small2d!;
    const run = (b: 'wasm' | 'cpu'): Promise<number[]> =>
      losses(
        b,
        () => spec.build(4),
        () => batch(1, spec.inputShape, 10, 1),
        3,
        1e-2,
      );
    const w = await run('wasm');
    const c = await run('cpu');
    expectClose(w, c, 1e-4);
    // The steps changed the weights: the losses move.
    expect(Math.abs(w[1]! - w[0]!)).toBeGreaterThan(1e-3);
  });

  it('phase1d: 2 Adam steps give the same losses (batch 2, seeded dropout)', async () => {
    const spec = REFERENCE_NETS.phase1d!;
    const run = (b: 'wasm' | 'cpu'): Promise<number[]> =>
      losses(
        b,
        () => spec.build(4),
        () => batch(2, spec.inputShape, 3, 2),
        3,
        1e-2,
      );
    const w = await run('wasm');
    const c = await run('cpu');
    expectClose(w, c, 1e-4);
    expect(Math.abs(w[1]! - w[0]!)).toBeGreaterThan(1e-3);
  });

  it('xception (15×15×3, batch 2): same loss and gradients; one wasm Adam step lowers the loss', async () => {
    // 15×15 is small but legal for this net (stem 15→7→5, entry pools →3→2→1); every
    // layer kind and stride runs. The cpu backend's 1×1 filter gradients dominate its time.
    const grads = async (b: 'wasm' | 'cpu'): Promise<{ loss: number; g: Float32Array[] }> => {
      await tf.setBackend(b);
      const model = xception(6, 4, 15);
      const { x, y } = batch(2, [15, 15, 3], 4, 3);
      const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
      const { value, grads: g } = tf.variableGrads(
        () => lossFn('categoricalCrossentropy', y, model.apply(x, { training: true }) as tf.Tensor),
        vars,
      );
      const out = {
        loss: value.dataSync()[0]!,
        g: vars.map((v) => Float32Array.from(g[v.name]!.dataSync())),
      };
      tf.dispose([value, x, y]);
      tf.dispose(g);
      model.dispose();
      return out;
    };
    const w = await grads('wasm');
    const c = await grads('cpu');
    expect(Math.abs(w.loss - c.loss)).toBeLessThan(1e-4 * c.loss);
    expect(w.g).toHaveLength(c.g.length);
    // Error of each gradient tensor relative to its largest entry; tensors whose gradient is
    // zero up to rounding (e.g. BN betas feeding a BN at 1×1, |g| ~ 1e-10) are measured
    // against 1e-3 of the largest gradient anywhere instead.
    const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const global = Math.max(...c.g.map(maxAbs));
    expect(global).toBeGreaterThan(0);
    w.g.forEach((gw, i) => {
      const gc = c.g[i]!;
      let num = 0;
      for (let k = 0; k < gc.length; k++) num = Math.max(num, Math.abs(gw[k]! - gc[k]!));
      expect(num / Math.max(maxAbs(gc), 1e-3 * global), `gradient ${i}`).toBeLessThan(1e-3);
    });

    const l = await losses(
      'wasm',
      () => xception(6, 4, 15),
      () => batch(2, [15, 15, 3], 4, 3),
      2,
      1e-3,
    );
    expect(l[0]).toBeCloseTo(w.loss, 5);
    expect(l[1]).toBeLessThan(l[0]!);
  });
});
