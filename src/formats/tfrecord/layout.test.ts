/**
 * The TFRecord layout mapping and the seed's predict-mode bunch id (AiryNet `nn/data.py`, see
 * STUDY.md §2.2: `image/class/label` holds an int32 bunch id in predict mode): files written by
 * bragg's writer and by Python (hand-encoded protobuf, pure-Python CRC-32C) in another layout
 * read back as `images`/`labels` with the mapping, and the bunch ids as `bunch_id`; bad specs
 * are ValidationErrors naming `layout`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  i32le,
  PYTHON,
  PYTHON_SKIP_REASON,
  u16le,
  writeTfrecordWithPython,
} from '../../../test/support/formats/tfrecord/python-writer.js';
import { ValidationError } from '../../core/errors.js';
import { openAny } from '../registry.js';
import type { FeatureMap } from './example.js';
import { parseTfrecordLayout, SEED_LAYOUT } from './layout.js';
import { openTfrecord } from './reader.js';
import { examplesToTfrecord } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'bragg-tfr-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H = 3;
const W = 4;
const pixels = (i: number) => Uint16Array.from({ length: H * W }, (_, k) => 1000 * i + 7 * k);
const int16 = (xs: number[]) => {
  const b = new Uint8Array(2 * xs.length);
  xs.forEach((x, k) => new DataView(b.buffer).setInt16(2 * k, x, true));
  return b;
};
const LABELS = [
  [1, 0, 1],
  [0, 1, 0],
];

describe('parseTfrecordLayout', () => {
  it('maps the roles given and keeps the seed keys for the others', () => {
    expect(parseTfrecordLayout('image=img/raw, label=y')).toEqual({
      ...SEED_LAYOUT,
      image: 'img/raw',
      label: 'y',
    });
    expect(parseTfrecordLayout('bunch=image/class/label').bunch).toBe('image/class/label');
  });
  it.each(['', 'image', 'colour=x', 'image=', 'image=a,image=b', 'image=a,height=a'])(
    "refuses '%s' naming the layout field",
    (spec) => {
      let err: unknown;
      try {
        parseTfrecordLayout(spec);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field).toBe('layout');
    },
  );
});

describe('TFRecord layouts', () => {
  it("reads bragg's writer's file in another layout with the mapping, generic without", async () => {
    const examples = LABELS.map((l, i) => ({
      features: {
        'img/raw': { kind: 'bytes', value: [u16le(pixels(i))] },
        'img/h': { kind: 'int64', value: BigInt64Array.of(BigInt(H)) },
        'img/w': { kind: 'int64', value: BigInt64Array.of(BigInt(W)) },
        'lbl/multi': { kind: 'bytes', value: [int16(l)] },
      } satisfies FeatureMap,
    }));
    const path = join(dir, 'other.tfrecord');
    writeFileSync(path, examplesToTfrecord(examples));
    const plain = await openAny(path);
    expect(plain.datasets.map((d) => d.name)).not.toContain('images');
    await plain.close();
    const f = await openTfrecord(path, undefined, parseTfrecordLayout('image=img/raw,label=lbl/multi,height=img/h,width=img/w')); // prettier-ignore
    try {
      expect(f.metadata.layout).toBe('single-shot');
      const imgs = (await f.read('images')).array;
      expect(imgs.shape).toEqual([2, H, W]);
      expect(Array.from(imgs.data as Uint16Array)).toEqual([...pixels(0), ...pixels(1)]);
      expect(Array.from((await f.read('labels')).array.data as Int16Array)).toEqual(LABELS.flat());
      // the mapped keys are not listed again as generic arrays
      expect(f.datasets.map((d) => d.name).sort()).toEqual(['images', 'labels']);
    } finally {
      await f.close();
    }
  });

  it.skipIf(PYTHON === undefined)(
    `reads Python's predict-mode file: the int32 bunch id in image/class/label${PYTHON ? '' : ` (skipped: ${PYTHON_SKIP_REASON})`}`,
    async () => {
      const ids = [70_123_456, -5, 2 ** 31 - 1];
      const path = join(dir, 'predict.tfrecord');
      writeTfrecordWithPython(
        path,
        ids.map((id, i) => ({
          'image/encoded': ['bytes', u16le(pixels(i))],
          'image/format': ['bytes', new TextEncoder().encode('raw')],
          'image/height': ['int64', [H]],
          'image/width': ['int64', [W]],
          'image/class/label': ['bytes', i32le(id)],
        })),
      );
      // the default layout sees 4 bytes as two int16 classes
      const plain = await openAny(path);
      expect(plain.datasets.find((d) => d.name === 'labels')?.shape).toEqual([3, 2]);
      await plain.close();
      const f = await openTfrecord(path, undefined, parseTfrecordLayout('bunch=image/class/label')); // prettier-ignore
      try {
        expect(f.datasets.map((d) => d.name)).toEqual(['images', 'bunch_id']);
        expect(Array.from((await f.read('bunch_id')).array.data as Int32Array)).toEqual(ids);
        expect(Array.from((await f.read('images', { frame: 2 })).array.data as Uint16Array)).toEqual(Array.from(pixels(2))); // prettier-ignore
      } finally {
        await f.close();
      }
    },
  );

  it.skipIf(PYTHON === undefined)(
    `reads Python's file with the bunch id as an int64 feature under its own key, labels kept${PYTHON ? '' : ` (skipped: ${PYTHON_SKIP_REASON})`}`,
    async () => {
      const path = join(dir, 'bunch64.tfrecord');
      writeTfrecordWithPython(
        path,
        LABELS.map((l, i) => ({
          'image/encoded': ['bytes', u16le(pixels(i))],
          'image/height': ['int64', [H]],
          'image/width': ['int64', [W]],
          'image/class/label': ['bytes', int16(l)],
          bunch_id: ['int64', [100 + i]],
        })),
      );
      const f = await openTfrecord(path, undefined, parseTfrecordLayout('bunch=bunch_id'));
      try {
        expect(f.datasets.map((d) => d.name)).toEqual(['images', 'labels', 'bunch_id']);
        expect(Array.from((await f.read('bunch_id')).array.data as Int32Array)).toEqual([100, 101]); // prettier-ignore
        expect(Array.from((await f.read('labels')).array.data as Int16Array)).toEqual(LABELS.flat()); // prettier-ignore
      } finally {
        await f.close();
      }
    },
  );

  it('does not read a file whose bunch id leaves int32 as single-shot (its features stay generic)', async () => {
    const path = join(dir, 'bad-bunch.tfrecord');
    const rec = (bunch: bigint) => ({
      features: {
        'image/encoded': { kind: 'bytes', value: [u16le(pixels(0))] },
        'image/height': { kind: 'int64', value: BigInt64Array.of(BigInt(H)) },
        'image/width': { kind: 'int64', value: BigInt64Array.of(BigInt(W)) },
        b: { kind: 'int64', value: BigInt64Array.of(bunch) },
      } satisfies FeatureMap,
    });
    writeFileSync(path, examplesToTfrecord([rec(1n), rec(2n ** 40n)]));
    const f = await openTfrecord(path, undefined, parseTfrecordLayout('bunch=b'));
    try {
      expect(f.metadata.layout).toBe('generic');
      expect(f.datasets.map((d) => d.name)).not.toContain('images');
      expect(f.datasets.map((d) => d.name)).toContain('b');
    } finally {
      await f.close();
    }
  });
});
