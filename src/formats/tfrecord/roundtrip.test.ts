import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openAny } from '../registry.js';
import { decodeExampleRecord, encodeExample, encodeSequenceExample } from './example.js';
import type { Example } from './example.js';
import { detectCompression, encodeRecord, readRecords } from './framing.js';
import { MemorySource } from '../../core/source.js';
import { openTfrecord, readExamples, tfrecordReader } from './reader.js';
import { arraysToExamples, examplesToTfrecord, tfrecordWriter } from './writer.js';
import { python, pythonWith } from '../../../test/support/core/python.js';
import {
  genericExamples,
  singleShotExamples,
} from '../../../test/support/formats/tfrecord/fixtures.js';

const W = { file: 'test', index: 0 };

describe('tf.train.Example', () => {
  it('decodes hand-written wire bytes (field numbers of example.proto), packed and unpacked', () => {
    // Example{features{feature{"a": int64_list{value: [1]}}}}, Int64List packed: 0a 01 01
    const packed = Uint8Array.of(
      0x0a,
      0x0c,
      0x0a,
      0x0a,
      0x0a,
      0x01,
      0x61,
      0x12,
      0x05,
      0x1a,
      0x03,
      0x0a,
      0x01,
      0x01,
    );
    // the same with the value unpacked (Int64List 08 01: field 1, varint 1)
    const unpackedExact = Uint8Array.of(
      0x0a,
      0x0b,
      0x0a,
      0x09,
      0x0a,
      0x01,
      0x61,
      0x12,
      0x04,
      0x1a,
      0x02,
      0x08,
      0x01,
    );
    for (const b of [packed, unpackedExact]) {
      const r = decodeExampleRecord(b, W);
      expect(r.type).toBe('example');
      if (r.type !== 'example') return;
      expect(r.features.a).toEqual({ kind: 'int64', value: BigInt64Array.of(1n) });
    }
    expect(
      encodeExample({ features: { a: { kind: 'int64', value: BigInt64Array.of(1n) } } }),
    ).toEqual(packed);
    expect(
      encodeExample(
        { features: { a: { kind: 'int64', value: BigInt64Array.of(1n) } } },
        { packed: false },
      ),
    ).toEqual(unpackedExact);
  });

  it('round-trips every kind, packed and unpacked, int64 beyond 2^53 exactly', () => {
    for (const packed of [true, false]) {
      for (const e of genericExamples(5)) {
        const r = decodeExampleRecord(encodeExample(e, { packed }), W);
        expect(r).toEqual({ type: 'example', ...e });
      }
    }
  });

  it('round-trips a SequenceExample (context and feature lists)', () => {
    const s = {
      context: { length: { kind: 'int64' as const, value: BigInt64Array.of(3n) } },
      featureLists: {
        tokens: [0, 1, 2].map((i) => ({
          kind: 'bytes' as const,
          value: [Uint8Array.of(i, i + 1)],
        })),
        frames: [{ kind: 'float' as const, value: Float32Array.of(1.5, 2) }],
      },
    };
    expect(decodeExampleRecord(encodeSequenceExample(s), W)).toEqual({ type: 'sequence', ...s });
  });
});

describe('TFRecord files', () => {
  it('frames a record as length, masked CRC, data, masked CRC (TFRecord spec)', () => {
    const r = encodeRecord(Uint8Array.of(1, 2, 3));
    expect(r.length).toBe(19);
    expect([...r.subarray(0, 8)]).toEqual([3, 0, 0, 0, 0, 0, 0, 0]);
    expect(detectCompression(r)).toBe('none');
  });

  for (const compression of ['none', 'gzip'] as const) {
    it(`reads back the single-shot layout as images and labels (${compression})`, async () => {
      const { examples, pixels, labels } = singleShotExamples(4, 6, 5, 11, 7);
      const bytes = examplesToTfrecord(examples, compression);
      expect(detectCompression(bytes)).toBe(compression);
      const f = await openAny({ bytes, name: 'x.bin' });
      expect(f.format).toBe('tfrecord');
      expect(f.metadata.compression).toBe(compression);
      expect(f.metadata.records).toBe(4);
      expect(f.metadata.layout).toBe('single-shot');
      expect(f.datasets.map((d) => [d.name, d.dtype, d.shape])).toEqual([
        ['images', 'uint16', [4, 6, 5]],
        ['labels', 'int16', [4, 11]],
      ]);
      const im = await f.read('images');
      for (let i = 0; i < 4; i++)
        expect(im.array.data.slice(i * 30, (i + 1) * 30)).toEqual(pixels[i]);
      const lb = await f.read('labels');
      for (let i = 0; i < 4; i++)
        expect(lb.array.data.slice(i * 11, (i + 1) * 11)).toEqual(labels[i]);
      const one = await f.read('images', { frame: 2 });
      expect(one.array.shape).toEqual([6, 5]);
      expect(one.array.data).toEqual(pixels[2]);
      const part = await f.read('labels', { frame: 3, ranges: [[2, 5]] });
      expect(part.array.data).toEqual(labels[3]!.slice(2, 5));
      await f.close();
    });
  }

  it('lists every feature with its kind and length, and the uniform ones as arrays', async () => {
    const bytes = examplesToTfrecord(genericExamples(6));
    const f = await openTfrecord({ bytes, name: 'g.tfrecord' });
    const feats = f.metadata.features as {
      name: string;
      kind: string;
      length?: number;
      lengths?: string;
    }[];
    expect(feats.map((x) => [x.name, x.kind, x.length ?? x.lengths])).toEqual([
      ['name', 'bytes', 1],
      ['score', 'float', 2],
      ['id', 'int64', 2],
      ['ragged', 'int64', '0..2'],
    ]);
    expect(f.datasets.map((d) => [d.name, d.dtype, d.shape])).toEqual([
      ['name', 'uint8', [6, 4]],
      ['score', 'float32', [6, 2]],
      ['id', 'int64', [6, 2]],
    ]);
    const id = await f.read('id');
    expect(id.array.data[0]).toBe(-3n);
    expect(id.array.data[1]).toBe(2n ** 62n);
    await f.close();
  });

  it('opens from a stream, and an empty file is an empty TFRecord', async () => {
    const { examples } = singleShotExamples(2, 3, 3, 2);
    const bytes = examplesToTfrecord(examples, 'gzip');
    const f = await openAny({
      stream: Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]),
      name: 's.tfrecord',
    });
    expect(f.datasets[0]!.shape).toEqual([2, 3, 3]);
    await f.close();
    const e = await openAny({ bytes: new Uint8Array(0), name: 'e.tfrecord' });
    expect(e.metadata.records).toBe(0);
    expect(e.datasets).toEqual([]);
    await e.close();
  });

  it('reads a gzip file of many windows record by record, stopping early', async () => {
    // ~1.3 MB decompressed: more than the 64 KiB windows; stopping after one record must not hang
    const { examples } = singleShotExamples(10, 128, 128, 3, 3);
    const bytes = examplesToTfrecord(examples, 'gzip');
    let seen = 0;
    for await (const r of readRecords(new MemorySource(bytes, 'big'), 'gzip', 4)) {
      expect(r.index).toBe(4);
      seen++;
      break;
    }
    expect(seen).toBe(1);
    const all = await readExamples({ bytes, name: 'big' });
    expect(all.length).toBe(10);
  });

  it('writes arrays back: images/labels as the single-shot layout, others as features', async () => {
    const { examples } = singleShotExamples(3, 4, 4, 5, 9);
    const f = await openTfrecord({ bytes: examplesToTfrecord(examples), name: 'a.tfrecord' });
    const arrays = [await f.read('images'), await f.read('labels')];
    await f.close();
    const again = arraysToExamples(arrays);
    expect(again.map((e) => decodeExampleRecord(encodeExample(e), W))).toEqual(
      examples.map((e) => ({ type: 'example', ...e })),
    );
    const dir = mkdtempSync(join(tmpdir(), 'tfr-'));
    await tfrecordWriter.write(join(dir, 'o.tfrecord'), arrays);
    const g = await openAny(join(dir, 'o.tfrecord'));
    expect((await g.read('images')).array.data).toEqual(arrays[0]!.array.data);
    await g.close();
  });

  it('is claimed by its sniff only for valid framing', () => {
    expect(tfrecordReader.sniff(encodeRecord(new Uint8Array(4)))).toBe(true);
    expect(tfrecordReader.sniff(new TextEncoder().encode('hello, this is a text file'))).toBe(
      false,
    );
  });
});

const TF = pythonWith('tensorflow') !== undefined;

describe.skipIf(!TF)(
  'TensorFlow interoperability (skipped: python3 cannot import tensorflow)',
  () => {
    it('tf.data.TFRecordDataset reads our files and we read its', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tfr-tf-'));
      const { examples, pixels } = singleShotExamples(3, 4, 4, 11, 5);
      writeFileSync(join(dir, 'ours.tfrecord'), examplesToTfrecord(examples, 'gzip'));
      const script = `
import tensorflow as tf, numpy as np, sys
d = sys.argv[1]
ds = tf.data.TFRecordDataset(d + '/ours.tfrecord', compression_type='GZIP')
for r in ds:
    e = tf.train.Example.FromString(r.numpy())
    print(int(np.frombuffer(e.features.feature['image/encoded'].bytes_list.value[0], '<u2')[0]))
with tf.io.TFRecordWriter(d + '/theirs.tfrecord') as w:
    for i in range(2):
        e = tf.train.Example(features=tf.train.Features(feature={'v': tf.train.Feature(float_list=tf.train.FloatList(value=[i, 0.5]))}))
        w.write(e.SerializeToString())
`;
      const out = python(script, [dir], 'tensorflow');
      expect(out.trim().split('\n').map(Number)).toEqual(pixels.map((p) => p[0]));
      const theirs: Example[] = await readExamples(join(dir, 'theirs.tfrecord'));
      expect(theirs[1]!.features.v).toEqual({ kind: 'float', value: Float32Array.of(1, 0.5) });
    });
  },
);
