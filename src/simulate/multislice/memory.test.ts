import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { memoryLayout, planSimulation, sliceBytes, type MultisliceParams } from './plan.js';
import { simulatePacbed } from './simulate.js';
import { rutile } from '../../../test/support/simulate/multislice/crystals.js';

/** Rutile [001] with 2 frozen-phonon configurations on a 32² grid, 12 slices, 4 positions. */
const PHONONS: MultisliceParams = {
  zone: [0, 0, 1],
  kv: 80,
  convergenceAngle: 20,
  thicknesses: [9, 18],
  sampling: 0.15,
  extent: 4.6,
  sliceThickness: 1.48,
  scan: 2,
  maxAngle: 40,
  phonons: 2,
  seed: 5,
};

const same = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );

describe('frozen-phonon memory', () => {
  it('holds all slices when they fit, else blocks of slices and groups of saved waves within the budget', () => {
    const plan = planSimulation(rutile(), PHONONS);
    const sb = sliceBytes(plan);
    expect(sb).toBe(8 * 32 * 32);
    expect(memoryLayout(plan, 4)).toEqual({ blocked: false, block: plan.nSlices, group: 4 });
    // budget for 6 slices: 3 slices + 3 saved waves at a time
    const l = memoryLayout(plan, 4, 6 * sb);
    expect(l).toEqual({ blocked: true, block: 3, group: 3 });
    expect((l.block + l.group) * sb).toBeLessThanOrEqual(6 * sb);
    // a static lattice holds one beam period whatever the budget
    const stat = planSimulation(rutile(), { ...PHONONS, phonons: 0 });
    expect(memoryLayout(stat, 4, 1).blocked).toBe(false);
    expect(() => memoryLayout(plan, 4, 0)).toThrow(ValidationError);
  });

  it('gives the same bytes built in blocks (slices and position groups) as all at once', async () => {
    const plan = planSimulation(rutile(), PHONONS);
    const all = await simulatePacbed(rutile(), PHONONS, { threads: 1 });
    expect(all.memory?.blocked).toBe(false);
    // 5 slices of budget: blocks of 2 slices, groups of 2 positions (12 slices → 6 blocks)
    const blocked = await simulatePacbed(rutile(), PHONONS, {
      threads: 2,
      memoryBytes: 5 * sliceBytes(plan),
    });
    expect(blocked.memory).toEqual({ blocked: true, sliceBlock: 2, positionGroup: 2 });
    expect(same(blocked.patterns, all.patterns)).toBe(true);
  });

  it('PRISM with phonon slices in blocks gives the same bytes as all at once', async () => {
    const plan = planSimulation(rutile(), { ...PHONONS, prism: 2 });
    const p = { ...PHONONS, prism: 2 };
    const all = await simulatePacbed(rutile(), p, { threads: 1 });
    const blocked = await simulatePacbed(rutile(), p, {
      threads: 1,
      memoryBytes: 5 * sliceBytes(plan),
    });
    expect(blocked.memory?.blocked).toBe(true);
    expect(same(blocked.patterns, all.patterns)).toBe(true);
  });
});
