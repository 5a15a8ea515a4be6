/**
 * End to end: `bragg classify train` on a tiny synthetic dataset (manifest + TFRecord shards)
 * writes a bundle with the 11 class names and the multi-label metrics; `--resume` continues the
 * checkpoints from the last epoch; `bragg classify predict` writes predictions.h5 in the seed's
 * layout (read back with bragg's HDF5 reader), predictions.txt and overlays; `bragg classify
 * evaluate --json` gives the metrics; bad inputs are one clean error.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openAny } from '../../src/formats/registry.js';
import { HELIUM_CLASSES } from '../../src/simulate/single-shot/classes.js';
import { resolveClassifyDataset } from '../../src/workflows/classify/dataset/plan.js';
import { runClassifyDataset } from '../../src/workflows/classify/dataset/run.js';
import { classifyInlineExecutor } from '../support/workflows/classify/executors.js';

let dir = '';
let out: string[] = [];
let err: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-clt-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  });
  const dataset = resolveClassifyDataset(
    { images: 16, evalImages: 8, seed: 5, size: 64, imagesPerShard: 8 },
    join(dir, 'data'),
  );
  await runClassifyDataset({ dataset, executor: classifyInlineExecutor() });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

async function bragg(
  ...args: string[]
): Promise<{ code: number; json: Record<string, unknown>[] }> {
  out = [];
  err = [];
  const db = args[1] === 'train' ? ['--db', join(dir, 'runs.sqlite')] : [];
  const code = await main(['node', 'bragg', ...args, ...db]);
  const json = out
    .join('')
    .split(/\n(?=\{)/)
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, json };
}

const TRAIN = ['classify', 'train', '--data', '', '--target-size', '32', '--batch-size', '8'];

describe('bragg classify train / predict / evaluate', () => {
  let modelDir = '';
  it('trains, resumes from the last checkpoint and writes a bundle with the 11 classes and the metrics', async () => {
    const models = join(dir, 'models');
    const args = [
      ...TRAIN.slice(0, 3),
      join(dir, 'data'),
      ...TRAIN.slice(4),
      '-o',
      models,
      '--bn-momentum',
      '0.9',
      '--json',
    ];
    const first = await bragg(...args, '--epochs', '1');
    expect(first.code, err.join('')).toBe(0);
    const again = await bragg(...args, '--epochs', '2', '--resume');
    expect(again.code, err.join('')).toBe(0);
    const epochs = again.json.filter((l) => l.type === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1]); // only the second epoch ran
    const summary = again.json.find((l) => l.type === 'summary')!;
    expect(summary.evaluatedOn).toBe('eval');
    expect(summary.images).toBe(8);
    for (const k of ['accuracy', 'meanPerClassAccuracy', 'precision', 'recall', 'mcc']) {
      expect(typeof summary[k]).toBe('number');
    }
    expect(
      (summary.tp as number) +
        (summary.fp as number) +
        (summary.fn as number) +
        (summary.tn as number),
    ).toBe(8 * 11);
    modelDir = summary.modelDir as string;
    const meta = JSON.parse(await readFile(join(modelDir, 'bragg.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(meta.workflow).toBe('classify');
    expect(meta.labels).toEqual([...HELIUM_CLASSES]);
    expect((meta.architecture as { config: { bnMomentum: number } }).config.bnMomentum).toBe(0.9);
    const training = meta.training as Record<string, unknown>;
    expect(training.loss).toBe('binaryCrossentropy');
    expect(training.optimizer).toMatchObject({
      kind: 'sgd',
      nesterov: true,
      momentum: 0.9,
      learningRate: (0.1 * 8) / 128,
    });
    expect(training.regularization).toEqual({ l1: 1e-5, l2: 5e-6 });
    const history = JSON.parse(await readFile(join(modelDir, 'history.json'), 'utf8')) as unknown[];
    expect(history).toHaveLength(2);
  });

  it('predicts into predictions.h5 in the seed layout with a Grad-CAM++ map per class', async () => {
    const shards = await readdir(join(dir, 'data', 'shards'));
    const evalShard = join(
      dir,
      'data',
      'shards',
      shards.find((s) => s.includes('eval'))!,
    );
    const o = join(dir, 'pred');
    const r = await bragg(
      'classify',
      'predict',
      evalShard,
      '--model',
      modelDir,
      '-o',
      o,
      '--overlays',
      '2',
      '--json',
    );
    expect(r.code, err.join('')).toBe(0);
    const files = await readdir(o);
    expect(files.filter((f) => f.startsWith('overlay-') && f.endsWith('.png'))).toHaveLength(2);
    const txt = (await readFile(join(o, 'predictions.txt'), 'utf8')).trim().split('\n');
    expect(txt).toHaveLength(1 + 8);
    const h5 = await openAny(join(o, 'predictions.h5'));
    try {
      const names = h5.datasets.map((d) => d.name.replace(/^\//, ''));
      for (const id of ['0', '7']) {
        expect(names).toContain(`${id}/img`);
        expect(names).toContain(`${id}/prediction`);
        expect(names).toContain(`${id}/probability`);
        for (let c = 0; c < 11; c++) expect(names).toContain(`${id}/${c}/grad_cam`);
      }
      const cam = h5.datasets.find((d) => d.name.replace(/^\//, '') === '3/4/grad_cam')!;
      expect(cam.shape).toEqual([32, 32]);
      expect(cam.dtype).toBe('float32');
      const a = (await h5.read(cam.name)).array.data as Float32Array;
      expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a)).toBeLessThanOrEqual(1);
      const p = (
        await h5.read(h5.datasets.find((d) => d.name.replace(/^\//, '') === '0/probability')!.name)
      ).array.data as Float32Array;
      expect(p).toHaveLength(11);
    } finally {
      await h5.close();
    }
  });

  it('evaluates with --json, and refuses a missing dataset in one line', async () => {
    const r = await bragg(
      'classify',
      'evaluate',
      '--model',
      modelDir,
      '--data',
      join(dir, 'data'),
      '--json',
    );
    expect(r.code, err.join('')).toBe(0);
    expect(r.json[0]).toMatchObject({ split: 'eval', images: 8 });
    // the same images as HDF5 (NeXus /entry/images/data, /entry/labels/data) give the same counts
    const shards = await readdir(join(dir, 'data', 'shards'));
    const h5 = join(dir, 'eval-copy.h5');
    const evalShard = join(
      dir,
      'data',
      'shards',
      shards.find((s) => s.includes('eval'))!,
    );
    expect((await bragg('convert', evalShard, h5)).code, err.join('')).toBe(0);
    const viaH5 = await bragg('classify', 'evaluate', '--model', modelDir, '--data', h5, '--json');
    expect(viaH5.code, err.join('')).toBe(0);
    for (const k of ['tp', 'fp', 'fn', 'tn', 'images'])
      expect(viaH5.json[0]![k]).toBe(r.json[0]![k]);
    const bad = await bragg(
      'classify',
      'train',
      '--data',
      join(dir, 'nope'),
      '-o',
      join(dir, 'm2'),
    );
    expect(bad.code).toBe(1);
    expect(err.join('')).toMatch(/nope: no such file or folder/);
    const momentum = await bragg(
      'classify',
      'train',
      '--data',
      join(dir, 'data'),
      '-o',
      join(dir, 'm3'),
      '--bn-momentum',
      '1.5',
    );
    expect(momentum.code).toBe(1);
    expect(err.join('')).toMatch(/--bn-momentum: must be a number in 0…1/);
    const vgg = await bragg('classify', 'train', '--data', join(dir, 'data'), '-o', join(dir, 'm4'), '--airynet-type', 'vgg', '--bn-momentum', '0.9'); // prettier-ignore
    expect(vgg.code).toBe(1);
    expect(err.join('')).toMatch(/--bn-momentum: applies to --airynet-type resnet/);
    expect(err.join('')).not.toMatch(/\n\s+at /);
  });
});
