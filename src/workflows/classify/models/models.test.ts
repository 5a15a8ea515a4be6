/**
 * The AiryNet architectures: parameter counts against the published reference networks,
 * the seed's shapes, the logarithmic first activation, and the bundle round trip (saved
 * models load back with the same predictions).
 *
 * References: torchvision's model zoo lists ResNet-18 with 11,689,512 and ResNet-50 with
 * 25,557,032 parameters (1000 classes, 224² RGB; He et al., CVPR 2016, quote 11.7 M / 25.6 M);
 * VGG-16 has 138,357,544 (Simonyan & Zisserman, ICLR 2015, Table 2: 138 M). ResNet v2 moves the
 * batch normalisations before the convolutions and adds a 1×1 projection to the first block,
 * so it differs from v1 by a few thousand parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import { roundTrip } from '../../../../test/support/ml/store/round-trip.js';
import { AIRYNET_RESNET } from './resnet-v2.js';
import { AIRYNET_VGG } from './vgg.js';

function trainable(m: tf.LayersModel): number {
  return m.trainableWeights.reduce((s, w) => s + tf.util.sizeFromShape(w.shape as number[]), 0);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('airynet-resnet (ResNet v2)', () => {
  it('has the reference parameter counts of ResNet-18 and ResNet-50 (1000 classes, RGB)', () => {
    // pinned: this build's trainable counts (v2 layout)
    for (const [depth, ref, pinned] of [
      [18, 11_689_512, 11_691_816],
      [50, 25_557_032, 25_549_352],
    ] as const) {
      const m = AIRYNET_RESNET.build(
        AIRYNET_RESNET.resolve({
          depth,
          classes: 1000,
          channels: 3,
          size: 32,
          firstActivation: 'none',
        }),
        1,
      );
      expect(Math.abs(trainable(m) / ref - 1)).toBeLessThan(0.005);
      expect(trainable(m)).toBe(pinned);
      m.dispose();
    }
  });

  it('has the seed’s shapes: 224² × 1 → 7×7×512 before the pool → 11 sigmoid outputs', () => {
    const m = AIRYNET_RESNET.build(AIRYNET_RESNET.resolve(), 1);
    expect(m.inputs[0]!.shape).toEqual([null, 224, 224, 1]);
    expect((m.getLayer('last_block_before_fc').input as tf.SymbolicTensor).shape).toEqual([
      null,
      7,
      7,
      512,
    ]);
    expect(m.outputs[0]!.shape).toEqual([null, 11]);
    expect(m.layers.some((l) => l.getClassName() === 'BraggLogActivation')).toBe(true);
    const bn = m.layers.find((l) => l.getClassName() === 'BatchNormalization')!.getConfig();
    expect([bn.momentum, bn.epsilon]).toEqual([0.997, 1e-5]);
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(
      convs.every(
        (l) => l.getConfig().useBias === false && l.getConfig().kernelRegularizer !== null,
      ),
    ).toBe(true);
    // depth 18: stem + 8 blocks × 2 + 4 projections
    expect(convs.length).toBe(1 + 16 + 4);
    m.dispose();
  });

  it('builds every depth’s block structure (bottleneck from 50 on)', () => {
    const convs = (depth: 34 | 101): number => {
      const m = AIRYNET_RESNET.build(AIRYNET_RESNET.resolve({ depth, size: 32 }), 1);
      const n = m.layers.filter((l) => l.getClassName() === 'Conv2D').length;
      m.dispose();
      return n;
    };
    expect(convs(34)).toBe(1 + 16 * 2 + 4);
    expect(convs(101)).toBe(1 + 33 * 3 + 4);
  });

  it('refuses a depth it does not have, naming the option', () => {
    expect(() => AIRYNET_RESNET.resolve({ depth: 20 as never })).toThrow(ValidationError);
    expect(() => AIRYNET_RESNET.resolve({ depth: 20 as never })).toThrow(
      /^depth: must be one of 18, 34, 50, 101, 152, 200/,
    );
    expect(() => AIRYNET_RESNET.resolve({ firstActivation: 'relu' as never })).toThrow(
      /^firstActivation: /,
    );
  });

  it('the same seed gives the same weights', () => {
    const w = (seed: number): number[] => {
      const m = AIRYNET_RESNET.build(AIRYNET_RESNET.resolve({ size: 32 }), seed);
      const v = Array.from(m.getWeights()[0]!.dataSync().slice(0, 50));
      m.dispose();
      return v;
    };
    expect(w(3)).toEqual(w(3));
    expect(w(3)).not.toEqual(w(4));
  });

  it('saved as a bundle, loads back with the same predictions', async () => {
    const m = AIRYNET_RESNET.build(AIRYNET_RESNET.resolve({ size: 32 }), 7);
    const r = await roundTrip(m, 'airynet-resnet');
    expect(r.paramsAfter).toBe(r.paramsBefore);
    expect(r.layerClasses).toContain('BraggLogActivation');
    expect(Array.from(r.after)).toEqual(Array.from(r.before));
  }, 120_000);
});

describe('airynet-vgg', () => {
  it('VGG-16 has 138,357,544 parameters (1000 classes, RGB, 224²)', () => {
    const m = AIRYNET_VGG.build(
      AIRYNET_VGG.resolve({ classes: 1000, channels: 3, firstActivation: 'none', dropout: 0 }),
      1,
    );
    expect(m.countParams()).toBe(138_357_544);
    m.dispose();
  }, 120_000);

  it('VGG-19 has 16 convolutions + fc6 (7×7), fc7, fc8', () => {
    const m = AIRYNET_VGG.build(AIRYNET_VGG.resolve({ depth: 19, size: 32, fcUnits: 8 }), 7);
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs.length).toBe(16 + 3);
    expect(m.getLayer('fc6').getConfig().kernelSize).toEqual([7, 7]);
    expect(m.outputs[0]!.shape).toEqual([null, 11]);
    m.dispose();
  });

  it('VGG-16 (narrow: 8 base filters) saved as a bundle loads back with the same predictions', async () => {
    const m = AIRYNET_VGG.build(AIRYNET_VGG.resolve({ size: 32, fcUnits: 16, baseFilters: 8 }), 7);
    const r = await roundTrip(m, 'airynet-vgg');
    expect(r.layerClasses).toEqual(
      expect.arrayContaining(['BraggLogActivation', 'BraggSeededDropout']),
    );
    expect(Array.from(r.after)).toEqual(Array.from(r.before));
  }, 120_000);
});
