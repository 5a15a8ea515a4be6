/**
 * `bragg simulate dataset` end to end on the embedded pool: a dataset counted pattern by
 * pattern, bit-for-bit reproducibility across runs and worker counts, resume, a bad CIF, and
 * the files read by numpy as a user of the seed pipeline would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PhaseDataset } from './reader.js';
import { loadSweep } from './sweep.js';
import { runPhaseDataset } from './run.js';
import { RunRegistry } from '../../../jobs/run-registry.js';
import { writeSmallSweep } from '../../../../test/support/jobs/sweep.js';
import { pythonWith } from '../../../../test/support/core/python.js';
import { localExecutor } from '../../../../test/support/jobs/executors.js';

// numpy / h5py: the first Python that has them — PATH's python3, else Debian's (installed by .ci/run).
const numpyPython = pythonWith('numpy');
const h5pyPython = pythonWith('h5py');
const numpy = numpyPython !== undefined;
const h5py = h5pyPython !== undefined;

describe('simulate dataset on the local pool', () => {
  let dir: string;
  let reg: RunRegistry;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bragg-ds-'));
    reg = RunRegistry.open(join(dir, 'runs.sqlite'));
  });
  afterAll(async () => {
    reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every pattern once, reproducibly, resumes, and streams back shuffled', async () => {
    const sweep = await loadSweep(await writeSmallSweep(dir));
    const ex2 = localExecutor(2);
    const ex1 = localExecutor(1);
    try {
      const a = await runPhaseDataset({
        sweep,
        outDir: join(dir, 'a'),
        executor: ex2,
        registry: reg,
      });
      expect(a.result.status).toBe('completed');
      // 2 seeds × 3 classes × ceil(12/5) blocks; 2 × 3 × 12 patterns.
      expect(a.manifest.counts).toMatchObject({ shards: 18, patterns: 72, plannedPatterns: 72 });
      expect(a.manifest.classBalance).toEqual({ au: 1 / 3, cspbbr3: 1 / 3, background: 1 / 3 });
      expect(a.manifest.id).toBe(sweep.datasetId);

      // Same config, one thread, another directory (another run, another creation time in
      // its manifest): the same patterns, bit for bit, shard by shard, and the same files.
      const b = await runPhaseDataset({ sweep, outDir: join(dir, 'b'), executor: ex1 });
      expect(b.manifest.shards.map((s) => s.sha256)).toEqual(
        a.manifest.shards.map((s) => s.sha256),
      );
      for (const key of ['1d/x_all', '1d/x_px', '1d/x_q'] as const) {
        const da = await PhaseDataset.open(join(dir, 'a'), key);
        const db = await PhaseDataset.open(join(dir, 'b'), key);
        for (const [i, s] of a.manifest.shards.entries()) {
          const xa = (await da.readShard(s)).x;
          const xb = (await db.readShard(b.manifest.shards[i]!)).x;
          expect(
            Buffer.from(xa.buffer, xa.byteOffset, xa.byteLength).equals(
              Buffer.from(xb.buffer, xb.byteOffset, xb.byteLength),
            ),
          ).toBe(true);
        }
      }

      // Resume: a lost shard is recomputed identically; the others are kept.
      const lost = a.manifest.shards[7]!;
      await unlink(join(dir, 'a', lost.file));
      const c = await runPhaseDataset({
        sweep,
        outDir: join(dir, 'a'),
        executor: ex1,
        registry: reg,
      });
      expect(c.result.skipped).toBe(17);
      expect(c.manifest.shards[7]!.sha256).toBe(lost.sha256);
      const run = reg.getRun(a.result.runId);
      expect(run).toMatchObject({ status: 'completed', doneShards: 18, patterns: 72 });
      expect(reg.lineage(run.id)).toEqual([
        { role: 'output', kind: 'dataset', refId: sweep.datasetId },
      ]);

      // Pattern by pattern: every pattern id once, each row equal to the stored row, labels
      // balanced, in a seeded shuffled order.
      const ds = await PhaseDataset.open(join(dir, 'a'));
      const stored: Float32Array[] = [];
      for (const s of ds.manifest.shards) {
        const d = await ds.readShard(s);
        for (let r = 0; r < s.count; r++) stored.push(d.x.subarray(r * d.width, (r + 1) * d.width));
      }
      const seen = new Array<number>(72).fill(0);
      const labels = [0, 0, 0];
      let first: number[] | undefined;
      for await (const batch of ds.batches({ batchSize: 7, seed: 1, shardBuffer: 2 })) {
        first ??= Array.from(batch.index);
        for (let k = 0; k < batch.size; k++) {
          labels[batch.y[k]!]! += 1;
          const id = batch.index[k]!;
          seen[id]! += 1;
          expect(Array.from(batch.x.subarray(k * batch.width, (k + 1) * batch.width))).toEqual(
            Array.from(stored[id]!),
          );
        }
      }
      expect(labels).toEqual([24, 24, 24]);
      expect(seen.every((n) => n === 1)).toBe(true);
      expect(first).not.toEqual([0, 1, 2, 3, 4, 5, 6]);
      const again: number[] = [];
      for await (const batch of ds.batches({ batchSize: 7, seed: 1 })) {
        if (again.length === 0) again.push(...batch.index);
      }
      expect(again).toEqual(first);

      // A deterministic train/validation split that partitions the data.
      let nTrain = 0;
      let nVal = 0;
      for await (const bt of ds.batches({ batchSize: 16, validationFraction: 0.25, part: 'train' }))
        nTrain += bt.size;
      for await (const bv of ds.batches({
        batchSize: 16,
        validationFraction: 0.25,
        part: 'validation',
      }))
        nVal += bv.size;
      expect(nTrain + nVal).toBe(72);
      expect(nVal).toBeGreaterThan(0);
    } finally {
      await ex1.close();
      await ex2.close();
    }
  });

  it('a sweep with a broken CIF fails before any shard runs, naming the file, and writes nothing', async () => {
    const path = await writeSmallSweep(dir, { badCif: true, count: 5 });
    const err = await loadSweep(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ValidationError', field: 'phases[2].cif' });
    expect((err as Error).message).toMatch(/bad\.cif/);
    // No run was started: nothing was written anywhere near the output directory.
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it.skipIf(!numpy)(
    'numpy reads the manifest and shards with the seed keys and shapes',
    async () => {
      const out = join(dir, 'a');
      const script = `
import json, numpy as np, os
m = json.load(open(os.path.join(${JSON.stringify(out)}, 'manifest.json')))
n = 0
for s in m['shards']:
    z = np.load(os.path.join(${JSON.stringify(out)}, s['file']))
    x, y = z['1d/x_q'], z['1d/y_px']
    assert x.dtype == np.float32 and x.shape == (s['count'], 147), x.shape
    assert z['1d/x_px'].shape[0] == s['count'] and z['1d/x_px'].shape[1] == z['1d/x_px_q_axis'].shape[0]
    assert (y == s['classIndex']).all()
    assert list(z['metadata/phases']) == m['classes']
    assert str(z['metadata/id']) == 'sim-' + m['id']
    assert z['1d/x_q_axis'].shape == (147,)
    n += len(y)
print(n, m['counts']['patterns'])
`;
      const r = spawnSync(numpyPython!, ['-c', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('72 72');
      expect(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).format).toBe(
        'bragg-phase-dataset/1',
      );
    },
  );

  it('HDF5 shards (seed layout) hold the same patterns as npz shards and stream the same', async () => {
    const path = await writeSmallSweep(dir, { count: 4, chunk: 4 });
    const npz = await loadSweep(path);
    const { writeFile, readFile: rf } = await import('node:fs/promises');
    await writeFile(path, (await rf(path, 'utf8')).replace('format: npz', 'format: hdf5'));
    const h5 = await loadSweep(path);
    expect(h5.sweep.output.format).toBe('hdf5');
    const ex = localExecutor(2);
    try {
      const a = await runPhaseDataset({ sweep: npz, outDir: join(dir, 'fmt-npz'), executor: ex });
      const b = await runPhaseDataset({ sweep: h5, outDir: join(dir, 'fmt-h5'), executor: ex });
      expect(b.result.status).toBe('completed');
      expect(b.manifest.shards[0]!.file).toMatch(/\.hdf5$/);
      const da = await PhaseDataset.open(join(dir, 'fmt-npz'));
      const db = await PhaseDataset.open(join(dir, 'fmt-h5'));
      for (const [i, s] of a.manifest.shards.entries()) {
        const xa = await da.readShard(s);
        const xb = await db.readShard(b.manifest.shards[i]!);
        expect(Array.from(xb.x)).toEqual(Array.from(xa.x));
        expect(Array.from(xb.y)).toEqual(Array.from(xa.y));
      }
    } finally {
      await ex.close();
    }
  });

  it.skipIf(!h5py)(
    'h5py reads an HDF5 shard as a seed-pipeline user would (skipped when no Python has h5py)',
    () => {
      const out = join(dir, 'fmt-h5');
      const script = `
import h5py, json, os
m = json.load(open(os.path.join(${JSON.stringify(out)}, 'manifest.json')))
f = h5py.File(os.path.join(${JSON.stringify(out)}, m['shards'][0]['file']), 'r')
assert f['1d/x_px'].shape[0] == m['shards'][0]['count']
assert [p.decode() if isinstance(p, bytes) else p for p in f['metadata'].attrs['phases']] == m['classes']
print('ok')
`;
      const r = spawnSync(h5pyPython!, ['-c', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('ok');
    },
  );
});
