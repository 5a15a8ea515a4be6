/**
 * End to end: `bragg classify simulate` writes TFRecord shards in AiryNet's layout and a
 * manifest; a rerun resumes (skips every shard); a lost shard is recomputed to the same bytes;
 * the same seed in another folder gives the same bytes, another seed others; the shards open
 * as images (n, h, w) uint16 and labels (n, 11) int16.
 */
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { registerWorkflowArchitectures } from '../../src/app/workflows.js';
import { modelArchitecture } from '../../src/ml/models/registry.js';
import { openAny } from '../../src/formats/registry.js';
import { HELIUM_CLASSES } from '../../src/simulate/single-shot/classes.js';
import type { ClassifyManifest } from '../../src/workflows/classify/dataset/run.js';
import { resolveClassifyDataset } from '../../src/workflows/classify/dataset/plan.js';
import { runClassifyDataset } from '../../src/workflows/classify/dataset/run.js';
import { classifyInlineExecutor } from '../support/workflows/classify/executors.js';

let dir = '';
let out: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-cls-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const ARGS = [
  '--images',
  '6',
  '--eval-images',
  '2',
  '--size',
  '64',
  '--images-per-shard',
  '4',
  '--seed',
  '7',
];

async function simulate(
  o: string,
  ...extra: string[]
): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  out = [];
  const code = await main([
    'node',
    'bragg',
    'classify',
    'simulate',
    ...ARGS,
    ...extra,
    '-o',
    o,
    '--db',
    join(dir, 'runs.sqlite'),
    '--json',
  ]);
  const lines = out
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, lines };
}

describe('bragg classify simulate', () => {
  it('writes shards in the seed layout and a manifest; resumes; recomputes a lost shard to the same bytes', async () => {
    const o = join(dir, 'a');
    const first = await simulate(o);
    expect(first.code).toBe(0);
    const summary = first.lines.at(-1)!;
    expect(summary).toMatchObject({
      type: 'summary',
      status: 'completed',
      images: { train: 6, eval: 2 },
      shards: 3,
    });
    const m = JSON.parse(await readFile(join(o, 'manifest.json'), 'utf8')) as ClassifyManifest;
    expect(m.complete).toBe(true);
    expect(m.classes).toEqual([...HELIUM_CLASSES]);
    expect(m.shards.map((s) => [s.file, s.count])).toEqual([
      ['shards/00000-of-00002-train.tfrecord', 4],
      ['shards/00001-of-00002-train.tfrecord', 2],
      ['shards/00000-of-00001-eval.tfrecord', 2],
    ]);
    const totalLabels = Object.values(m.counts.perClass.train).reduce((a, b) => a + b, 0);
    expect(totalLabels).toBeGreaterThanOrEqual(6);

    const f = await openAny(join(o, m.shards[0]!.file));
    expect(f.format).toBe('tfrecord');
    expect(f.datasets.map((d) => [d.name, d.dtype, d.shape])).toEqual([
      ['images', 'uint16', [4, 64, 64]],
      ['labels', 'int16', [4, 11]],
    ]);
    const labels = (await f.read('labels')).array.data as Int16Array;
    const images = (await f.read('images')).array.data as Uint16Array;
    await f.close();
    for (let i = 0; i < 4; i++) {
      const row = Array.from(labels.subarray(i * 11, (i + 1) * 11));
      expect(row.every((v) => v === 0 || v === 1)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }
    // the centre is in the hole: zero counts
    expect(images[32 * 64 + 32]).toBe(0);

    const bytes = await readFile(join(o, m.shards[1]!.file));
    const again = await simulate(o);
    expect(again.code).toBe(0);
    expect(again.lines.at(-1)).toMatchObject({ skippedShards: 3 });

    await unlink(join(o, m.shards[1]!.file));
    const third = await runClassifyDataset({
      dataset: resolveClassifyDataset(
        { images: 6, evalImages: 2, size: 64, imagesPerShard: 4, seed: 7 },
        o,
      ),
      executor: classifyInlineExecutor(),
    });
    expect(third.result.skipped).toBe(2);
    expect((await readFile(join(o, m.shards[1]!.file))).equals(bytes)).toBe(true);
  });

  it('the same seed elsewhere gives the same bytes; another seed other images', async () => {
    const b = join(dir, 'b');
    expect((await simulate(b)).code).toBe(0);
    const file = 'shards/00000-of-00002-train.tfrecord';
    const a = await readFile(join(dir, 'a', file));
    expect((await readFile(join(b, file))).equals(a)).toBe(true);
    const c = join(dir, 'c');
    expect((await simulate(c, '--seed', '8')).code).toBe(0);
    expect((await readFile(join(c, file))).equals(a)).toBe(false);
  });

  it('a size the FFT cannot take is a one-line error naming the flag', async () => {
    const errs: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      errs.push(String(s));
      return true;
    });
    const r = await simulate(join(dir, 'd'), '--size', '100');
    expect(r.code).toBe(1);
    expect(errs.join('')).toMatch(/--size/);
  });
});

describe('classify architectures', () => {
  it('are registered through the workflow, so models are built and loaded by name', () => {
    registerWorkflowArchitectures();
    expect(modelArchitecture('airynet-resnet').resolve()).toMatchObject({ depth: 18 });
    expect(modelArchitecture('airynet-vgg').resolve()).toMatchObject({ depth: 16 });
  });
});
