/**
 * Bad input: truncated, mutated and oversized HDF5 files give only typed errors (no crash,
 * no hang, no allocation beyond what the file justifies).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../core/errors.js';
import { sharedDataDir } from '../../core/paths.js';
import {
  expectOnlyTypedErrors,
  mutations,
  truncations,
} from '../../../test/support/formats/fuzz.js';
import { h5 } from './client.js';
import { openHdf5 } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'bragg-h5f-'));
afterAll(async () => {
  await h5.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** Each case gets its own file name: HDF5 identifies open files by name. */
function place(bytes: Uint8Array): string {
  const p = join(dir, `case${n++}.h5`);
  writeFileSync(p, bytes);
  return p;
}

/** Open, list, and read every dataset (small ones whole, big ones one frame). */
async function exercise(path: string): Promise<void> {
  const f = await openHdf5(path);
  try {
    for (const d of f.datasets) {
      const size = d.shape.reduce((a, b) => a * b, 1);
      await f.read(d.name, size > 1e5 && d.shape.length > 0 ? { frame: 0 } : undefined);
    }
  } finally {
    await f.close();
  }
}

const source = join(sharedDataDir(), 'nexus', 'exampledata', 'hdf5', 'writer_1_3.h5');

describe.skipIf(!existsSync(source))('HDF5 bad input (real file writer_1_3.h5)', () => {
  // Read only when the corpus is there: a skipped describe's body still runs at collection.
  const bytes = existsSync(source) ? new Uint8Array(readFileSync(source)) : new Uint8Array(0);

  it('truncations at many offsets: only typed errors', async () => {
    const outcomes = { ok: 0, typed: 0 };
    for (const t of truncations(bytes, 48)) {
      const r = await expectOnlyTypedErrors(() => exercise(place(t)));
      if (r === 'ok') outcomes.ok++;
      else outcomes.typed++;
    }
    // every strict prefix loses the end of the file the superblock declares
    expect(outcomes.ok).toBe(0);
    expect(outcomes.typed).toBeGreaterThan(48);
  });

  it('600 seeded mutations (header-weighted): only typed errors, nothing hangs', async () => {
    const cases = [...mutations(bytes, 0x5eed, 300, 2048), ...mutations(bytes, 0xbad, 300)];
    let typed = 0;
    for (const c of cases) {
      const r = await expectOnlyTypedErrors(() => exercise(place(c.bytes)));
      if (r !== 'ok') {
        typed++;
        expect(r, `seed ${c.seed} case ${c.index}`).toBeInstanceOf(Error);
      }
    }
    expect(typed).toBeGreaterThan(0);
    // the worker still answers correctly after all that
    const f = await openHdf5(source);
    const d = await f.read('/Scan/data/counts');
    expect((d.array.data as Int32Array)[13]).toBe(66863);
    await f.close();
  }, 300_000);
});

describe('HDF5 declared sizes', () => {
  it('a chunked dataset declared far larger than the file: frame reads work, whole read is refused', async () => {
    // a stack grown to 10^6 frames that were never written: the file stays small
    const big = join(dir, 'huge2.nxs');
    const h = (await h5.call({ op: 'create', path: big }, big, 'x')) as { handle: number };
    await h5.call(
      {
        op: 'dataset',
        handle: h.handle,
        path: '/data',
        dtype: '<i',
        shape: [1, 195, 487],
        maxshape: [null, 195, 487],
        chunks: [1, 195, 487],
        data: new Int32Array(195 * 487),
        attrs: [],
      },
      big,
      'x',
    );
    await h5.call(
      { op: 'resize', handle: h.handle, path: '/data', shape: [1_000_000, 195, 487] },
      big,
      'x',
    );
    await h5.call({ op: 'close', handle: h.handle }, big, 'x');

    const f = await openHdf5(big);
    try {
      expect(f.datasets[0]!.shape).toEqual([1_000_000, 195, 487]);
      const fr = await f.read('/data', { frame: 999_999 });
      expect(fr.array.shape).toEqual([195, 487]);
      const err = await f.read('/data').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message).toContain('far larger than the file');
    } finally {
      await f.close();
    }
  });

  it('a file that is not HDF5 is refused before reaching the library', async () => {
    const p = place(new TextEncoder().encode('not an hdf5 file at all'));
    const err = await openHdf5(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).expected).toContain('HDF');
  });
});
