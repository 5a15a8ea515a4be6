import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { sharedDataDir } from '../../src/core/paths.js';
import { openHdf5 } from '../../src/formats/hdf5/index.js';
import { decodePng } from '../../src/formats/image/png.js';
import { parseCsv } from '../../src/formats/table/csv.js';
import { openMaskFile } from '../../src/workflows/peaks/labels/label-file.js';
import { pythonWith } from '../support/core/python.js';

// the first Python with h5py (PATH's, else Debian's); the test skips without one
const h5pyPython = pythonWith('h5py');
const CSV = join(sharedDataDir(), 'labels', 'dipid', 'clean_full_dataset.csv');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-peaks-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Run the CLI, returning the exit code and what it wrote on stdout. */
async function run(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(typeof c === 'string' ? c : Buffer.from(c).toString());
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['node', 'bragg', ...args]);
    return { code, out: chunks.join('') };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

const lastJson = (out: string): Record<string, unknown> =>
  JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;

describe('bragg peaks (CLI)', () => {
  it('simulates a resumable dataset, same seed → same bytes', async () => {
    const db = join(dir, 'runs.sqlite');
    const sim = (out: string) =>
      run([
        'peaks',
        'simulate',
        '-o',
        out,
        '--frames',
        '6',
        '--scans',
        '2',
        '--seed',
        '5',
        '--detector',
        '96x64',
        '--db',
        db,
        '--json',
      ]);
    const a = await sim(join(dir, 'a'));
    expect(a.code).toBe(0);
    expect(lastJson(a.out)).toMatchObject({ status: 'completed', scans: 2 });
    const manifest = JSON.parse(await readFile(join(dir, 'a', 'manifest.json'), 'utf8')) as {
      complete: boolean;
      scans: { scan: string; labels: string }[];
    };
    expect(manifest.complete).toBe(true);
    expect(manifest.scans.map((s) => s.scan)).toEqual(['scan_0000.nxs', 'scan_0001.nxs']);
    // rerun: both scans skipped
    const again = await sim(join(dir, 'a'));
    expect(lastJson(again.out)).toMatchObject({ status: 'completed', skippedScans: 2 });
    // a lost label file is computed again, to the same bytes
    const labels = await readFile(join(dir, 'a', 'scan_0001_labels.h5'));
    await unlink(join(dir, 'a', 'scan_0001_labels.h5'));
    expect((await sim(join(dir, 'a'))).code).toBe(0);
    expect((await readFile(join(dir, 'a', 'scan_0001_labels.h5'))).equals(labels)).toBe(true);
    // another folder, same seed, scans in parallel on the worker pool: the same bytes
    const b = await run([
      'peaks', 'simulate', '-o', join(dir, 'b'), '--frames', '6', '--scans', '2', '--seed', '5',
      '--detector', '96x64', '--db', db, '--workers', '2', '--json',
    ]); // prettier-ignore
    expect(b.code).toBe(0);
    for (const f of ['scan_0000.nxs', 'scan_0001.nxs', 'scan_0001_labels.h5']) {
      const s1 = await readFile(join(dir, 'a', f));
      const s2 = await readFile(join(dir, 'b', f));
      expect(s1.equals(s2)).toBe(true);
    }
  });

  it('predicts a frame range with the classic finder and evaluates it', async () => {
    const scan = join(dir, 'a', 'scan_0000.nxs');
    const out = join(dir, 'pred');
    const p = await run([
      'peaks',
      'predict',
      scan,
      '--frames',
      '1:5',
      '--method',
      'classic',
      '-o',
      out,
      '--overlays',
      '2',
      '--json',
    ]);
    expect(p.code).toBe(0);
    const summary = lastJson(p.out);
    expect(summary).toMatchObject({
      frames: [1, 5],
      method: 'classic',
      dataset: '/entry1/pil3_100k/data',
    });
    const masks = await openMaskFile(join(out, 'scan_0000_masks.h5'));
    try {
      expect(Array.from(masks.frameIndex)).toEqual([1, 2, 3, 4]);
      expect([masks.height, masks.width]).toEqual([64, 96]);
      expect(masks.kind).toBe('prediction');
    } finally {
      await masks.close();
    }
    const table = parseCsv(await readFile(join(out, 'scan_0000_peaks.csv'), 'utf8'));
    expect(table.columns.map((c) => c.name)).toEqual([
      'frame', 'id', 'centroid_y', 'centroid_x', 'bbox_y0', 'bbox_x0', 'bbox_y1', 'bbox_x1', 'area', 'intensity', 'confidence',
    ]); // prettier-ignore
    expect(table.rowCount).toBe(summary.peaks);
    const vol = await openHdf5(join(out, 'scan_0000_volume.nxs'));
    try {
      expect(vol.defaultDataset).toBe('/entry/volume/data');
      const info = vol.datasets.find((d) => d.name === '/entry/volume/data')!;
      expect(info.shape).toEqual([4, 64, 96]);
      expect(info.axes[0]!.name).toBe('eta');
    } finally {
      await vol.close();
    }
    const overlays = summary.overlays as string[];
    expect(overlays.length).toBe(2);
    const png = decodePng(new Uint8Array(await readFile(overlays[0]!)));
    expect(png.array.shape.slice(0, 2)).toEqual([2 * 64 + 4, 2 * 96 + 4]);

    const e = await run([
      'peaks',
      'evaluate',
      '--pred',
      join(out, 'scan_0000_masks.h5'),
      '--truth',
      join(dir, 'a', 'scan_0000_labels.h5'),
      '--json',
    ]);
    expect(e.code).toBe(0);
    const ev = JSON.parse(e.out) as {
      summary: { frames: number; f1: number };
      missingFrames: number;
    };
    expect(ev.summary.frames).toBe(4);
    expect(ev.missingFrames).toBe(2);
    // truth against itself: perfect
    const self = await run([
      'peaks',
      'evaluate',
      '--pred',
      join(dir, 'a', 'scan_0000_labels.h5'),
      '--truth',
      join(dir, 'a', 'scan_0000_labels.h5'),
      '--json',
    ]);
    const sv = JSON.parse(self.out) as {
      summary: { fp: number; fn: number; meanIoU: number | null };
    };
    expect(sv.summary.fp).toBe(0);
    expect(sv.summary.fn).toBe(0);
  });

  it.skipIf(h5pyPython === undefined)(
    'writes masks h5py reads (python3 h5py; skipped without it)',
    () => {
      const file = join(dir, 'pred', 'scan_0000_masks.h5');
      const scan = join(dir, 'a', 'scan_0000.nxs');
      const py = [
        'import h5py,sys',
        "f=h5py.File(sys.argv[1],'r')",
        "m=f['masks']",
        "print(m.dtype, m.shape, list(f['frame_index'][:]), int(m[:].max()) >= 0)",
        "s=h5py.File(sys.argv[2],'r')",
        "print(s['entry1/pil3_100k/data'].dtype, s['entry1/pil3_100k/data'].shape, s['entry1/instrument/pil3_100k/pixel_mask'].shape)",
      ].join('\n');
      const out = execFileSync(h5pyPython!, ['-c', py, file, scan], { encoding: 'utf8' }).trim();
      expect(out).toBe('uint16 (4, 64, 96) [1, 2, 3, 4] True\nint32 (6, 64, 96) (64, 96)');
    },
  );

  it('refuses a frame range past the scan, naming the flag', async () => {
    const r = await run([
      'peaks',
      'predict',
      join(dir, 'a', 'scan_0000.nxs'),
      '--frames',
      '3:99',
      '-o',
      join(dir, 'x'),
    ]);
    expect(r.code).toBe(1);
  });

  it.skipIf(!existsSync(CSV))('imports the DiPID Zooniverse export as label files', async () => {
    const r = await run(['peaks', 'labels', CSV, '-o', join(dir, 'zoo'), '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { frames: number; files: { frames: number }[] };
    expect(s.frames).toBe(488);
    expect(s.files.length).toBe(8);
    expect(s.files.reduce((a, f) => a + f.frames, 0)).toBe(488);
  });
});
