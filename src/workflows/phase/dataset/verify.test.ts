/**
 * Trusting a phase dataset's files: shard bytes are a function of the config (two separate
 * runs write identical shards, npz and HDF5 alike), a resumed run verifies existing shards
 * against their record and restores a damaged one, and training refuses a shard that is not
 * the file the manifest records.
 */
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, NotFoundError } from '../../../core/errors.js';
import { sha256File } from '../../../jobs/output.js';
import { RunRegistry } from '../../../jobs/run-registry.js';
import { writeSmallSweep } from '../../../../test/support/jobs/sweep.js';
import { inlineExecutor } from '../../../../test/support/jobs/executors.js';
import { PhaseDataset } from './reader.js';
import { runPhaseDataset } from './run.js';
import { loadSweep, type ResolvedSweep } from './sweep.js';

let dir: string;
let npz: ResolvedSweep;
let h5: ResolvedSweep;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-dsv-'));
  const path = await writeSmallSweep(dir, { count: 4, chunk: 4 });
  npz = await loadSweep(path);
  await writeFile(path, (await readFile(path, 'utf8')).replace('format: npz', 'format: hdf5'));
  h5 = await loadSweep(path);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (sweep: ResolvedSweep, out: string, registry?: RunRegistry) =>
  runPhaseDataset({
    sweep,
    outDir: join(dir, out),
    executor: inlineExecutor(),
    ...(registry ? { registry } : {}),
  });

async function flipByte(path: string, at: number): Promise<void> {
  const b = await readFile(path);
  b[at] = b[at]! ^ 0x01;
  await writeFile(path, b);
}

describe('reproducible shard files', () => {
  it('two separate runs of the same sweep write shards with identical sha256s (npz and HDF5)', async () => {
    const a = [await run(npz, 'rep-npz-a'), await run(h5, 'rep-h5-a')];
    // another second on the clock: HDF5 object times and run creation times would differ
    await new Promise((r) => setTimeout(r, 1100));
    const b = [await run(npz, 'rep-npz-b'), await run(h5, 'rep-h5-b')];
    for (const [i, fmt] of ['npz', 'hdf5'].entries()) {
      const [ma, mb] = [a[i]!.manifest, b[i]!.manifest];
      expect(ma.fileFormat).toBe(fmt);
      expect(ma.createdAt).not.toBe(mb.createdAt); // times stay in the manifest
      expect(ma.shards).toHaveLength(6);
      expect(mb.shards.map((s) => s.sha256)).toEqual(ma.shards.map((s) => s.sha256));
      const out = join(dir, `rep-${fmt === 'npz' ? 'npz' : 'h5'}-b`);
      for (const s of mb.shards) expect(await sha256File(join(out, s.file))).toBe(s.sha256);
    }
  });
});

describe('resuming verifies existing shards', () => {
  it('a truncated shard is moved aside and recomputed; the manifest keeps its good sha256', async () => {
    const reg = RunRegistry.open(join(dir, 'runs.sqlite'));
    try {
      const a = await run(npz, 'res', reg);
      const good = a.manifest.shards[2]!;
      expect(good.bytes).toBeGreaterThan(0);
      await truncate(join(dir, 'res', good.file), 200);
      const b = await run(npz, 'res', reg);
      expect(b.result.replaced.map((r) => r.id)).toEqual([good.id]);
      expect(b.result.skipped).toBe(5);
      expect(b.manifest.shards[2]).toEqual(good);
      expect(await sha256File(join(dir, 'res', good.file))).toBe(good.sha256);
      expect(reg.shards(a.runId).find((s) => s.shardId === good.id)!.sha256).toBe(good.sha256);
    } finally {
      reg.close();
    }
  });

  it('without the run registry, the manifest is the record: a bit-flipped HDF5 shard is restored', async () => {
    const a = await run(h5, 'res-h5');
    const good = a.manifest.shards[4]!;
    await flipByte(join(dir, 'res-h5', good.file), 4000);
    const b = await run(h5, 'res-h5');
    expect(b.result.replaced).toMatchObject([{ id: good.id, movedTo: `${good.file}.damaged` }]);
    expect(b.manifest.shards[4]!.sha256).toBe(good.sha256);
    expect(b.manifest.complete).toBe(true);
  });
});

describe('training verifies the shards against the manifest', () => {
  async function openError(out: string): Promise<unknown> {
    return PhaseDataset.open(join(dir, out)).then(
      () => undefined,
      (e: unknown) => e,
    );
  }

  it('a bit-flipped shard (same size) is a FormatError naming the shard file', async () => {
    const a = await run(npz, 'train-flip');
    await expect(PhaseDataset.open(join(dir, 'train-flip'))).resolves.toBeDefined();
    const s = a.manifest.shards[1]!;
    await flipByte(join(dir, 'train-flip', s.file), 300);
    const err = await openError('train-flip');
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(join(dir, 'train-flip', s.file));
    expect((err as FormatError).message).toContain(`sha256 ${s.sha256}`);
    // opted out, the manifest alone is read
    await expect(
      PhaseDataset.open(join(dir, 'train-flip'), '1d/x_px', { verify: false }),
    ).resolves.toBeDefined();
  });

  it('a truncated shard fails on its size, a missing one as not found, both naming the file', async () => {
    const a = await run(h5, 'train-cut');
    const s = a.manifest.shards[3]!;
    await truncate(join(dir, 'train-cut', s.file), 1000);
    const cut = await openError('train-cut');
    expect(cut).toBeInstanceOf(FormatError);
    expect((cut as FormatError).file).toBe(join(dir, 'train-cut', s.file));
    expect((cut as FormatError).message).toMatch(
      new RegExp(`expected ${s.bytes} bytes, found 1000 bytes`),
    );
    await unlink(join(dir, 'train-cut', s.file));
    const gone = await openError('train-cut');
    expect(gone).toBeInstanceOf(NotFoundError);
    expect((gone as NotFoundError).message).toContain(s.file);
  });
});
