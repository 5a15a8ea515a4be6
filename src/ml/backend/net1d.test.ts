/**
 * The fused 1D-CNN inference path (net1d.ts + wasm/assembly/net1d.ts) against `model.predict`
 * on the cpu backend (tfjs' reference kernels): the phase CNN of the workflow and small random
 * chains (odd widths, pools 2 and 3, kernels 1..7, channel counts off multiples of 8, Dense
 * before and after Flatten), with Winograd on and off, on 2 threads with row counts that are
 * not multiples of the chunk or of the threads. Models it must refuse, bad input, dispose.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { BraggError, ValidationError } from '../../core/errors.js';
import { createRng, type Rng } from '../../core/rng.js';
import { PHASE1D, type Phase1dOptions } from '../models/phase1d.js';

/** The seed's phase CNN, as `workflows/phase/model.ts` builds it (ml must not import it). */
const buildPhaseCnn = (o: Partial<Phase1dOptions>, seed: number) =>
  PHASE1D.build(PHASE1D.resolve(o), seed);
import { relErr } from '../../../test/support/ml/backend/kernels/compare.js';
import {
  MAX_WINOGRAD_ALPHA,
  chooseWinograd,
  compileNet1d,
  planNet1d,
  winogradTransforms,
  type Net1dOptions,
} from './net1d.js';
import { initBackend } from './select.js';
import { simdKernelsBuilt } from './simd/module.js';

function uniform(n: number, rng: Rng, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** model.predict on the cpu backend (ending on wasm again). */
async function reference(
  model: tf.LayersModel,
  x: Float32Array,
  rows: number,
): Promise<Float32Array> {
  const shape = model.inputs[0]!.shape as number[];
  await tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const y = model.predict(tf.tensor3d(x, [rows, shape[1]!, shape[2]!])) as tf.Tensor;
      return y.dataSync() as Float32Array;
    });
  } finally {
    await tf.setBackend('wasm');
  }
}

/** Runs the compiled model and returns its relative error against the cpu reference. */
async function errorOf(
  model: tf.LayersModel,
  rows: number,
  o: Net1dOptions,
  seed: number,
): Promise<number> {
  const net = compileNet1d(model, o);
  expect(net).toBeDefined();
  const x = uniform(rows * net!.inFloats, createRng(seed), 0, 1);
  try {
    const got = net!.run(x, rows);
    const want = await reference(model, x, rows);
    expect(got.length).toBe(want.length);
    // a reference of zeros (dead ReLUs) would prove nothing
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0);
    return relErr(got, want);
  } finally {
    net!.dispose();
  }
}

/** Seeded initialisers (the test is the same on every run). */
function seeded(rng: Rng) {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed: rng.int(2 ** 30) }),
    biasInitializer: tf.initializers.randomUniform({
      minval: -0.5,
      maxval: 0.5,
      seed: rng.int(2 ** 30),
    }),
  };
}

/** A random chain: 1–3 Conv1D (+ pool), optionally Dense per position, Flatten, 1–2 Dense. */
function randomChain(rng: Rng): tf.LayersModel {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  let w = 20 + rng.int(60);
  const c0 = pick([1, 3, 16, 20]);
  const model = tf.sequential();
  const convs = 1 + rng.int(3);
  let first = true;
  const input = (): { inputShape?: [number, number] } => {
    if (!first) return {};
    first = false;
    return { inputShape: [w, c0] };
  };
  for (let i = 0; i < convs; i++) {
    const k = 1 + rng.int(Math.min(7, w));
    // channel counts of the Winograd path (multiples of 4, ≥ 16) and of the direct one
    const filters = pick([5, 13, 16, 20, 24, 28]);
    model.add(
      tf.layers.conv1d({
        filters,
        kernelSize: k,
        activation: pick(['relu', 'linear'] as const),
        useBias: rng.int(5) !== 0,
        ...seeded(rng),
        ...input(),
      }),
    );
    w = w - k + 1;
    const pool = pick([1, 2, 3]);
    if (pool > 1 && w >= pool) {
      model.add(tf.layers.maxPooling1d({ poolSize: pool }));
      w = Math.floor(w / pool);
    }
    if (rng.int(3) === 0) model.add(tf.layers.dropout({ rate: 0.3 }));
  }
  if (rng.int(3) === 0)
    model.add(tf.layers.dense({ units: pick([7, 12]), activation: 'relu', ...seeded(rng) }));
  model.add(tf.layers.flatten());
  if (rng.int(2) === 0)
    model.add(tf.layers.dense({ units: pick([9, 16]), activation: 'relu', ...seeded(rng) }));
  // a softmax of one unit is 1 whatever the network computes
  const units = pick([1, 3, 5]);
  const last = units > 1 && rng.int(3) === 0 ? 'softmax' : 'linear';
  model.add(tf.layers.dense({ units, activation: last, ...seeded(rng) }));
  return model;
}

describe.skipIf(!simdKernelsBuilt())('fused 1D-CNN inference (net1d)', () => {
  beforeAll(async () => {
    const info = await initBackend({ backend: 'wasm', threads: 2 });
    expect(info.simdKernels?.pool).toBeDefined();
  });

  it('Winograd transforms compute the correlation exactly in float64 (every F(m, k) up to α = 11)', () => {
    const rng = createRng(5);
    for (let k = 1; k <= 8; k++) {
      for (let m = 1; m + k - 1 <= MAX_WINOGRAD_ALPHA; m++) {
        const { alpha, bt, g, at } = winogradTransforms(m, k);
        const d = Array.from({ length: alpha }, () => rng.uniform(-1, 1));
        const f = Array.from({ length: k }, () => rng.uniform(-1, 1));
        const u = g.map((row) => row.reduce((s, v, j) => s + v * f[j]!, 0));
        const v = bt.map((row) => row.reduce((s, b, i) => s + b * d[i]!, 0));
        for (let i = 0; i < m; i++) {
          const want = f.reduce((s, fj, j) => s + fj * d[i + j]!, 0);
          const got = at[i]!.reduce((s, a, xi) => s + a * u[xi]! * v[xi]!, 0);
          expect(Math.abs(got - want), `F(${m}, ${k}) output ${i}`).toBeLessThan(1e-9);
        }
      }
    }
    expect(() => winogradTransforms(7, 6)).toThrow(ValidationError);
  });

  it('the phase CNN (seed layout, 147 points, 3 phases) equals model.predict, Winograd on and off', async () => {
    const model = buildPhaseCnn({ inputLength: 147, classes: 3 }, 11);
    try {
      const net = compileNet1d(model)!;
      // conv2 and conv3 (64 → 64 channels, kernel 6) run by Winograd, conv1 (1 channel) directly
      expect(net.stages.map((s) => s.m > 0)).toEqual([false, true, true, false, false]);
      expect(net.stages.map((s) => [s.w, s.k, s.pool])).toEqual([
        [147, 6, 2],
        [71, 6, 2],
        [33, 6, 2],
        [14, 14, 1],
        [1, 1, 1],
      ]);
      net.dispose();
      for (const [rows, winograd] of [
        [37, true],
        [1, true],
        [21, false],
      ] as const) {
        expect(
          await errorOf(model, rows, { winograd }, rows),
          `${rows} rows, winograd ${winograd}`,
        ).toBeLessThan(1e-5);
      }
    } finally {
      model.dispose();
    }
  });

  it('random chains equal model.predict (odd widths, pools 2/3, k 1..7, odd channels, Dense before/after Flatten)', async () => {
    const rng = createRng(17);
    let winogradStages = 0;
    let forced = 0;
    for (let i = 0; i < 10; i++) {
      const model = randomChain(rng);
      try {
        const rows = [1, 2, 7, 13, 19][i % 5]!;
        const chunk = 1 + rng.int(5);
        const plan = compileNet1d(model)!;
        winogradStages += plan.stages.filter((s) => s.m > 0).length;
        // every stage that can, on a random tile F(m, k), m + k − 1 ≤ 11
        const winogradTiles = plan.stages.map((s) =>
          s.ci % 4 === 0 && s.co % 4 === 0 && s.k < MAX_WINOGRAD_ALPHA
            ? 1 + rng.int(MAX_WINOGRAD_ALPHA - s.k + 1)
            : 0,
        );
        forced += winogradTiles.filter((m) => m > 0).length;
        plan.dispose();
        // The planner's choice and the direct path within 1e-5; forced tiles (up to α = 11 on
        // any stage, chosen or not) within 1e-4: their float32 error reaches ~1e-5 of the
        // output, while a wrong index or tail is off by O(1).
        const variants: [string, Net1dOptions, number][] = [
          ['planner', { chunk }, 1e-5],
          ['direct', { winograd: false, chunk }, 1e-5],
          [`tiles ${winogradTiles.join(',')}`, { winogradTiles, chunk }, 1e-4],
        ];
        for (const [name, o, tol] of variants) {
          const err = await errorOf(model, rows, o, 100 + i);
          expect(err, `chain ${i}, ${rows} rows, chunk ${chunk}, ${name}`).toBeLessThan(tol);
        }
      } finally {
        model.dispose();
      }
    }
    // the cases reach the Winograd path
    expect(winogradStages).toBeGreaterThan(2);
    expect(forced).toBeGreaterThan(8);
  });

  it('refuses models it does not run: same padding, batch normalisation, two inputs, strides, another backend', async () => {
    const same = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [20, 1], filters: 4, kernelSize: 3, padding: 'same' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const strided = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [20, 1], filters: 4, kernelSize: 3, strides: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const bn = buildPhaseCnn({ inputLength: 147, classes: 3, batchNorm: true }, 1);
    const a = tf.input({ shape: [20, 1] });
    const b = tf.input({ shape: [20, 1] });
    const joined = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(joined) as tf.SymbolicTensor;
    const two = tf.model({
      inputs: [a, b],
      outputs: tf.layers.dense({ units: 2 }).apply(flat) as tf.SymbolicTensor,
    });
    const plain = buildPhaseCnn({ inputLength: 147, classes: 3 }, 1);
    try {
      for (const m of [same, strided, bn, two]) expect(compileNet1d(m)).toBeUndefined();
      await tf.setBackend('cpu');
      try {
        expect(compileNet1d(plain)).toBeUndefined();
      } finally {
        await tf.setBackend('wasm');
      }
      const net = compileNet1d(plain);
      expect(net).toBeDefined();
      net!.dispose();
    } finally {
      for (const m of [same, strided, bn, two, plain]) m.dispose();
    }
  });

  it('bad rows or lengths are ValidationErrors; a disposed program throws', () => {
    const model = buildPhaseCnn({ inputLength: 147, classes: 3 }, 2);
    try {
      const net = compileNet1d(model)!;
      expect(net.run(new Float32Array(0), 0)).toHaveLength(0);
      expect(() => net.run(new Float32Array(147 * 2), 3)).toThrow(ValidationError);
      expect(() => net.run(new Float32Array(146), 1)).toThrow(ValidationError);
      expect(() => net.run(new Float32Array(147), 1.5)).toThrow(ValidationError);
      expect(() => net.run(new Float32Array(147), -1)).toThrow(ValidationError);
      expect(() => compileNet1d(model, { chunk: 0 })).toThrow(ValidationError);
      expect(net.run(new Float32Array(147), 1)).toHaveLength(3);
      net.dispose();
      expect(() => net.run(new Float32Array(147), 1)).toThrow(BraggError);
    } finally {
      model.dispose();
    }
  });

  it('planNet1d rejects a chain whose stages do not fit together', () => {
    const stage = (w: number, ci: number, k: number, co: number, pool = 1) => ({
      w,
      ci,
      k,
      co,
      pool,
      relu: true,
      kernel: new Float32Array(k * ci * co),
      bias: new Float32Array(co),
    });
    expect(planNet1d([stage(10, 1, 3, 4, 2), stage(4, 4, 2, 2)]).outFloats).toBe(3 * 2);
    expect(() => planNet1d([stage(10, 1, 3, 4, 2), stage(5, 4, 2, 2)])).toThrow(ValidationError);
    expect(() => planNet1d([stage(10, 1, 3, 4), stage(8, 5, 2, 2)])).toThrow(ValidationError);
    expect(() => planNet1d([stage(3, 1, 4, 4)])).toThrow(ValidationError);
    expect(() => planNet1d([])).toThrow(ValidationError);
    // Winograd only where it pays: never for one input channel or a 1-tap kernel
    expect(chooseWinograd({ w: 100, ci: 1, k: 6, co: 64 })).toBe(0);
    expect(chooseWinograd({ w: 100, ci: 64, k: 1, co: 64 })).toBe(0);
    expect(chooseWinograd({ w: 100, ci: 64, k: 6, co: 64 })).toBeGreaterThan(1);
  });
});
