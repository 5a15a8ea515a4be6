/**
 * The architecture registry: every registered architecture builds, saves as a bragg bundle and
 * loads back (custom layers registered by the loader, not by this test) with the same
 * predictions and parameter count; names are unique and lookups say what exists.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { roundTrip } from '../../../test/support/ml/store/round-trip.js';
import type { Architecture } from './architecture.js';
import {
  ArchitectureRegistry,
  BUILTIN_ARCHITECTURES,
  listArchitectures,
  modelArchitecture,
} from './registry.js';

/** Small inputs where the input size is configurable (the layouts are unchanged). */
const SMALL: Readonly<Record<string, Record<string, unknown>>> = {
  small2d: { size: 16 },
  phase1d: {},
  xception: { size: 7, classes: 4 },
};

/** Parameter counts of the default options (the reference layouts). */
const PINNED: Readonly<Record<string, number>> = {
  small2d: 23_946,
  phase1d: 164_931,
  // Keras Xception without its top (20,861,480) + dense(2048 → 10).
  xception: 20_881_970,
};

describe('model architecture registry', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('lists the built-in architectures, each with a description', () => {
    const names = listArchitectures().map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['small2d', 'phase1d', 'xception']));
    for (const a of listArchitectures()) expect(a.description.length).toBeGreaterThan(10);
    expect(modelArchitecture('phase1d').name).toBe('phase1d');
  });

  it('throws NotFoundError listing the known names for an unknown architecture', () => {
    expect(() => modelArchitecture('resnet9')).toThrow(NotFoundError);
    expect(() => modelArchitecture('resnet9')).toThrow(/small2d, phase1d, xception/);
  });

  it('accepts registrations and refuses a duplicate name', () => {
    const r = new ArchitectureRegistry();
    const tiny: Architecture<{ classes: number }> = {
      name: 'tiny',
      description: 'flatten → dense softmax on 4×1 (test)',
      defaults: { classes: 2 },
      resolve: (o) => ({ classes: o?.classes ?? 2 }),
      inputShape: () => [4, 1],
      build: (o) => {
        const input = tf.input({ shape: [4, 1] });
        const x = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
        const out = tf.layers.dense({ units: o.classes }).apply(x) as tf.SymbolicTensor;
        return tf.model({ inputs: input, outputs: out });
      },
    };
    r.register(tiny);
    expect(r.names()).toEqual(['small2d', 'phase1d', 'xception', 'tiny']);
    expect(() => r.register(tiny)).toThrow(ValidationError);
    expect(() => r.register(tiny)).toThrow(/'tiny' is already registered/);
    expect(() => r.register(BUILTIN_ARCHITECTURES[0]!)).toThrow(/already registered/);
    // the default registry is not touched by another registry
    expect(() => modelArchitecture('tiny')).toThrow(NotFoundError);
    const { model, options } = r.build('tiny', { classes: 3 }, 1);
    expect(options).toEqual({ classes: 3 });
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    model.dispose();
  });

  it('refuses unknown and out-of-range options, naming the option', () => {
    expect(() => modelArchitecture('small2d').resolve({ width: 3 } as never)).toThrow(
      /^width: small2d has no option 'width'; its options are size, channels, classes$/,
    );
    expect(() => modelArchitecture('xception').resolve({ size: 6 } as never)).toThrow(
      /^size: must be an integer in 7…/,
    );
    expect(() => modelArchitecture('phase1d').resolve({ dropout: 1 } as never)).toThrow(
      /^dropout: /,
    );
  });

  it('pins the parameter counts of the reference layouts', () => {
    for (const a of listArchitectures()) {
      const pinned = PINNED[a.name];
      if (pinned === undefined) continue;
      const m = a.build(a.resolve(), 1);
      expect([a.name, m.countParams()]).toEqual([a.name, pinned]);
      m.dispose();
    }
    expect(Object.keys(PINNED).every((n) => listArchitectures().some((a) => a.name === n))).toBe(
      true,
    );
  });

  // Every architecture of the registry, each built with its small options.
  for (const a of listArchitectures()) {
    it(`${a.name}: saved as a bundle, loads back with the same predictions and parameters`, async () => {
      const options = a.resolve(SMALL[a.name] ?? {});
      const model = a.build(options, 7);
      expect(model.inputs[0]!.shape.slice(1)).toEqual(a.inputShape(options));
      const r = await roundTrip(model, a.name);
      expect(r.paramsAfter).toBe(r.paramsBefore);
      expect(r.before.every(Number.isFinite)).toBe(true);
      expect(r.before.length).toBeGreaterThan(0);
      expect(Array.from(r.after)).toEqual(Array.from(r.before));
    }, 240_000);
  }

  it('builds the same weights for the same seed and different ones for another', () => {
    const a = modelArchitecture('small2d');
    const w = (seed: number): number[] => {
      const m = a.build(a.resolve({ size: 8 }), seed);
      const v = Array.from(m.getWeights()[0]!.dataSync());
      m.dispose();
      return v;
    };
    expect(w(3)).toEqual(w(3));
    expect(w(3)).not.toEqual(w(4));
  });
});
