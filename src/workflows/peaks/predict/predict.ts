/**
 * `bragg peaks predict`: a scan (or a frame range of it) → per-peak instance masks by a method
 * (`classic` now; trained models come with the CNN work), streamed in blocks of frames so the
 * memory is a block whatever the scan's length. Writes, in the output folder:
 *
 * - `<scan>_masks.h5` — the mask file contract (`label-file.ts`, kind `prediction`);
 * - `<scan>_peaks.csv` — frame, id, centroid y/x, bbox, area, integrated intensity (counts above
 *   the local background), confidence;
 * - `<scan>_volume.nxs` — the peak voxels as NXdata with axes (`volume.ts`);
 * - `<scan>_frame<k>.png` — the seed's 2×2 overlay figure for up to `overlays` frames, evenly
 *   spread over the range.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { ValidationError } from '../../../core/errors.js';
import { interruptedError } from '../../command.js';
import { checkClassicOptions, findPeaksClassic, type ClassicOptions } from '../classic/finder.js';
import { MaskFileWriter } from '../labels/label-file.js';
import { peakRows, peaksCsv, type PeakRow } from '../labels/peak-table.js';
import { openScan, type Frames, type ScanInfo } from '../scan/input.js';
import { overlayPng } from './overlay.js';
import { VolumeWriter } from './volume.js';

export const METHODS = ['classic'] as const;
export type Method = (typeof METHODS)[number];

export interface PredictOptions {
  scan: string;
  outDir: string;
  /** Frames [a, b) of the scan (default all). */
  frames?: [number, number];
  method: Method;
  classic?: ClassicOptions;
  /** The stack inside the file (default: the I16 path, else the first stack). */
  dataset?: string;
  /** Frames per block (default 32). */
  block?: number;
  /** Overlay figures to write (default 4; 0 = none). */
  overlays?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface PredictResult {
  scan: ScanInfo;
  frames: [number, number];
  peaks: number;
  framesWithPeaks: number;
  masks: string;
  table: string;
  volume: string;
  overlays: string[];
  elapsedS: number;
}

export function checkMethod(m: string): Method {
  if (!(METHODS as readonly string[]).includes(m)) {
    throw new ValidationError(
      `method '${m}' is not one of ${METHODS.join(', ')} (trained models: not yet)`,
      'method',
    );
  }
  return m as Method;
}

/** Frames of [a, b) that get an overlay figure: `k` evenly spread. */
export function overlayFrames(a: number, b: number, k: number): Set<number> {
  const out = new Set<number>();
  const n = b - a;
  const m = Math.min(k, n);
  for (let j = 0; j < m; j++) out.add(a + Math.floor(((j + 0.5) * n) / m));
  return out;
}

export async function predictScan(o: PredictOptions): Promise<PredictResult> {
  const t0 = performance.now();
  checkMethod(o.method);
  checkClassicOptions(o.classic ?? {});
  const block = o.block ?? 32;
  if (!Number.isInteger(block) || block < 1 || block > 4096)
    throw new ValidationError(`block must be 1..4096 frames, got ${block}`, 'block');
  const nOverlays = o.overlays ?? 4;
  if (!Number.isInteger(nOverlays) || nOverlays < 0 || nOverlays > 1000)
    throw new ValidationError(`overlays must be 0..1000, got ${nOverlays}`, 'overlays');
  const scan = await openScan(o.scan, o.dataset !== undefined ? { dataset: o.dataset } : {});
  try {
    const { frames, height: h, width: w } = scan.info;
    const [a, b] = o.frames ?? [0, frames];
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b <= frames && a < b))
      throw new ValidationError(`frames ${a}:${b} outside the scan's ${frames} frames`, 'frames');
    const outDir = resolve(o.outDir);
    await mkdir(outDir, { recursive: true });
    const stem = basename(o.scan, extname(o.scan));
    const frameIndex = Array.from({ length: b - a }, (_, i) => a + i);
    const masksPath = join(outDir, `${stem}_masks.h5`);
    const tablePath = join(outDir, `${stem}_peaks.csv`);
    const volumePath = join(outDir, `${stem}_volume.nxs`);
    const rule = `${o.method}: ${JSON.stringify(o.classic ?? {})} (defaults for the rest; see classic/finder.ts)`;
    const masks = await MaskFileWriter.create(masksPath, {
      kind: 'prediction',
      source: basename(o.scan),
      maskRule: rule,
      frameIndex,
      height: h,
      width: w,
    });
    const volume = await VolumeWriter.create(volumePath, frameIndex, h, w, scan.info.scanAxis);
    const rows: PeakRow[] = [];
    const wanted = overlayFrames(a, b, nOverlays);
    const overlays: string[] = [];
    let withPeaks = 0;
    const signal = new Float32Array(h * w);
    // Reading and writing run on the HDF5 worker thread while this thread finds the peaks:
    // the next block is read, and the last one written, during the finding (one read and one
    // write in flight at most, so the memory stays a few blocks).
    const readBlock = (f0: number): Promise<Frames> => {
      const p = scan.read(f0, Math.min(b, f0 + block));
      p.catch(() => undefined); // awaited below; marked handled while the finder runs
      return p;
    };
    let reading: Promise<Frames> | undefined = readBlock(a);
    let writing: Promise<void> = Promise.resolve();
    try {
      for (let f0 = a; f0 < b; f0 += block) {
        if (o.signal?.aborted)
          throw interruptedError('interrupted; the outputs of this prediction are incomplete');
        const f1 = Math.min(b, f0 + block);
        const blk: Frames = await reading!;
        reading = f1 < b ? readBlock(f1) : undefined;
        const out = new Uint16Array(blk.count * h * w);
        for (let k = 0; k < blk.count; k++) {
          const frame = blk.data.subarray(k * h * w, (k + 1) * h * w);
          const r = findPeaksClassic(frame, h, w, o.classic ?? {}, scan.pixelMask);
          out.set(r.mask, k * h * w);
          // Counts above the local background, for the intensities (only where there are peaks).
          if (r.peaks.length > 0)
            for (let i = 0; i < h * w; i++) signal[i] = frame[i]! - r.background[i]!;
          const conf = new Map(r.peaks.map((p) => [p.id, p.confidence]));
          const fr = peakRows(f0 + k, r.mask, h, w, signal, (id) => conf.get(id) ?? 0);
          if (fr.length > 0) withPeaks++;
          rows.push(...fr);
          if (wanted.has(f0 + k)) {
            const p = join(outDir, `${stem}_frame${f0 + k}.png`);
            await writeFile(p, overlayPng(frame, r.mask, h, w));
            overlays.push(p);
          }
        }
        await writing;
        writing = (async () => {
          await masks.write(out);
          await volume.write(out);
          o.onProgress?.(f1 - a, b - a);
        })();
        writing.catch(() => undefined);
      }
      await writing;
    } catch (err) {
      // Let the requests in flight settle before the files are dropped.
      await Promise.allSettled([writing, reading]);
      await masks.abort();
      await volume.close();
      throw err;
    }
    await masks.finish(rows);
    await volume.close();
    const tmp = `${tablePath}.tmp-${process.pid}`;
    await writeFile(tmp, peaksCsv(rows));
    await rename(tmp, tablePath);
    return {
      scan: scan.info,
      frames: [a, b],
      peaks: rows.length,
      framesWithPeaks: withPeaks,
      masks: masksPath,
      table: tablePath,
      volume: volumePath,
      overlays,
      elapsedS: (performance.now() - t0) / 1000,
    };
  } finally {
    await scan.close();
  }
}
