/**
 * Writing a synthetic scan in Diamond I16's NeXus layout plus its label file, frame block by
 * frame block (bounded memory):
 *
 * - `/entry1` NXentry (`@default` = `pil3_100k`), `/entry1/scan_command`;
 * - `/entry1/pil3_100k` NXdata: `data` int32 (n, h, w) counts (dead pixels −2), `eta` (n) deg,
 *   `@signal="data"`, `@axes=["eta", ".", "."]`, `@eta_indices=0`;
 * - `/entry1/instrument/pil3_100k` NXdetector: `pixel_mask` uint32 (h, w) (non-zero = bad),
 *   `x_pixel_size`/`y_pixel_size` 172 µm, `saturation_value`, `description`.
 *
 * The label file (`MaskFileWriter`) holds the truth masks (the 10 % rule of `scene.ts`) and the
 * peak table (integrated counts above the noise-free background).
 */
import { basename } from 'node:path';
import { MaskFileWriter } from '../labels/label-file.js';
import { peakRows, type PeakRow } from '../labels/peak-table.js';
import { attr, H5Builder } from '../io/h5-builder.js';
import { backgroundMap, renderFrame, type ScanPlan } from './scene.js';

/** Frames rendered and written per block. */
const BLOCK = 16;
/** Scan axis of the synthetic scans: eta from 0° in steps of 0.01°. */
export const ETA_STEP_DEG = 0.01;

export const TRUTH_RULE =
  'synthetic: pixels where the peak’s own noise-free intensity exceeds 10 % of its maximum in the frame; peaks with a maximum below 5·max(1, √background) counts are not labelled';

export interface WrittenScan {
  /** Peaks labelled (instances summed over frames). */
  instances: number;
  /** Frames with no labelled peak. */
  emptyFrames: number;
}

export async function writeSyntheticScan(
  plan: ScanPlan,
  scanPath: string,
  labelPath: string,
  scanName: string = basename(scanPath),
): Promise<WrittenScan> {
  const { frames: n, height: h, width: w } = plan;
  const b = await H5Builder.create(scanPath);
  let labels: MaskFileWriter | undefined;
  const rows: PeakRow[] = [];
  let empty = 0;
  try {
    await b.group('/entry1', [attr.str('NX_class', 'NXentry'), attr.str('default', 'pil3_100k')]);
    await b.dataset(
      '/entry1/scan_command',
      'vlen-str',
      [1],
      [
        `scan eta 0 ${((n - 1) * ETA_STEP_DEG).toFixed(3)} ${ETA_STEP_DEG} pil3_100k 1 (bragg synthetic, seed ${plan.seed})`,
      ],
    );
    await b.group('/entry1/instrument', [attr.str('NX_class', 'NXinstrument')]);
    await b.group('/entry1/instrument/pil3_100k', [attr.str('NX_class', 'NXdetector')]);
    const mask = new Uint32Array(h * w);
    for (const i of plan.masked) mask[i] = 1;
    await b.dataset('/entry1/instrument/pil3_100k/pixel_mask', '<I', [h, w], mask);
    for (const name of ['x_pixel_size', 'y_pixel_size']) {
      await b.dataset(
        `/entry1/instrument/pil3_100k/${name}`,
        '<d',
        [1],
        new Float64Array([172e-6]),
        [attr.str('units', 'm')],
      );
    }
    await b.dataset(
      '/entry1/instrument/pil3_100k/saturation_value',
      '<i',
      [1],
      new Int32Array([plan.saturation]),
    );
    await b.dataset(
      '/entry1/instrument/pil3_100k/description',
      'vlen-str',
      [1],
      [`bragg synthetic Pilatus-like detector ${h}×${w}`],
    );
    await b.group('/entry1/pil3_100k', [
      attr.str('NX_class', 'NXdata'),
      attr.str('signal', 'data'),
      attr.str('axes', ['eta', '.', '.']),
      attr.i32('eta_indices', [0]),
    ]);
    await b.stack('/entry1/pil3_100k/data', '<i', [n, h, w], (k) => new Int32Array(k), [
      attr.str('units', 'counts'),
    ]);
    await b.dataset(
      '/entry1/pil3_100k/eta',
      '<d',
      [n],
      Float64Array.from({ length: n }, (_, i) => i * ETA_STEP_DEG),
      [attr.str('units', 'deg')],
    );
    labels = await MaskFileWriter.create(labelPath, {
      kind: 'truth',
      source: scanName,
      maskRule: TRUTH_RULE,
      frameIndex: Array.from({ length: n }, (_, i) => i),
      height: h,
      width: w,
    });
    for (let f0 = 0; f0 < n; f0 += BLOCK) {
      const m = Math.min(BLOCK, n - f0);
      const counts = new Int32Array(m * h * w);
      const truth = new Uint16Array(m * h * w);
      for (let k = 0; k < m; k++) {
        const f = f0 + k;
        const r = renderFrame(plan, f);
        counts.set(r.counts, k * h * w);
        truth.set(r.truth, k * h * w);
        const bg = backgroundMap(plan, f);
        const signal = new Float32Array(h * w);
        for (let i = 0; i < h * w; i++) signal[i] = Math.max(0, r.counts[i]!) - bg[i]!;
        const fr = peakRows(f, r.truth, h, w, signal);
        if (fr.length === 0) empty++;
        rows.push(...fr);
      }
      await b.writeFrames('/entry1/pil3_100k/data', f0, [h, w], counts);
      await labels.write(truth);
    }
    await b.attrs('/', [
      attr.str('NX_class', 'NXroot'),
      attr.str('default', 'entry1'),
      attr.str('creator', 'bragg peaks simulate'),
    ]);
  } catch (err) {
    await labels?.abort();
    throw err;
  } finally {
    await b.close();
  }
  await labels.finish(rows);
  return { instances: rows.length, emptyFrames: empty };
}
