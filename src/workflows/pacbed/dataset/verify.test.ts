/**
 * Resuming a PACBED dataset verifies its table shards (a shard's rows file marks it done)
 * against the sha256 the run registry recorded: a truncated rows file is moved aside and
 * written again, and the training table comes back whole.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../core/paths.js';
import { sha256File } from '../../../jobs/output.js';
import { RunRegistry } from '../../../jobs/run-registry.js';
import { inlineExecutor } from '../../../../test/support/jobs/executors.js';
import { loadPacbedDataset } from './config.js';
import { runPacbedDataset } from './run.js';

const CIF = join(packageRoot(), 'data', 'structures', 'rutile.cif');

/** One rutile cell, a 32² grid, 2×2 probe positions, two shards of two thicknesses. */
const YAML = `name: tiny
material: Rutile
cif: ${CIF}
zone: [0, 0, 1]
kv: 80
thicknesses: {start: 10, stop: 20, step: 10}
mistilts: [0, 2]
azimuths: [0]
convergenceAngles: [20]
seed: 3
simulation:
  sampling: 0.15
  extent: 4.6
  scan: 2
output:
  dir: out
  format: npy
  size: 16
  resize: bilinear
`;

describe('resuming simulate pacbed-dataset', () => {
  it('moves a truncated table shard aside and rewrites it to the recorded bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bragg-pdv-'));
    const reg = RunRegistry.open(join(dir, 'runs.sqlite'));
    try {
      const cfg = join(dir, 'tiny.yaml');
      await writeFile(cfg, YAML);
      const ds = await loadPacbedDataset(cfg);
      const opts = { dataset: ds, threads: 1, executor: inlineExecutor(), registry: reg };
      const first = await runPacbedDataset(opts);
      expect(first.rows).toBe(4);
      const table = await readFile(first.tablePath, 'utf8');
      const shard = first.result.done[1]!;
      const path = join(ds.outDir, shard.file);
      // cut inside the last row: the header and one row remain
      await truncate(path, (await readFile(path, 'utf8')).lastIndexOf('\n', shard.bytes - 2));

      const again = await runPacbedDataset(opts);
      expect(again.result.replaced).toMatchObject([
        { id: shard.id, movedTo: `${shard.file}.damaged` },
      ]);
      expect(await sha256File(path)).toBe(shard.sha256);
      expect(again.rows).toBe(4);
      expect(await readFile(again.tablePath, 'utf8')).toBe(table);
    } finally {
      reg.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
