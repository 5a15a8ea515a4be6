/**
 * End to end: `bragg info` and `bragg convert` on TFRecord files in the single-shot layout
 * (AiryNet's), run through `main([...])` as a user runs them: TFRecord → HDF5 / NPZ → TFRecord
 * keeps every pixel and label; a damaged record is one line naming the record.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openAny } from '../../src/formats/registry.js';
import { examplesToTfrecord } from '../../src/formats/tfrecord/writer.js';
import { singleShotExamples } from '../support/formats/tfrecord/fixtures.js';
import { python, pythonWith } from '../support/core/python.js';

let dir = '';
let out: string[] = [];
let err: string[] = [];

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  out = [];
  err = [];
  const code = await main(['node', 'bragg', ...argv]);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const fixture = singleShotExamples(5, 8, 6, 11, 21);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bragg-tfr-'));
  writeFileSync(join(dir, 'train.tfrecord'), examplesToTfrecord(fixture.examples));
  writeFileSync(join(dir, 'train-gz.tfrecord'), examplesToTfrecord(fixture.examples, 'gzip'));
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  });
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  out = [];
  err = [];
});

async function arrays(path: string): Promise<Record<string, number[]>> {
  const f = await openAny(path);
  const o: Record<string, number[]> = {};
  for (const d of f.datasets) {
    // HDF5 stacks are NeXus groups: /entry/images/data
    const name = d.name.replace(/^\/entry\//, '').replace(/\/data$/, '');
    if (name === 'images' || name === 'labels')
      o[name] = Array.from((await f.read(d.name)).array.data as ArrayLike<number>);
  }
  await f.close();
  return o;
}

describe('bragg info on TFRecord', () => {
  for (const file of ['train.tfrecord', 'train-gz.tfrecord']) {
    it(`--json lists records, features (name, kind, length) and images/labels (${file})`, async () => {
      const r = await run('info', join(dir, file), '--json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as {
        format: string;
        metadata: {
          records: number;
          compression: string;
          features: { name: string; kind: string; length: number }[];
        };
        datasets: { name: string; dtype: string; shape: number[] }[];
      };
      expect(j.format).toBe('tfrecord');
      expect(j.metadata.records).toBe(5);
      expect(j.metadata.compression).toBe(file.includes('gz') ? 'gzip' : 'none');
      expect(j.metadata.features.map((f) => [f.name, f.kind, f.length]).sort()).toEqual([
        ['image/class/label', 'bytes', 1],
        ['image/encoded', 'bytes', 1],
        ['image/format', 'bytes', 1],
        ['image/height', 'int64', 1],
        ['image/width', 'int64', 1],
      ]);
      expect(j.datasets.map((d) => [d.name, d.dtype, d.shape])).toEqual([
        ['images', 'uint16', [5, 8, 6]],
        ['labels', 'int16', [5, 11]],
      ]);
    });
  }

  it('a damaged record: exit code 1 and one line naming the record', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'train.tfrecord')));
    const per = bytes.length / 5;
    bytes[3 * per + 30] = bytes[3 * per + 30]! ^ 0xff;
    writeFileSync(join(dir, 'bad.tfrecord'), bytes);
    const r = await run('info', join(dir, 'bad.tfrecord'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/record 3: the CRC-32C of the data does not match/);
    expect(r.stderr).toContain(`byte offset ${3 * per}`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('bragg convert TFRecord ⇄ HDF5 / NPZ', () => {
  const want = {
    images: fixture.pixels.flatMap((p) => Array.from(p)),
    labels: fixture.labels.flatMap((l) => Array.from(l)),
  };

  for (const ext of ['h5', 'npz']) {
    it(`TFRecord → ${ext} → TFRecord keeps every pixel and label`, async () => {
      const mid = join(dir, `stack.${ext}`);
      expect((await run('convert', join(dir, 'train-gz.tfrecord'), mid)).code).toBe(0);
      expect(await arrays(mid)).toEqual(want);
      const back = join(dir, `back-${ext}.tfrecord`);
      const r = await run('convert', mid, back, '--json');
      expect(r.code).toBe(0);
      expect(await arrays(back)).toEqual(want);
    });
  }

  it.skipIf(pythonWith('h5py') === undefined)(
    'h5py reads the HDF5 stack (skipped when no python3 has h5py)',
    async () => {
      const h5 = join(dir, 'py.h5');
      expect((await run('convert', join(dir, 'train.tfrecord'), h5)).code).toBe(0);
      const got = python(
        'import h5py,sys\nf=h5py.File(sys.argv[1])\nprint(f["entry/images/data"].shape, f["entry/images/data"].dtype, f["entry/labels/data"].shape, int(f["entry/images/data"][2,3,4]))',
        [h5],
        'h5py',
      );
      expect(got.trim()).toBe(`(5, 8, 6) uint16 (5, 11) ${fixture.pixels[2]![3 * 6 + 4]}`);
    },
  );

  it('refuses images that are not whole uint16 values, naming the array', async () => {
    const { writeNpz } = await import('../../src/formats/npy/npz.js');
    const { ndarray } = await import('../../src/core/ndarray.js');
    writeFileSync(
      join(dir, 'f.npz'),
      writeNpz({ images: ndarray('float32', [1, 2, 2], Float32Array.of(0, 1.5, 2, 3)) }),
    );
    const r = await run('convert', join(dir, 'f.npz'), join(dir, 'f.tfrecord'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/images/);
  });
});
