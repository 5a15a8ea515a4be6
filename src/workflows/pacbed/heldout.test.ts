import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { DEMO_HELD_OUT, DEMO_TRAIN, type DemoGrid } from './demo.js';
import {
  bestConstantScores,
  checkDisjoint,
  measuredLike,
  meetsGoals,
  nearestClass,
  scoreHeldOut,
} from './heldout.js';
import { labelValues } from './labels.js';
import type { TrainingTable } from './table.js';

/** The rows `bragg simulate pacbed-dataset` makes of a grid (one azimuth at zero mistilt). */
function tableOf(g: DemoGrid, file: string): TrainingTable {
  const rows: [number, number, number, number][] = [];
  for (const c of g.convergenceAngles) {
    for (const m of g.mistilts) {
      for (const a of m === 0 ? [0] : g.azimuths) {
        for (const t of g.thicknesses) rows.push([t, m, a, c]);
      }
    }
  }
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]!);
  return {
    file,
    paths: rows.map((_, i) => `${i}.npy`),
    thickness: col(0),
    mistilt: col(1),
    azimuth: col(2),
    convAngle: col(3),
    rows: rows.length,
  };
}

describe('held-out scores', () => {
  it('count classes by the nearest label and errors in Å and mrad', () => {
    const labels = [20, 40, 60, 80];
    const s = scoreHeldOut(
      [
        { thickness: { true: 40.7, predicted: 40 }, mistilt: { true: 2, predicted: 3 } },
        { thickness: { true: 40, predicted: 80 }, mistilt: { true: 0, predicted: 2 } },
        { thickness: { true: 60, predicted: 80 }, mistilt: { true: 4, predicted: 4 } },
        { thickness: { true: 20, predicted: 20 }, mistilt: { true: 1, predicted: 0 } },
      ],
      labels,
    );
    expect(s.n).toBe(4);
    expect(s.thicknessExact).toBe(0.5);
    expect(s.thicknessWithinOne).toBe(0.75);
    expect(s.mistiltWithin1).toBe(0.75);
    expect(s.thicknessMae).toBeCloseTo((0.7 + 40 + 20 + 0) / 4, 10);
    expect(s.mistiltMae).toBe(1);
    expect(nearestClass(labels, 49.9)).toBe(1);
    expect(() => scoreHeldOut([], labels)).toThrow(ValidationError);
  });

  it("of the demo's held-out grid fail for every constant answer", () => {
    const train = tableOf(DEMO_TRAIN, 'train.csv');
    const held = tableOf(DEMO_HELD_OUT, 'held.csv');
    checkDisjoint(train, held);
    const tl = labelValues(train.thickness, 'Thickness');
    const ml = labelValues(train.mistilt, 'Mistilt');
    const truth = Array.from({ length: held.rows }, (_, r) => ({
      thickness: held.thickness[r]!,
      mistilt: held.mistilt[r]!,
    }));
    const best = bestConstantScores(truth, tl, ml);
    expect(best.thicknessWithinOne).toBeLessThan(0.5);
    expect(best.mistiltWithin1).toBeLessThan(0.9);
    // a constant predictor (the middle classes) fails the goals; the truth passes them
    const constant = truth.map((t) => ({
      thickness: { true: t.thickness, predicted: tl[tl.length >> 1]! },
      mistilt: { true: t.mistilt, predicted: ml[ml.length >> 1]! },
    }));
    expect(meetsGoals(scoreHeldOut(constant, tl))).toBe(false);
    const perfect = truth.map((t) => ({
      thickness: { true: t.thickness, predicted: t.thickness },
      mistilt: { true: t.mistilt, predicted: t.mistilt },
    }));
    expect(meetsGoals(scoreHeldOut(perfect, tl))).toBe(true);
  });

  it('refuse held-out rows that are training rows or off the label grid', () => {
    const train = tableOf(DEMO_TRAIN, 'train.csv');
    // the same grid is not held out
    expect(() => checkDisjoint(train, tableOf(DEMO_TRAIN, 'same.csv'))).toThrow(/training row/);
    // zero mistilt at another azimuth is the same simulation
    const zero = tableOf({ ...DEMO_TRAIN, mistilts: [0], azimuths: [15] }, 'zero.csv');
    expect(() => checkDisjoint(train, zero)).toThrow(/training row/);
    // the previous demo's check: mistilts 1 and 3 against a 0/2/4 training grid
    const old = tableOf({ ...DEMO_TRAIN, mistilts: [0, 2, 4] }, 'old.csv');
    const between = tableOf({ ...DEMO_HELD_OUT, mistilts: [1, 3] }, 'between.csv');
    expect(() => checkDisjoint(old, between)).toThrow(/off the training label grid/);
    const outside = tableOf({ ...DEMO_HELD_OUT, convergenceAngles: [25] }, 'wide.csv');
    expect(() => checkDisjoint(train, outside)).toThrow(/outside the trained/);
  });
});

describe('measuredLike', () => {
  it('places the pattern off-centre on a wider detector, noise-free without a dose', () => {
    const img = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const m = measuredLike(img, 4, { zoom: 1, seed: 3, pad: 4 });
    expect([m.ny, m.nx]).toEqual([4, 8]);
    const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    expect(sum(m.data)).toBe(sum(img));
    const noisy = measuredLike(img, 4, { zoom: 1, seed: 3, pad: 4, dose: 10 });
    expect(Array.from(noisy.data)).not.toEqual(Array.from(m.data));
    expect(Array.from(measuredLike(img, 4, { zoom: 1, seed: 3, pad: 4, dose: 10 }).data)).toEqual(
      Array.from(noisy.data),
    );
  });
});
