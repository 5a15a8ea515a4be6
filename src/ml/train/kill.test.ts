/**
 * Checkpoints survive SIGKILL at any instant: a training process
 * (`test/support/ml/train/train-child.ts`) kills itself right after its n-th file-system change
 * inside the checkpoint directory — every n inside one checkpoint (the case: right after
 * `weights.bin` was replaced) — and a resumed run (the same toy run, `toy-run.ts`, here) must
 * then give exactly (bit for bit) the losses and final weights of an uninterrupted run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workerModule } from '../../core/worker-loader.js';
import { toyRun, type ToyRunResult } from '../../../test/support/ml/train/toy-run.js';

const child = workerModule(import.meta.url, '../../../test/support/ml/train/train-child.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface ChildResult extends ToyRunResult {
  ops: number;
  opsAtEpoch: number[];
}

interface Exit {
  signal: NodeJS.Signals | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(env: Record<string, string>): Promise<Exit> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...child.execArgv, child.filename],
      { env: { ...process.env, ...env }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        const e = err as (Error & { signal?: NodeJS.Signals; code?: number }) | null;
        done({ signal: e?.signal ?? null, code: e?.code ?? 0, stdout, stderr });
      },
    );
  });
}

async function completed(env: Record<string, string>): Promise<ChildResult> {
  const r = await run(env);
  if (r.code !== 0 || r.signal !== null) {
    throw new Error(`training child failed (${r.code ?? r.signal}): ${r.stderr}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'bragg-kill-'));
  dirs.push(d);
  return d;
}

/** Runs `f` over `items`, at most `n` at a time. */
async function pool<T, R>(items: T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}

describe('checkpoints under SIGKILL', () => {
  it('a run killed at any step of a checkpoint resumes to the same losses and weights, bit for bit', async () => {
    const counted = await completed({ CKPT_DIR: tmp() });
    const reference = await toyRun({ dir: tmp() });
    expect(reference.startEpoch).toBe(0);
    expect(reference.history).toHaveLength(3);
    // The same run in another process is the same, bit for bit.
    expect(counted.history).toEqual(reference.history);
    expect(counted.weights).toBe(reference.weights);
    // opsAtEpoch[e]: changes made before epoch e's checkpoint; epoch 1's spans the next ones.
    const [, start, end] = counted.opsAtEpoch as [number, number, number];
    expect(end - start).toBeGreaterThan(5);
    const first = [1, Math.ceil(start / 2), start]; // a few instants of the first checkpoint
    const second = Array.from({ length: end - start }, (_, i) => start + 1 + i); // all of it
    const kills = await pool([...first, ...second], 4, async (killAt) => {
      const dir = tmp();
      const killed = await run({ CKPT_DIR: dir, KILL_AT: String(killAt) });
      return { killAt, killed, dir, left: readdirSync(dir) };
    });
    const starts: number[] = [];
    const differ: number[] = [];
    const layouts: string[][] = [];
    for (const k of kills) {
      expect(k.killed.signal, `KILL_AT=${k.killAt}: ${k.killed.stderr}`).toBe('SIGKILL');
      const resumed = await toyRun({ dir: k.dir, resume: true });
      const same =
        JSON.stringify(resumed.history) === JSON.stringify(reference.history) &&
        resumed.weights === reference.weights;
      if (!same) differ.push(k.killAt);
      starts.push(resumed.startEpoch);
      layouts.push(readdirSync(k.dir));
    }
    // Every resumed run trained exactly as the uninterrupted one (else: the kill points).
    expect(differ).toEqual([]);
    // Each left no temporaries, only `best`, `last` and the folders they name.
    kills.forEach((k, i) => {
      const named = new Set(['best', 'last'].map((p) => readlinkSync(join(k.dir, p))));
      expect(layouts[i]!.sort()).toEqual(['best', 'last', ...named].sort());
    });
    // Kills landed mid-checkpoint (a half-written folder left behind), before and after `last`
    // moved on (the resume starts at epoch 1 or 2), and before the first checkpoint (at 0).
    expect(kills.some((k) => k.left.some((n) => n.startsWith('.ckpt-tmp-')))).toBe(true);
    expect(new Set(starts)).toEqual(new Set([0, 1, 2]));
  }, 240_000);
});
