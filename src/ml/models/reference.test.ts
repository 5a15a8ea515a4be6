/**
 * The reference nets have the layouts issue 3 specifies (the benchmark compares them with the
 * PyTorch nets of bench/reference/torch_train_bench.py, which must be the same nets).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_NETS, referenceNetNames } from './reference.js';
import { modelArchitecture } from './registry.js';

const shapes = (m: tf.LayersModel): string[] =>
  m.layers.map((l) => `${l.getClassName()}${JSON.stringify(l.outputShape).replace('null,', '')}`);

describe('reference nets', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => tf.disposeVariables());

  it('small2d: conv3×3(16)-relu-pool → conv3×3(32)-relu-pool → conv3×3(64)-relu → GAP → dense(10)', () => {
    const m = REFERENCE_NETS.small2d!.build(1);
    expect(shapes(m)).toEqual([
      'InputLayer[64,64,1]',
      'Conv2D[64,64,16]',
      'MaxPooling2D[32,32,16]',
      'Conv2D[32,32,32]',
      'MaxPooling2D[16,16,32]',
      'Conv2D[16,16,64]',
      'GlobalAveragePooling2D[64]',
      'Dense[10]',
    ]);
    // (9·1 + 1)·16 + (9·16 + 1)·32 + (9·32 + 1)·64 + (64 + 1)·10
    expect(m.countParams()).toBe(160 + 4640 + 18496 + 650);
    m.dispose();
  });

  it('phase1d: 3 × [Conv1D(64, 6, relu) + MaxPool(2)], dense(128), softmax over 3', () => {
    const m = REFERENCE_NETS.phase1d!.build(1);
    const s = shapes(m);
    expect(s.filter((x) => x.startsWith('Conv1D'))).toEqual([
      'Conv1D[142,64]',
      'Conv1D[66,64]',
      'Conv1D[28,64]',
    ]);
    expect(s.at(-1)).toBe('Dense[3]');
    // (6·1 + 1)·64 + 2·(6·64 + 1)·64 + (14·64 + 1)·128 + (128 + 1)·3
    expect(m.countParams()).toBe(448 + 49280 + 114816 + 387);
    m.dispose();
  });

  it('are the registry architectures at their defaults (each net defined once)', () => {
    for (const name of referenceNetNames()) {
      const arch = modelArchitecture(name);
      const defaults = arch.resolve();
      const spec = REFERENCE_NETS[name]!;
      expect(spec.inputShape).toEqual(arch.inputShape(defaults));
      const a = spec.build(3);
      const b = arch.build(defaults, 3);
      const wa = a.getWeights();
      const wb = b.getWeights();
      expect(wa.map((w) => w.shape)).toEqual(wb.map((w) => w.shape));
      // largest weight difference over the whole net (the nets are up to 21M weights)
      const maxDiff = Math.max(
        ...wa.map((w, i) => tf.tidy(() => w.sub(wb[i]!).abs().max().dataSync()[0]!)),
      );
      expect([name, maxDiff]).toEqual([name, 0]);
      a.dispose();
      b.dispose();
    }
  });
});
