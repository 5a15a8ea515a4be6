/**
 * Resuming a sharded run verifies what is there: an existing shard file is done only if it is
 * the file recorded for it (run registry, else the workflow's record); a truncated or
 * bit-flipped one is moved aside and computed again, and its good record is kept.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRegistry } from './run-registry.js';
import { runSharded, type Progress } from './sharded-run.js';
import { sha256File } from './output.js';
import { syntheticPlan } from '../../test/support/jobs/synthetic.js';
import { inlineExecutor } from '../../test/support/jobs/executors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-verify-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function flipByte(path: string, at: number): Promise<void> {
  const b = await readFile(path);
  b[at] = b[at]! ^ 0xff;
  await writeFile(path, b);
}

function base(out: string) {
  return {
    kind: 'test',
    outDir: out,
    configHash: 'h',
    config: {},
    shards: syntheticPlan(out, { shards: 4, rows: 16 }),
    executor: inlineExecutor(),
  };
}

describe('resuming a sharded run', () => {
  it('moves a truncated and a bit-flipped shard aside, recomputes them and keeps their recorded sha256', async () => {
    const out = join(dir, 'reg');
    const reg = RunRegistry.open(join(dir, 'runs.sqlite'));
    try {
      const r1 = await runSharded({ ...base(out), runId: 'v1', registry: reg });
      expect(r1.status).toBe('completed');
      const good = new Map(r1.done.map((d) => [d.id, d]));
      expect(good.get('b1')!.bytes).toBe(16 * 8 * 4);

      await truncate(join(out, 'shards/b1.bin'), 100);
      await flipByte(join(out, 'shards/b2.bin'), 7); // same size, other contents
      const events: Progress['event'][] = [];
      const r2 = await runSharded({
        ...base(out),
        runId: 'v1',
        registry: reg,
        onProgress: (p) => events.push(p.event),
      });
      expect(r2.status).toBe('completed');
      expect(r2.skipped).toBe(2);
      expect(r2.replaced.map((x) => [x.id, x.movedTo])).toEqual([
        ['b1', 'shards/b1.bin.damaged'],
        ['b2', 'shards/b2.bin.damaged'],
      ]);
      expect(events.filter((e) => e.kind === 'replaced').map((e) => e.shard)).toEqual(['b1', 'b2']);
      // recomputed to the recorded bytes; the registry keeps the good sha256
      for (const d of r2.done) expect(d.sha256).toBe(good.get(d.id)!.sha256);
      expect(await sha256File(join(out, 'shards/b1.bin'))).toBe(good.get('b1')!.sha256);
      for (const s of reg.shards('v1')) expect(s.sha256).toBe(good.get(s.shardId)!.sha256);
      // the damaged copies are kept for inspection
      expect((await readFile(join(out, 'shards/b1.bin.damaged'))).length).toBe(100);
      expect(existsSync(join(out, 'shards/b2.bin.damaged'))).toBe(true);
    } finally {
      reg.close();
    }
  });

  it("without a registry, checks the workflow's record (size first, then sha256)", async () => {
    const out = join(dir, 'rec');
    const r1 = await runSharded({ ...base(out), runId: 'v2' });
    const rec = new Map(r1.done.map((d) => [d.id, { sha256: d.sha256, bytes: d.bytes }]));
    await truncate(join(out, 'shards/b0.bin'), 12);
    await flipByte(join(out, 'shards/b3.bin'), 0);
    const b = base(out);
    const r2 = await runSharded({
      ...b,
      shards: b.shards.map((s) => ({ ...s, recorded: rec.get(s.id) })),
      runId: 'v2',
    });
    expect(r2.replaced.map((x) => x.id)).toEqual(['b0', 'b3']);
    expect(r2.replaced[0]!.reason).toMatch(/12 bytes where 512 were written/);
    expect(r2.replaced[1]!.reason).toMatch(/sha256/);
    for (const d of r2.done) expect(d.sha256).toBe(rec.get(d.id)!.sha256);
  });

  it('accepts an existing file that nothing recorded (published atomically, so whole)', async () => {
    const out = join(dir, 'none');
    await runSharded({ ...base(out), runId: 'v3' });
    const r2 = await runSharded({ ...base(out), runId: 'v3' });
    expect(r2.skipped).toBe(4);
    expect(r2.replaced).toEqual([]);
  });
});
