import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, NotFoundError, ValidationError } from './errors.js';
import {
  FileSource,
  MemorySource,
  openSource,
  readAll,
  readerAt,
  readStream,
  withSource,
} from './source.js';

const dir = mkdtempSync(join(tmpdir(), 'bragg-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BYTES = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
const file = join(dir, 'x.bin');
writeFileSync(file, BYTES);

async function* chunks(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.slice(i, i + size);
}

function web(b: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i >= b.length) c.close();
      else c.enqueue(b.slice(i, (i += size)));
    },
  });
}

describe('byte sources', () => {
  it('a path, bytes and three kinds of stream give the same bytes, by offset', async () => {
    const inputs = [
      file,
      { bytes: BYTES, name: 'mem.bin' },
      { stream: Readable.from(chunks(BYTES, 100)), name: 'node.bin' },
      { stream: web(BYTES, 333), name: 'web.bin' },
      { stream: chunks(BYTES, 1000), name: 'iter.bin', size: BYTES.length },
    ];
    for (const input of inputs) {
      const s = await openSource(input);
      expect(s.size).toBe(BYTES.length);
      expect(s.read(1234, 10)).toEqual(BYTES.subarray(1234, 1244));
      expect(readAll(s)).toEqual(BYTES);
      s.close();
      s.close(); // idempotent
    }
  });

  it('names the source: the path as given, or the name that came with the bytes', async () => {
    const f = await openSource(file);
    expect([f.name, f.path, f.bytes]).toEqual([file, file, undefined]);
    f.close();
    const m = await openSource({ bytes: BYTES, name: 'up.dm4' });
    expect([m.name, m.path, m.bytes]).toEqual(['up.dm4', undefined, BYTES]);
    const s = new MemorySource(BYTES, 'given');
    expect(await openSource(s)).toBe(s);
  });

  it('reads past the end are FormatErrors naming the source, the offset and what was wanted', () => {
    for (const s of [new FileSource(file), new MemorySource(BYTES, file)]) {
      let err: unknown;
      try {
        s.read(2990, 20, 'DM');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).file).toBe(file);
      expect((err as FormatError).offset).toBe(2990);
      expect((err as Error).message).toMatch(/^DM: read past the end.*20 bytes.*10 bytes left/);
      expect(() => s.read(-1, 1)).toThrow(FormatError);
      expect(() => s.readInto(0, 1.5, new Uint8Array(2))).toThrow(FormatError);
      s.close();
    }
  });

  it('a ByteReader over a window reports offsets in the source', () => {
    const r = readerAt(new MemorySource(BYTES, 'w.bin'), 1000, 8, 'TIFF');
    expect(r.u8()).toBe(BYTES[1000]);
    expect(() => r.take(100)).toThrow(/byte offset 1001/);
  });

  it('a missing file is a NotFoundError; a read after close a ValidationError', async () => {
    await expect(openSource(join(dir, 'nope'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(openSource(dir)).rejects.toBeInstanceOf(NotFoundError);
    const f = new FileSource(file);
    f.close();
    expect(() => f.read(0, 1)).toThrow(ValidationError);
  });

  it('a stream over the limit is a ValidationError, before it is all read', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield new Uint8Array(1000);
      }
    }
    const err = await readStream({ stream: endless(), name: 'big.bin' }, 4500).catch((e: unknown) => e); // prettier-ignore
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('maxBytes');
    expect((err as Error).message).toMatch(/big\.bin.*4500 bytes/);
    expect(pulled).toBe(5);
    // a declared size over the limit is refused before reading
    const declared = { stream: Readable.from(chunks(BYTES, 10)), name: 'd.bin', size: 3000 };
    await expect(openSource(declared, { maxBytes: 2999 })).rejects.toBeInstanceOf(ValidationError);
    await expect(openSource({ stream: chunks(BYTES, 10), name: 'ok' }, { maxBytes: 3000 })).resolves.toBeDefined(); // prettier-ignore
  });

  it('a stream that ends short of its declared size, or fails, is a FormatError', async () => {
    const short = { stream: chunks(BYTES.subarray(0, 100), 30), name: 'cut.bin', size: 3000 };
    await expect(openSource(short)).rejects.toThrow(/truncated stream.*3000 bytes, found 100 bytes \(cut\.bin/); // prettier-ignore
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    const err = await openSource({ stream: failing, name: 'up.bin' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/connection reset.*up\.bin/);
    async function* words(): AsyncGenerator<unknown> {
      yield 42;
    }
    await expect(openSource({ stream: words() as AsyncIterable<Uint8Array>, name: 'n' })).rejects.toBeInstanceOf(ValidationError); // prettier-ignore
  });

  it('withSource closes the source after use, also when the use throws', async () => {
    let seen: FileSource | undefined;
    await expect(
      withSource(file, (s) => {
        seen = s as FileSource;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(() => seen!.read(0, 1)).toThrow(/closed/);
  });
});
