/**
 * Bad input: truncated records, flipped bits (a CRC mismatch names the record and its offset),
 * declared lengths far beyond the file, ≥ 500 seeded mutations, damaged GZIP. Only typed
 * errors may come out, and nothing larger than the file is allocated.
 */
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../core/errors.js';
import {
  expectOnlyTypedErrors,
  mutations,
  truncations,
} from '../../../test/support/formats/fuzz.js';
import {
  genericExamples,
  singleShotExamples,
} from '../../../test/support/formats/tfrecord/fixtures.js';
import { maskedCrc32c } from './crc32c.js';
import { encodeRecord } from './framing.js';
import { openTfrecord } from './reader.js';
import { examplesToTfrecord } from './writer.js';

async function openAndReadAll(bytes: Uint8Array): Promise<void> {
  const f = await openTfrecord({ bytes, name: 'bad.tfrecord' });
  try {
    for (const d of f.datasets) {
      const a = await f.read(d.name);
      // never more elements than the file has bytes
      expect(a.array.data.length).toBeLessThanOrEqual(bytes.length * 1032 + 16);
      if (d.shape[0]! > 0) await f.read(d.name, { frame: d.shape[0]! - 1 });
    }
  } finally {
    await f.close();
  }
}

async function formatError(bytes: Uint8Array): Promise<FormatError> {
  const r = await expectOnlyTypedErrors(() => openAndReadAll(bytes));
  expect(r).toBeInstanceOf(FormatError);
  return r as FormatError;
}

const single = examplesToTfrecord(singleShotExamples(3, 4, 4, 11, 2).examples);
const recordSize = single.length / 3;

describe('TFRecord bad input', () => {
  it('a flipped bit in a record’s data is a CRC error naming that record and its offset', async () => {
    const b = new Uint8Array(single);
    b[recordSize + 40]! ^= 0x10; // inside record 1's data
    const e = await formatError(b);
    expect(e.message).toMatch(/record 1: the CRC-32C of the data does not match/);
    expect(e.offset).toBe(recordSize);
    expect(e.file).toBe('bad.tfrecord');
  });

  it('a flipped bit in a length is a length-CRC error naming the record', async () => {
    const b = new Uint8Array(single);
    b[2 * recordSize + 1]! ^= 0x01;
    const e = await formatError(b);
    expect(e.message).toMatch(/record 2: the CRC-32C of the length does not match/);
    expect(e.offset).toBe(2 * recordSize);
  });

  it('a length beyond the file is refused before allocating', async () => {
    // a valid header (its CRC holds) declaring 2^40 bytes
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(4, 256, true);
    new DataView(huge.buffer).setUint32(8, maskedCrc32c(huge.subarray(0, 8)), true);
    const e = await formatError(huge);
    expect(e.message).toMatch(/record 0: record (longer than the file|larger than bragg reads)/);
  });

  it('every truncation of an uncompressed and a GZIP file gives only typed errors', async () => {
    const gz = examplesToTfrecord(genericExamples(4), 'gzip');
    for (const bytes of [single, gz]) {
      for (const t of truncations(bytes, 48)) {
        const r = await expectOnlyTypedErrors(() => openAndReadAll(t));
        // a cut exactly at a record boundary is a valid, shorter file
        if (r !== 'ok') expect(r).toBeInstanceOf(FormatError);
      }
    }
  });

  it('a truncated record names the record', async () => {
    const e = await formatError(single.subarray(0, recordSize + 20));
    expect(e.message).toMatch(/record 1: /);
  });

  it('a damaged GZIP stream is a FormatError', async () => {
    const gz = examplesToTfrecord(genericExamples(4), 'gzip');
    const b = new Uint8Array(gz);
    b[gz.length - 6]! ^= 0xff; // the gzip trailer's CRC
    await formatError(b);
  });

  it('500 seeded mutations give only typed errors', async () => {
    const base = examplesToTfrecord(genericExamples(3));
    for (const m of mutations(base, 1414, 500)) {
      await expectOnlyTypedErrors(() => openAndReadAll(m.bytes));
    }
  });

  it('mutated record payloads with valid CRCs (bad protobuf) give only typed errors', async () => {
    const payload = examplesToTfrecord(genericExamples(1)).subarray(12, -4);
    for (const m of mutations(new Uint8Array(payload), 99, 500)) {
      const r = await expectOnlyTypedErrors(() => openAndReadAll(encodeRecord(m.bytes)));
      if (r !== 'ok') expect(r.message).toMatch(/record 0/);
    }
  });
});
