import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../../formats/image/png.js';
import { openMaskFile } from '../labels/label-file.js';
import { openScan } from '../scan/input.js';
import { planScan } from '../synthetic/scene.js';
import { writeSyntheticScan } from '../synthetic/write-scan.js';
import { predictScan } from './predict.js';
import { MAX_ROWS, MIN_ROWS, ProjectionAccumulator, projectionPng } from './projections.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-peaks-proj-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ProjectionAccumulator', () => {
  it('takes the max of the peak voxels along each axis, ignoring background voxels', () => {
    // 2 frames of 2 × 3; frame 0 has a peak at (0, 1) = 5 and (1, 1) = 7; frame 1 at (1, 2) = 3
    const counts = Float32Array.from([9, 5, 9, 9, 7, 9, 9, 9, 9, 9, 9, 3]);
    const masks = Uint16Array.from([0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2]);
    const acc = new ProjectionAccumulator(2, 2, 3);
    acc.add(0, counts.subarray(0, 6), masks.subarray(0, 6));
    acc.add(1, counts.subarray(6), masks.subarray(6));
    const [fx, fy, yx] = acc.projections();
    expect(Array.from(fx!.data)).toEqual([0, 7, 0, 0, 0, 3]); // frame × x: max over y
    expect(Array.from(fy!.data)).toEqual([5, 7, 0, 3]); // frame × y: max over x
    expect(Array.from(yx!.data)).toEqual([0, 5, 0, 0, 7, 3]); // y × x: max over frames
  });

  it('bins long scans into at most MAX_ROWS rows and refuses blocks that do not fit', () => {
    const n = MAX_ROWS * 2;
    const acc = new ProjectionAccumulator(n, 1, 1);
    acc.add(n - 1, Float32Array.of(4), Uint16Array.of(1));
    expect(acc.rows).toBe(MAX_ROWS);
    expect(acc.projections()[0]!.data[MAX_ROWS - 1]).toBe(4);
    expect(() => acc.add(n, Float32Array.of(1), Uint16Array.of(1))).toThrow(/does not fit/);
    expect(() => new ProjectionAccumulator(0, 2, 2)).toThrow(/projection/);
  });

  it('renders log counts with viridis, rows repeated', () => {
    const png = projectionPng(
      { name: 'frame_x', rows: 2, cols: 2, data: Float32Array.from([0, 0, 0, 100]) },
      3,
    );
    const d = decodePng(png).array;
    expect(d.shape).toEqual([6, 2]);
    const px = d.data as Uint8Array;
    // background (0) is viridis' dark purple, the max its yellow
    expect(Array.from(px.subarray(0, 3))).toEqual([68, 1, 84]);
    expect(px[3 * 11 + 0]).toBeGreaterThan(200);
    expect(px[3 * 11 + 1]).toBeGreaterThan(200);
  });
});

describe('predictScan projections', () => {
  it('writes the three max-projections of the predicted volume', async () => {
    const plan = planScan({ frames: 6, height: 40, width: 60, seed: 5, density: 2 });
    const scanPath = join(dir, 'p.nxs');
    await writeSyntheticScan(plan, scanPath, join(dir, 'p_labels.h5'));
    const out = join(dir, 'out');
    const r = await predictScan({ scan: scanPath, outDir: out, method: 'classic', overlays: 0 });
    expect(r.projections?.map((p) => p.slice(out.length + 1))).toEqual([
      'p_projection_frame_x.png',
      'p_projection_frame_y.png',
      'p_projection_y_x.png',
    ]);
    const shapes = await Promise.all(
      r.projections!.map(async (p) => decodePng(new Uint8Array(await readFile(p))).array.shape),
    );
    const rep = Math.min(8, Math.ceil(MIN_ROWS / 6));
    expect(shapes).toEqual([
      [6 * rep, 60],
      [6 * rep, 40],
      [40, 60],
    ]);
    // the y × x image is bright exactly where some frame has a predicted peak pixel
    const m = await openMaskFile(r.masks);
    const s = await openScan(scanPath);
    try {
      const masks = await m.read(0, 6);
      expect(masks.some((v) => v > 0)).toBe(true);
      const any = new Uint8Array(40 * 60);
      for (let i = 0; i < masks.length; i++) if (masks[i]) any[i % (40 * 60)] = 1;
      const yx = decodePng(new Uint8Array(await readFile(r.projections![2]!))).array
        .data as Uint8Array;
      for (let i = 0; i < any.length; i++) {
        const bg = yx[3 * i] === 68 && yx[3 * i + 1] === 1 && yx[3 * i + 2] === 84;
        expect(bg).toBe(any[i] === 0);
      }
    } finally {
      await m.close();
      await s.close();
    }
  });
});
