/**
 * Listing an npz reads only its members' headers: a deflated member of 3 GiB (3 MB on disk)
 * is listed with its shape while memory grows by a few MB, not by the member (the header was
 * inflated in pushes of 1 MiB of compressed bytes before: over 1 GB at once for zeros).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../core/errors.js';
import { writeHugeMemberNpz } from '../../../test/support/formats/npy/huge-member.js';
import { npzReader } from './reader.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-npz-header-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npz listing of a huge deflated member', () => {
  it('gives the shape with memory bounded by the header, not the member', async () => {
    const file = join(dir, 'big.npz');
    const size = await writeHugeMemberNpz(file, 192);
    const before = process.resourceUsage().maxRSS; // KiB
    const opened = await npzReader.open(file);
    const grew = (process.resourceUsage().maxRSS - before) * 1024;
    expect(opened.datasets.map((d) => [d.name, d.shape, d.dtype])).toEqual([
      ['big', [size - 128], 'uint8'],
    ]);
    // The file is read whole (3 MB); the header prefix adds at most ~1 MB per push.
    expect(grew).toBeLessThan(200 * 2 ** 20);
    await opened.close();
  }, 30_000);

  it('a member whose stream ends inside the header is a FormatError naming the member', async () => {
    const { writeFile, readFile } = await import('node:fs/promises');
    const file = join(dir, 'cut.npz');
    await writeHugeMemberNpz(file, 1);
    const bytes = new Uint8Array(await readFile(file));
    // Corrupt the start of the deflate stream (right after the 30-byte local header + name).
    bytes.fill(0xff, 37, 37 + 64);
    await writeFile(join(dir, 'bad.npz'), bytes);
    const err = await npzReader.open(join(dir, 'bad.npz')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).message).toMatch(/big\.npy/);
  });
});
