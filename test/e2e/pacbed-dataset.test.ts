import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ValidationError } from '../../src/core/errors.js';
import { packageRoot } from '../../src/core/paths.js';
import { decodeNpy } from '../../src/formats/npy/npy.js';
import { parseCsv, numberColumn, stringColumn } from '../../src/formats/table/csv.js';
import { parseTiff } from '../../src/formats/image/tiff-ifd.js';
import { decodePage } from '../../src/formats/image/tiff.js';
import { main } from '../../src/cli/main.js';
import {
  loadPacbedDataset,
  parsePacbedDataset,
  planPacbedShards,
} from '../../src/workflows/pacbed/dataset/config.js';
import { runPacbedDataset } from '../../src/workflows/pacbed/dataset/run.js';
import { seriesValues } from '../../src/workflows/pacbed/dataset/schema.js';
import { inlineExecutor } from '../support/jobs/executors.js';

const CIF = join(packageRoot(), 'data', 'structures', 'rutile.cif');

/** One rutile cell at 0.15 Å (32² grid), 2×2 probe positions: each shard takes a second. */
function tinyYaml(format: 'npy' | 'tiff'): string {
  return `name: tiny
material: Rutile
cif: ${CIF}
zone: [0, 0, 1]
kv: 80
thicknesses: {start: 10, stop: 20, step: 10}
mistilts: [0, 2]
azimuths: [0, 90]
convergenceAngles: [20]
seed: 3
simulation:
  sampling: 0.15
  extent: 4.6
  scan: 2
output:
  dir: out
  format: ${format}
  size: 16
  resize: bilinear
`;
}

describe('pacbed-dataset config', () => {
  it('expands ranges inclusively and skips the azimuths at zero mistilt', () => {
    expect(seriesValues({ start: 0, stop: 1, step: 0.25 })).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(seriesValues([3, 1])).toEqual([3, 1]);
    const cfg = parsePacbedDataset(tinyYaml('npy'));
    const shards = planPacbedShards({
      config: cfg,
      material: 'Rutile',
      cifPath: CIF,
      cifText: '',
      cifSha256: '',
      outDir: '/x',
      hash: '',
      datasetId: '',
    });
    // mistilt 0: azimuth 0 only; mistilt 2: azimuths 0 and 90
    expect(shards.map((s) => s.id)).toEqual(['c20-m0-a0', 'c20-m2-a0', 'c20-m2-a90']);
    expect(shards[2]!.images).toEqual([
      'Tilt_2_Azimuth_90_Conv_Angle_20/0010_Angstrom.npy',
      'Tilt_2_Azimuth_90_Conv_Angle_20/0020_Angstrom.npy',
    ]);
  });

  it('names the key and line of a bad value or an unknown key', () => {
    const bad = tinyYaml('npy').replace('kv: 80', 'kv: -80');
    expect(() => parsePacbedDataset(bad, 'p.yaml')).toThrow(/p\.yaml:5/);
    try {
      parsePacbedDataset(tinyYaml('npy').replace('  scan: 2', '  scann: 2'), 'p.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).message).toMatch(/unknown key 'scann' \(p\.yaml:14\)/);
      expect((e as ValidationError).field).toBe('simulation.scann');
    }
    expect(() => parsePacbedDataset('kv: [', 'p.yaml')).toThrow(/invalid YAML/);
  });
});

describe('bragg simulate pacbed-dataset', () => {
  it('writes npy images and the training table, resumes, and reproduces a lost shard bit for bit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bragg-pds-'));
    try {
      const cfgPath = join(dir, 'tiny.yaml');
      await writeFile(cfgPath, tinyYaml('npy'));
      const ds = await loadPacbedDataset(cfgPath);
      const first = await runPacbedDataset({ dataset: ds, threads: 1, executor: inlineExecutor() });
      expect(first.result.status).toBe('completed');
      expect(first.rows).toBe(6);
      const text = await readFile(join(dir, 'out', 'df.csv'), 'utf8');
      expect(text.split('\n')[0]).toBe(
        'Path;Thickness;Mistilt;Conv_Angle;Electron_Energy;Azimuth;Direction;Material',
      );
      const table = parseCsv(text);
      expect(table.delimiter).toBe(';');
      expect(Array.from(numberColumn(table, 'Mistilt'))).toEqual([0, 0, 2, 2, 2, 2]);
      expect(Array.from(numberColumn(table, 'Azimuth'))).toEqual([0, 0, 0, 0, 90, 90]);
      expect(new Set(numberColumn(table, 'Electron_Energy'))).toEqual(new Set([80000]));
      expect(new Set(stringColumn(table, 'Direction'))).toEqual(new Set(['(0, 0, 1)']));
      expect(new Set(stringColumn(table, 'Material'))).toEqual(new Set(['Rutile']));
      // thickness: the simulated one, a whole number of slices (c/2 = 1.479 Å) near 10 and 20 Å
      const t = numberColumn(table, 'Thickness');
      expect(Math.abs(t[0]! - 10)).toBeLessThan(0.75);
      expect(Math.abs(t[1]! - 20)).toBeLessThan(0.75);
      const paths = stringColumn(table, 'Path');
      const img = decodeNpy(new Uint8Array(await readFile(join(dir, 'out', paths[5]!))));
      expect(img.array.shape).toEqual([16, 16]);
      expect(img.array.dtype).toBe('float32');
      const bytes = await readFile(join(dir, 'out', paths[5]!));

      // a rerun skips every shard and writes the same table
      const again = await runPacbedDataset({ dataset: ds, threads: 1, executor: inlineExecutor() });
      expect(again.result.skipped).toBe(3);
      expect(await readFile(join(dir, 'out', 'df.csv'), 'utf8')).toBe(text);

      // a lost shard (rows and one image) is recomputed, on 2 threads, to the same bytes
      await unlink(join(dir, 'out', 'tables', 'c20-m2-a90.csv'));
      await unlink(join(dir, 'out', paths[5]!));
      const third = await runPacbedDataset({ dataset: ds, threads: 2, executor: inlineExecutor() });
      expect(third.result.skipped).toBe(2);
      expect((await readFile(join(dir, 'out', paths[5]!))).equals(bytes)).toBe(true);
      expect(await readFile(join(dir, 'out', 'df.csv'), 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs from the CLI with 16-bit TIFF images (max 65535), and fails cleanly on a bad config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bragg-pds-'));
    try {
      const cfgPath = join(dir, 'tiny.yaml');
      await writeFile(cfgPath, tinyYaml('tiff').replace('mistilts: [0, 2]', 'mistilts: [0]'));
      const db = join(dir, 'runs.sqlite');
      const args = ['node', 'bragg', 'simulate', 'pacbed-dataset', cfgPath, '--threads', '1'];
      expect(await main([...args, '--db', db, '--json'])).toBe(0);
      const table = parseCsv(await readFile(join(dir, 'out', 'df.csv'), 'utf8'));
      expect(table.rowCount).toBe(2);
      const path = join(dir, 'out', stringColumn(table, 'Path')[1]!);
      expect(path.endsWith('.tif')).toBe(true);
      const bytes = new Uint8Array(await readFile(path));
      const tif = parseTiff(bytes);
      const page = decodePage(bytes, tif.pages[0]!, tif.littleEndian);
      expect(page.dtype).toBe('uint16');
      expect(page.shape).toEqual([16, 16]);
      expect(Math.max(...(page.data as Uint16Array))).toBe(65535);
      expect(existsSync(join(dir, 'out', 'tables', 'c20-m0-a0.csv'))).toBe(true);
      await writeFile(cfgPath, tinyYaml('tiff').replace('kv: 80', 'kv: fast'));
      expect(await main([...args, '--db', db])).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('simulates through PRISM when simulation.prism is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bragg-pds-'));
    try {
      const cfgPath = join(dir, 'tiny.yaml');
      const yaml = tinyYaml('npy')
        .replace('mistilts: [0, 2]', 'mistilts: [0]')
        .replace('  scan: 2', '  scan: 2\n  prism: 2');
      await writeFile(cfgPath, yaml);
      const r = await runPacbedDataset({
        dataset: await loadPacbedDataset(cfgPath),
        threads: 1,
        executor: inlineExecutor(),
      });
      expect(r.result.status).toBe('completed');
      expect(r.rows).toBe(2);
      const table = parseCsv(await readFile(r.tablePath, 'utf8'));
      const img = decodeNpy(
        new Uint8Array(await readFile(join(dir, 'out', stringColumn(table, 'Path')[0]!))),
      );
      expect(img.array.shape).toEqual([16, 16]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
