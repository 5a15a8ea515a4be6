import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndarray } from '../../../core/ndarray.js';
import { sharedDataDir } from '../../../core/paths.js';
import { encodeTiff } from '../../../formats/image/tiff-write.js';
import { writeNpy } from '../../../formats/npy/npy.js';
import { openMaskFile } from '../labels/label-file.js';
import { DEAD_VALUE, planScan, renderFrame } from '../synthetic/scene.js';
import { writeSyntheticScan } from '../synthetic/write-scan.js';
import { I16_STACK, openScan, parseFrameRange } from './input.js';
import { fixDeadPixels, minMaxNormalise } from './preprocess.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-peaks-input-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('preprocessing', () => {
  it('replaces a dead pixel by the mean of its positive 4-neighbours', () => {
    // prettier-ignore
    const f = Float32Array.from([
      1, 4, 1,
      2, -2, 6,
      1, -1, 1,
    ]);
    expect(fixDeadPixels(f, 3, 3)).toBe(2);
    expect(f[4]).toBe(4); // (4 + 2 + 6) / 3; the −1 below is not positive
    expect(f[7]).toBe(1); // (1 + 1) / 2
  });

  it('treats pixel-mask pixels as dead and ignores them as neighbours', () => {
    const f = Float32Array.from([5, 100, 7]);
    const mask = Uint8Array.from([0, 1, 0]);
    fixDeadPixels(f, 1, 3, mask);
    expect(f[1]).toBe(6);
  });

  it('normalises a frame onto [0, 1] (min–max)', () => {
    expect(Array.from(minMaxNormalise(Float32Array.from([2, 4, 6])))).toEqual([0, 0.5, 1]);
    expect(Array.from(minMaxNormalise(Float32Array.from([3, 3])))).toEqual([0, 0]);
  });
});

describe('openScan', () => {
  it('reads frame ranges of a scan in the I16 layout, with its pixel mask and eta axis', async () => {
    const plan = planScan({ frames: 5, height: 30, width: 50, seed: 11 });
    const scan = join(dir, 'scan.nxs');
    await writeSyntheticScan(plan, scan, join(dir, 'scan_labels.h5'));
    const s = await openScan(scan);
    try {
      expect(s.info).toMatchObject({ dataset: I16_STACK, frames: 5, height: 30, width: 50 });
      expect(s.info.pixelMaskPath).toBe('/entry1/instrument/pil3_100k/pixel_mask');
      expect(s.info.scanAxis?.name).toBe('eta');
      const b = await s.read(1, 3);
      expect(b.data.length).toBe(2 * 30 * 50);
      const raw = renderFrame(plan, 2).counts;
      for (const i of plan.dead) {
        expect(raw[i]).toBe(DEAD_VALUE);
        expect(b.data[30 * 50 + i]!).toBeGreaterThanOrEqual(0);
      }
      // An untouched pixel reads as written.
      const good = [...raw.keys()].find(
        (i) => raw[i]! > 0 && !plan.masked.includes(i) && !plan.dead.includes(i),
      )!;
      expect(b.data[30 * 50 + good]).toBe(raw[good]);
      await expect(s.read(4, 6)).rejects.toThrow(/outside the scan's 5 frames/);
    } finally {
      await s.close();
    }
    const labels = await openMaskFile(join(dir, 'scan_labels.h5'));
    try {
      expect(labels.kind).toBe('truth');
      expect(Array.from(labels.frameIndex)).toEqual([0, 1, 2, 3, 4]);
      const m = await labels.read(2, 3);
      expect(Array.from(m)).toEqual(Array.from(renderFrame(plan, 2).truth));
    } finally {
      await labels.close();
    }
  });

  it('reads an NPY stack frame by frame', async () => {
    const p = join(dir, 'stack.npy');
    const data = Int32Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
    data[1 * 20 + 7] = -2;
    await writeFile(p, writeNpy(ndarray('int32', [3, 4, 5], data)));
    const s = await openScan(p);
    try {
      expect(s.info.frames).toBe(3);
      const b = await s.read(1, 2);
      expect(b.data[7]).toBe((26 + 28 + 22 + 32) / 4);
    } finally {
      await s.close();
    }
  });

  it('reads a multi-page TIFF stack frame by frame', async () => {
    const p = join(dir, 'stack.tif');
    const data = Uint16Array.from({ length: 4 * 6 * 5 }, (_, i) => i % 97);
    await writeFile(p, encodeTiff(ndarray('uint16', [4, 6, 5], data)));
    const s = await openScan(p);
    try {
      expect(s.info).toMatchObject({ dataset: 'stack', frames: 4, height: 6, width: 5 });
      const b = await s.read(2, 4);
      expect(Array.from(b.data)).toEqual(Array.from(data.subarray(60, 120)));
    } finally {
      await s.close();
    }
  });

  it('parses frame ranges', () => {
    expect(parseFrameRange(undefined, 10)).toEqual([0, 10]);
    expect(parseFrameRange('2:5', 10)).toEqual([2, 5]);
    expect(parseFrameRange(':4', 10)).toEqual([0, 4]);
    expect(parseFrameRange('7:', 10)).toEqual([7, 10]);
    expect(() => parseFrameRange('5:20', 10)).toThrow(/past the scan/);
    expect(() => parseFrameRange('x', 10)).toThrow(/not a:b/);
  });

  const I16 = join(sharedDataDir(), 'nexus', 'exampledata', 'DLS', 'i16', 'hdf5', '538039.nxs');
  it.skipIf(!existsSync(I16))('names the missing external file of a real I16 scan', async () => {
    await expect(openScan(I16)).rejects.toThrow(/538039-pilatus100k-files\/538039\.hdf/);
  });
});
