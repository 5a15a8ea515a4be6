/**
 * Bad input: truncations, seeded byte mutations (concentrated on the tag tree), declared
 * sizes far beyond the file, and crafted trees. Only typed errors (BraggError) may come out;
 * nothing may hang or allocate more than the file can hold.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BraggError, FormatError } from '../../core/errors.js';
import { sharedDataDir } from '../../core/paths.js';
import {
  expectOnlyTypedErrors,
  mutations,
  truncations,
} from '../../../test/support/formats/fuzz.js';
import { openDmBytes } from './reader.js';
import { MAX_DEPTH } from './tags.js';
import { dmBytes, type WTag } from '../../../test/support/formats/dm/writer.js';

const dir = join(sharedDataDir(), 'dm');

/** Open and read every dataset (and one frame of each multi-frame one). */
async function openAndReadAll(bytes: Uint8Array): Promise<void> {
  const f = openDmBytes(bytes, 'fuzz.dm');
  for (const d of f.datasets) {
    const got = await f.read(d.name);
    // Never more elements than the file has bytes (×2: packed complex unpacks to ~2×).
    expect(got.array.data.length).toBeLessThanOrEqual(2 * bytes.length + 16);
    if (d.shape.length > 1 && d.shape[0]! > 0) await f.read(d.name, { frame: d.shape[0]! - 1 });
  }
  await f.close();
}

/** A synthetic big-endian DM4 with several image types and a tag of every kind. */
function synthetic(): Uint8Array {
  return dmBytes({
    version: 4,
    littleEndian: false,
    rootTags: [
      {
        label: 'pair',
        value: {
          struct: [
            { t: 'float32', v: 1 },
            { t: 'int64', v: 2n },
          ],
        },
      },
      { label: 'rows', value: { arrayOfStructs: ['uint16', 'float64'], values: [[1, 2]] } },
      { label: 'text', value: { text: 'hello' } },
    ],
    images: [
      { dataType: 2, dims: [4, 3, 2], pixels: new Uint8Array(96) },
      { dataType: 27, dims: [4, 4], pixels: new Uint8Array(4 * 3 * 8) },
      { dataType: 39, dims: [3], pixels: new Uint8Array(24) },
      { dataType: 23, dims: [2, 2], pixels: new Uint8Array(16) },
    ],
  });
}

function corpus(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(dir, rel)));
}

/** Byte offset of the first image's pixel data: the tag tree before it is where mutations bite. */
function tagRegion(bytes: Uint8Array): number {
  const f = openDmBytes(bytes);
  return Math.max(64, Math.max(...f.images.map((im) => im.data.offset)));
}

async function checkAll(inputs: Uint8Array[]): Promise<{ ok: number; errors: number }> {
  let ok = 0;
  let errors = 0;
  for (const b of inputs) {
    const r = await expectOnlyTypedErrors(() => openAndReadAll(b));
    if (r === 'ok') ok++;
    else errors++;
  }
  return { ok, errors };
}

describe('DM bad input', () => {
  it('synthetic file: every truncation gives a FormatError', async () => {
    const bytes = synthetic();
    await openAndReadAll(bytes); // the intact file reads
    for (const t of truncations(bytes, 200)) {
      // The 8 (DM4) zero bytes after the root group are padding: cutting them leaves a valid tree.
      if (t.length >= bytes.length - 8) continue;
      const r = await expectOnlyTypedErrors(() => openAndReadAll(t));
      expect(r, `truncated at ${t.length}`).toBeInstanceOf(FormatError);
    }
  });

  it('synthetic file: 600 seeded mutations of the tag tree give only typed errors', async () => {
    const bytes = synthetic();
    const res = await checkAll(mutations(bytes, 0xd4d4, 600, tagRegion(bytes)).map((m) => m.bytes));
    expect(res.ok + res.errors).toBe(600);
    expect(res.errors).toBeGreaterThan(0);
  });

  describe.skipIf(!existsSync(dir))('corpus files', () => {
    const files = [
      'rosettasciio/2D/test-1.dm3',
      'rosettasciio/2D/test_fft_packed_complex8.dm4',
      'rosettasciio/1D/test-23.dm4',
    ];
    it.each(files)('%s: truncations at 100 offsets give FormatErrors', async (rel) => {
      const bytes = corpus(rel);
      for (const t of truncations(bytes, 100)) {
        if (t.length >= bytes.length - 8) continue;
        const r = await expectOnlyTypedErrors(() => openAndReadAll(t));
        expect(r, `truncated at ${t.length}`).toBeInstanceOf(FormatError);
      }
    });

    it.each(files)('%s: 500 seeded mutations (tag tree) give only typed errors', async (rel) => {
      const bytes = corpus(rel);
      const res = await checkAll(mutations(bytes, 2024, 500, tagRegion(bytes)).map((m) => m.bytes));
      expect(res.ok + res.errors).toBe(500);
    });
  });

  it('declared image dimensions far larger than the file are refused before allocating', () => {
    const bytes = dmBytes({
      version: 4,
      littleEndian: true,
      images: [{ dataType: 2, dims: [2, 2], pixels: new Uint8Array(16) }],
    });
    // Rewrite the Dimensions values (uint32 2, 2 at the end of the tree) to 2^31 − 1.
    const huge = dmBytes({
      version: 4,
      littleEndian: true,
      images: [{ dataType: 2, dims: [0x7fffffff, 0x7fffffff], pixels: new Uint8Array(16) }],
    });
    expect(huge.length).toBe(bytes.length);
    expect(() => openDmBytes(huge)).toThrow(/image data size does not match its dimensions/);
  });

  it('an array length beyond the end of the file is refused (DM3 and DM4)', () => {
    for (const version of [3, 4] as const) {
      const bytes = dmBytes({
        version,
        littleEndian: true,
        thumbnail: false,
        images: [],
        rootTags: [{ label: 'a', value: { array: 'float64', values: [1, 2] } }],
      });
      // The array length is the last info word, right before the 16 data bytes; then come the
      // empty ImageList group tag (DM4: 30 bytes, DM3: 18) and 8/4 bytes of padding.
      const w = version === 4 ? 8 : 4;
      const at = bytes.length - w - (version === 4 ? 30 : 18) - 16 - w;
      const v = new DataView(bytes.buffer);
      if (version === 4) v.setBigUint64(at, 2n ** 50n, false);
      else v.setUint32(at, 0xffffffff, false);
      expect(() => openDmBytes(bytes)).toThrow(/array longer than the file/);
    }
  });

  it('a tag count beyond what the file can hold is refused', () => {
    const bytes = dmBytes({ version: 4, littleEndian: true, thumbnail: false, images: [] });
    new DataView(bytes.buffer).setBigUint64(18, 2n ** 52n, false); // root tag count
    expect(() => openDmBytes(bytes)).toThrow(/tag count larger than the file can hold/);
  });

  it(`groups nested deeper than ${MAX_DEPTH} levels are refused without overflowing the stack`, () => {
    let g: WTag = { label: 'leaf', value: { t: 'int32', v: 1 } };
    for (let i = 0; i < 300; i++) g = { label: 'g', group: [g] };
    const bytes = dmBytes({
      version: 3,
      littleEndian: true,
      thumbnail: false,
      images: [],
      rootTags: [g],
    });
    expect(() => openDmBytes(bytes)).toThrow(/nested too deeply/);
  });

  it('non-DM input and unknown versions are FormatErrors naming the version', () => {
    expect(() => openDmBytes(new TextEncoder().encode('not a dm file at all, just text'))).toThrow(
      /not a DM3\/DM4 file/,
    );
    const err = (() => {
      try {
        openDmBytes(Uint8Array.of(0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BraggError);
    expect((err as FormatError).found).toBe('5');
  });
});
