import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.js';
import { packageRoot } from '../../../core/paths.js';
import { uuidFromHash } from '../../../core/hash.js';
import { loadSweep, parseSweep, resolveSweep } from './sweep.js';
import { planShards, totalPatterns } from './shards.js';
import { SEED147_POINTS, SEED147_Q_START, SEED147_Q_STOP } from './sweep-schema.js';

const MINIMAL = `seeds: [1]
phases:
  - cif: a.cif
orientations:
  count: 10
`;

function errorOf(text: string): ValidationError {
  try {
    parseSweep(text, 'sw.yaml');
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('parseSweep', () => {
  it('fills the seed pipeline defaults (STUDY.md §4.2) and the 147-point q axis', () => {
    const s = parseSweep(MINIMAL);
    expect(s.calibration).toEqual({ value: 0.00588, jitterPercent: 5 });
    expect(s.detector.size).toBe(515);
    expect(s.chunkSize).toBe(2500);
    expect(s.postprocessing.cropPx).toEqual([13, 160]);
    // DESIGN.md: the 147-point axis runs from 0.10777668889613681 to 1.318191810345058 Å⁻¹.
    expect(s.postprocessing.qAxis).toEqual({
      start: SEED147_Q_START,
      stop: SEED147_Q_STOP,
      points: SEED147_POINTS,
    });
    expect(SEED147_Q_START).toBe(0.10777668889613681);
    expect(s.augmentation.noise.snrs).toEqual([0.9, 0.99, 0.999, 0.9999]);
  });

  it('throws naming the key and the line of a wrong value', () => {
    const e = errorOf(MINIMAL.replace('count: 10', 'count: ten'));
    expect(e.field).toBe('orientations.count');
    expect(e.message).toContain('sw.yaml:5');
  });

  it('throws naming a missing key and the line of its parent', () => {
    const e = errorOf(`seeds: [1]\nphases:\n  - name: x\norientations:\n  count: 3\n`);
    expect(e.field).toBe('phases[0].cif');
    expect(e.message).toMatch(/required key is missing.*sw\.yaml:3/);
  });

  it('throws naming an unknown key at its own line', () => {
    const e = errorOf(`${MINIMAL}detector:\n  size: 256\n  pixle: 3\n`);
    expect(e.field).toBe('detector.pixle');
    expect(e.message).toContain("unknown key 'pixle'");
    expect(e.message).toContain('sw.yaml:8');
  });

  it('throws on a range with low > high, an empty list and a YAML syntax error, with lines', () => {
    const a = errorOf(
      MINIMAL.replace('  - cif: a.cif', '  - cif: a.cif\n    latticeScale: [1.1, 0.8]'),
    );
    expect(a.field).toBe('phases[0].latticeScale');
    expect(a.message).toContain('sw.yaml:4');
    const b = errorOf(`${MINIMAL}augmentation:\n  relrod: []\n`);
    expect(b.field).toBe('augmentation.relrod');
    expect(b.message).toContain('sw.yaml:7');
    const c = errorOf('seeds: [1\nphases: x\n');
    expect(c.message).toMatch(/sw\.yaml:\d+:\d+: invalid YAML/);
  });
});

/** A minimal valid CIF: a primitive cubic cell of side `a` [Å] with one atom. */
function cif(name: string, a: number): string {
  return `data_${name}\n_cell_length_a ${a}\n_cell_length_b ${a}\n_cell_length_c ${a}\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\nloop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nAu1 Au 0 0 0\n`;
}

describe('resolveSweep and planShards', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bragg-sweep-'));
    await writeFile(join(dir, 'a.cif'), cif('a', 4.08));
    await writeFile(join(dir, 'b.cif'), cif('b', 5.43));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('hashes the config with the CIF contents: same config → same id; a changed CIF → another', async () => {
    const text = `seeds: [1, 2]\nphases:\n  - cif: a.cif\n  - cif: b.cif\nbackgroundClass: true\norientations:\n  count: 25\nchunkSize: 10\noutput:\n  dir: out\n`;
    const r1 = await resolveSweep(parseSweep(text), dir);
    const r2 = await resolveSweep(parseSweep(text.replace('dir: out', 'dir: elsewhere')), dir);
    expect(r1.datasetId).toBe(r2.datasetId);
    expect(r1.datasetId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(r1.classes).toEqual(['a', 'b', 'background']);
    expect(r1.outputDir).toBe(join(dir, 'out'));
    await writeFile(join(dir, 'b.cif'), cif('b', 5.44));
    const r3 = await resolveSweep(parseSweep(text), dir);
    expect(r3.datasetId).not.toBe(r1.datasetId);

    const shards = planShards(r1);
    // 2 seeds × 3 classes × ceil(25 / 10) blocks.
    expect(shards).toHaveLength(18);
    expect(totalPatterns(shards)).toBe(2 * 3 * 25);
    expect(shards.slice(0, 3).map((s) => [s.id, s.start, s.count])).toEqual([
      ['s0-c0-b0', 0, 10],
      ['s0-c0-b1', 10, 10],
      ['s0-c0-b2', 20, 5],
    ]);
    expect(new Set(shards.map((s) => s.shardSeed)).size).toBe(18);
    expect(shards.find((s) => s.classIndex === 2)!.phaseIndex).toBeUndefined();
  });

  it('names the phase whose CIF cannot be read', async () => {
    const s = parseSweep(
      `seeds: [1]\nphases:\n  - cif: a.cif\n  - cif: missing.cif\norientations:\n  count: 1\n`,
    );
    await expect(resolveSweep(s, dir)).rejects.toMatchObject({ field: 'phases[1].cif' });
  });

  it('parses every CIF before any shard is planned: a broken second CIF names its file and key', async () => {
    await writeFile(join(dir, 'broken.cif'), 'data_broken\n_cell_length_a 4.0\n');
    const s = parseSweep(
      `seeds: [1]\nphases:\n  - { name: gold, cif: a.cif }\n  - { name: au, cif: broken.cif }\norientations:\n  count: 1\n`,
    );
    const err = await resolveSweep(s, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ field: 'phases[1].cif' });
    // The file is named, not the phase.
    expect((err as Error).message).toContain('broken.cif');
    expect((err as Error).message).toContain('_cell_length_b');
  });

  it('uuidFromHash sets the version-4 and variant bits', () => {
    expect(uuidFromHash('f'.repeat(64))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });

  it('the shipped example sweeps are valid; seed.yaml mirrors the seed (3 phases, 6 seeds, 25,000)', async () => {
    const ex = join(packageRoot(), 'examples', 'sweeps');
    const seed = await loadSweep(join(ex, 'seed.yaml'));
    expect(seed.phases).toHaveLength(3);
    expect(seed.sweep.seeds).toEqual([0, 5, 10, 15, 20, 25]);
    expect(seed.sweep.orientations.count).toBe(25000);
    expect(planShards(seed)).toHaveLength(6 * 3 * 10);
    const tiny = await loadSweep(join(ex, 'tiny.yaml'));
    expect(totalPatterns(planShards(tiny))).toBe(1800);
    expect(await readFile(join(ex, 'tiny.yaml'), 'utf8')).toContain('tiny');
  });
});
