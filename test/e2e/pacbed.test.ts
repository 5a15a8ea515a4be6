/**
 * The PACBED workflow end to end through the CLI on a tiny simulated table: `bragg simulate
 * pacbed-dataset` → `bragg pacbed train` for the three targets (1 epoch, 16 px) → `bragg pacbed
 * models` → `bragg pacbed predict` on a DM4, an NPY and raw bytes; a key nobody registered and
 * a convergence angle outside the models' range fail with messages naming what is wrong.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ndarray } from '../../src/core/ndarray.js';
import { packageRoot } from '../../src/core/paths.js';
import { writeNpy } from '../../src/formats/npy/npy.js';
import { numberColumn, parseCsv, stringColumn } from '../../src/formats/table/csv.js';
import { readPattern } from '../../src/workflows/pacbed/pattern-io.js';
import { writePacbedDm4 } from '../support/workflows/pacbed/dm4.js';

const CIF = join(packageRoot(), 'data', 'structures', 'rutile.cif');
const BACKEND = ['--backend', 'wasm', '--threads', '2'];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['node', 'bragg', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('pacbed workflow end to end', () => {
  let dir = '';
  let models = '';
  let db = '';
  let sample = '';
  let thicknesses: number[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bragg-pacbed-'));
    models = join(dir, 'models');
    db = join(dir, 'runs.sqlite');
    writeFileSync(
      join(dir, 'tiny.yaml'),
      `name: tiny
material: Rutile
cif: ${CIF}
zone: [0, 0, 1]
kv: 80
thicknesses: {start: 10, stop: 40, step: 10}
mistilts: [0, 2]
convergenceAngles: [19, 21]
simulation:
  sampling: 0.15
  extent: 4.6
  scan: 2
output:
  dir: out
  format: npy
  size: 16
  resize: bilinear
`,
    );
    const r = await run([
      'simulate',
      'pacbed-dataset',
      join(dir, 'tiny.yaml'),
      '--db',
      db,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const t = parseCsv(readFileSync(join(dir, 'out', 'df.csv'), 'utf8'));
    expect(t.rowCount).toBe(16);
    sample = join(dir, 'out', stringColumn(t, 'Path')[5]!);
    thicknesses = [...new Set(numberColumn(t, 'Thickness'))].sort((a, b) => a - b);
    expect(thicknesses).toHaveLength(4);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const table = (): string => join(dir, 'out', 'df.csv');
  const train = (target: string, extra: string[] = []) =>
    run([
      'pacbed',
      'train',
      '--table',
      table(),
      '--target',
      target,
      '--models',
      models,
      '--epochs',
      '1',
      '--batch-size',
      '8',
      '--val-split',
      '0.25',
      '--size',
      '16',
      '--db',
      db,
      ...BACKEND,
      ...extra,
    ]);

  it('trains the thickness CNN: bundle, label table, confusion matrix, preview, register', async () => {
    const preview = join(dir, 'grid.png');
    const r = await train('thickness', ['--preview', preview]);
    expect(r.err).toMatch(/thickness epoch 1: loss/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/registered for Rutile, 80 kV, \[0 0 1\]/);
    const folder = join(models, 'Rutile_80kV_001');
    const reg = JSON.parse(readFileSync(join(models, 'register.json'), 'utf8'));
    const entry = reg.entries[0];
    expect(entry).toMatchObject({ material: 'Rutile', kv: 80, zone: [0, 0, 1] });
    expect(entry.models.thickness.convRange).toEqual([19, 21]);
    const bundle = join(models, entry.models.thickness.dir);
    expect(bundle.startsWith(folder)).toBe(true);
    for (const f of [
      'model.json',
      'weights.bin',
      'bragg.json',
      'confusion.json',
      'confusion.png',
      'curves.png',
    ])
      expect(existsSync(join(bundle, f)), f).toBe(true);
    // the classes are the table's thicknesses (whole slices: 10.355, 20.711, … Å), sorted
    expect(readFileSync(join(bundle, 'labels.csv'), 'utf8')).toBe(
      `Thickness / A,Index\n${thicknesses.map((t, i) => `${t},${i}`).join('\n')}\n`,
    );
    const meta = JSON.parse(readFileSync(join(bundle, 'bragg.json'), 'utf8'));
    expect(meta.workflow).toBe('pacbed');
    expect(meta.input.shape).toEqual([16 * 16 + 1]);
    expect(meta.pacbed).toMatchObject({ target: 'thickness', values: thicknesses, size: 16 });
    // the dataset's recipe beside the table goes into the bundle (the validation figure
    // simulates a predicted case with it where the table is not at hand)
    expect(meta.training.simulation).toMatchObject({ material: 'Rutile', kv: 80, zone: [0, 0, 1] });
    expect(readFileSync(join(models, 'Register.csv'), 'utf8')).toBe(
      'id;material;high tension;direction\nRutile_80kV_001;Rutile;80;(0, 0, 1)\n',
    );
    // the 3×3 grid: 3·16 + 2·2 px square
    const grid = await readPattern(preview);
    expect([grid.ny, grid.nx]).toEqual([52, 52]);
  }, 120_000);

  it('refuses to predict before a mistilt model is registered', async () => {
    const r = await run([
      'pacbed',
      'predict',
      sample,
      '--models',
      models,
      '--material',
      'Rutile',
      '--kv',
      '80',
      '--zone',
      '0,0,1',
      '--conv-angle',
      '20',
      ...BACKEND,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no mistilt model is registered for Rutile, 80 kV, \[0 0 1\]/);
  });

  it('trains mistilt and scale, lists them, and predicts a DM4, an NPY and raw bytes', async () => {
    expect((await train('mistilt')).code).toBe(0);
    expect((await train('scale')).code).toBe(0);
    const list = await run(['pacbed', 'models', '--models', models, '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.out);
    expect(Object.keys(listed.entries[0].models).sort()).toEqual(['mistilt', 'scale', 'thickness']);

    const pattern = await readPattern(sample);
    const dm4 = join(dir, 'measured.dm4');
    writePacbedDm4(dm4, Float32Array.from(pattern.data), pattern.ny, pattern.nx);
    const npy = join(dir, 'measured.npy');
    writeFileSync(
      npy,
      writeNpy(ndarray('float32', [pattern.ny, pattern.nx], Float32Array.from(pattern.data))),
    );
    const raw = join(dir, 'measured.raw');
    writeFileSync(raw, new Uint8Array(Float32Array.from(pattern.data).buffer));
    const key = [
      '--models',
      models,
      '--material',
      'rutile',
      '--kv',
      '80',
      '--zone',
      '001',
      '--conv-angle',
      '20',
    ];
    const results = [];
    for (const args of [
      [dm4],
      [npy],
      [raw, '--dtype', 'float32', '--width', '16', '--height', '16'],
    ]) {
      const r = await run(['pacbed', 'predict', ...args, ...key, '--json', ...BACKEND]);
      expect(r.code, r.err).toBe(0);
      results.push(JSON.parse(r.out));
    }
    const p = results[0];
    expect(thicknesses).toContain(p.thickness.value);
    expect([0, 2]).toContain(p.mistilt.value);
    expect(p.thickness.probabilities).toHaveLength(4);
    expect(p.thickness.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.scale).toBeGreaterThan(0);
    expect(p.scaleSteps.length).toBeGreaterThanOrEqual(1);
    expect(p.scaleSteps.length).toBeLessThanOrEqual(7);
    // the same pixels give the same answer whatever the container
    for (const q of results.slice(1)) {
      expect(q.thickness.probabilities).toEqual(p.thickness.probabilities);
      expect(q.scale).toBe(p.scale);
    }
  }, 180_000);

  it('names what is registered for a missing key, and the range for a bad angle', async () => {
    const base = ['pacbed', 'predict', sample, '--models', models, ...BACKEND];
    const missing = await run([
      ...base,
      '--material',
      'SrTiO3',
      '--kv',
      '300',
      '--zone',
      '0,0,1',
      '--conv-angle',
      '20',
    ]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      /no PACBED models for SrTiO3, 300 kV, \[0 0 1\].*registered: Rutile, 80 kV, \[0 0 1\]/,
    );
    const angle = await run([
      ...base,
      '--material',
      'Rutile',
      '--kv',
      '80',
      '--zone',
      '0,0,1',
      '--conv-angle',
      '30',
    ]);
    expect(angle.code).toBe(1);
    expect(angle.err).toMatch(/conv-angle.*30 mrad is outside .* 19…21 mrad/);
    const raw = await run([
      ...base,
      '--material',
      'Rutile',
      '--kv',
      '80',
      '--zone',
      '0,0,1',
      '--conv-angle',
      '20',
      '--dtype',
      'uint16',
      '--width',
      '5',
      '--height',
      '5',
    ]);
    expect(raw.code).toBe(1);
    expect(raw.err).toMatch(/needs 50/);
  });

  it('fine-tunes a trained model (--from): head first, then all but batch norm, registered', async () => {
    const reg = JSON.parse(readFileSync(join(models, 'register.json'), 'utf8'));
    const source = join(models, reg.entries[0].models.thickness.dir);
    const tuned = join(dir, 'tuned');
    const r = await run([
      'pacbed', 'train', '--table', table(), '--target', 'thickness', '--models', tuned,
      '--from', source, '--head-epochs', '1', '--epochs', '1', '--batch-size', '8',
      '--val-split', '0.25', '--kv', '200', '--db', db, '--json', ...BACKEND,
    ]); // prettier-ignore
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(result.history).toHaveLength(2); // one head epoch, one of fine-tuning
    expect(result.key.kv).toBe(200);
    const meta = JSON.parse(readFileSync(join(result.modelDir, 'bragg.json'), 'utf8'));
    expect(meta.training.fineTune).toMatchObject({ from: source, newLayers: ['predictions'] });
    expect(meta.pacbed.size).toBe(16); // the trained model's side, not given again
    const bad = await run(['pacbed', 'train', '--table', table(), '--target', 'thickness', '--models', tuned, '--from', join(dir, 'none'), '--db', db, ...BACKEND]); // prettier-ignore
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/no model at .*none/);
    expect(bad.err).not.toMatch(/\n\s+at /); // no stack trace
  }, 120_000);

  it('resumes a training from its checkpoints: only the epochs still to run', async () => {
    const r = await train('mistilt', ['--epochs', '2', '--resume', '--json']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; epoch?: number; startEpoch?: number });
    expect(lines.find((l) => l.type === 'start')?.startEpoch).toBe(1);
    expect(lines.filter((l) => l.type === 'epoch').map((l) => l.epoch)).toEqual([1]);
    const result = lines.at(-1) as unknown as { type: string; history: unknown[] };
    expect(result.type).toBe('result');
    expect(result.history).toHaveLength(2);
  });
});
