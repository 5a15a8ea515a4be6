/**
 * `runPacbedDemo` end to end at one epoch per target (what `bragg pacbed demo` and the PACBED part
 * of `bragg demo` run): it simulates the training and held-out grids with multislice, keeps them
 * disjoint, trains and registers the three CNNs, scores both held-out cases against the best
 * constant answer, and writes the measured-like patterns and the validation figure.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineExecutor } from '../../../test/support/jobs/executors.js';
import { readNpy } from '../../formats/npy/npy.js';
import { initBackend } from '../../ml/backend/select.js';
import { DEMO_CASES, DEMO_HELD_OUT, DEMO_TRAIN, runPacbedDemo, type PacbedDemoResult } from './demo.js'; // prettier-ignore
import { readRegister } from './register.js';

const rowsOf = (g: typeof DEMO_TRAIN) =>
  g.thicknesses.length *
  g.convergenceAngles.length *
  (g.mistilts.filter((m) => m === 0).length +
    g.mistilts.filter((m) => m !== 0).length * g.azimuths.length);

describe('the PACBED demo at one epoch', () => {
  let dir: string;
  let r: PacbedDemoResult;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    dir = await mkdtemp(join(tmpdir(), 'bragg-pacbed-demo-'));
    r = await runPacbedDemo({
      outDir: dir,
      executor: inlineExecutor(),
      epochs: { thickness: 1, mistilt: 1, scale: 1 },
    });
  }, 600_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('simulates both grids (mistilt 0 once per angle) and trains and registers three models', async () => {
    expect(r.trainRows).toBe(rowsOf(DEMO_TRAIN));
    expect(r.heldOutRows).toBe(rowsOf(DEMO_HELD_OUT));
    const entries = await readRegister(r.modelsRoot);
    const targets = JSON.stringify(entries);
    for (const t of ['thickness', 'mistilt', 'scale']) expect(targets).toContain(t);
  });

  it('scores every held-out case with fractions, errors and the constant floor', () => {
    expect(r.cases.map((c) => [c.dose, c.zoom])).toEqual(DEMO_CASES.map((c) => [c.dose, c.zoom]));
    for (const c of r.cases) {
      expect(c.rows).toHaveLength(r.heldOutRows);
      for (const v of [
        c.scores.thicknessExact,
        c.scores.thicknessWithinOne,
        c.scores.mistiltWithin1,
      ]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(c.scores.thicknessWithinOne).toBeGreaterThanOrEqual(c.scores.thicknessExact);
      expect(Number.isFinite(c.scores.thicknessMae)).toBe(true);
    }
    expect(r.constant.thicknessWithinOne).toBeGreaterThan(0);
    expect(r.constant.mistiltWithin1).toBeGreaterThan(0);
  });

  it('writes the measured-like patterns (wider than the simulation) and the validation PNG', async () => {
    expect(r.measured.length).toBe(3 * DEMO_CASES.length);
    for (const f of r.measured) {
      const a = await readNpy(new Uint8Array(await readFile(f)));
      expect(a.shape.length).toBe(2);
      expect(a.shape[1]!).toBeGreaterThan(a.shape[0]!);
    }
    expect(existsSync(r.validationPng)).toBe(true);
    const png = await readFile(r.validationPng);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });
});
