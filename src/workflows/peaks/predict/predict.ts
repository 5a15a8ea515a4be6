/**
 * `bragg peaks predict`: a scan (or a frame range of it) → per-peak instance masks by a method
 * (`classic`, the peakfinder8-style finder, or `{ model }`, a network trained by
 * `bragg peaks train`: the U-Net decoded with a confidence threshold and mask NMS,
 * `cnn/decode.ts`, or the SSLM's peak clusters as connected components, `ssl/clusters.ts`),
 * streamed in blocks of frames so the memory is a block whatever the scan's length. Writes, in
 * the output folder:
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
import { localBackground } from '../classic/background.js';
import { PEAKS_BACKGROUND } from '../cnn/maps.js';
import { checkClassicOptions, findPeaksClassic, type ClassicOptions } from '../classic/finder.js';
import { checkDecodeOptions } from '../cnn/decode.js';
import { unetModel } from '../cnn/model.js';
import { loadBundle } from '../../../ml/store/bundle.js';
import { PEAKS_SSLM } from '../models/sslm.js';
import type { PeaksPredictor } from '../predictor.js';
import { sslPredictor } from '../ssl/model.js';
import { MaskFileWriter } from '../labels/label-file.js';
import { peakRows, peaksCsv, type PeakRow } from '../labels/peak-table.js';
import { openScan, type Frames, type ScanInfo } from '../scan/input.js';
import { overlayPng } from './overlay.js';
import { ProjectionAccumulator } from './projections.js';
import { VolumeWriter } from './volume.js';

export const METHODS = ['classic', 'model'] as const;
export type Method = (typeof METHODS)[number];

/** A trained peaks model (`bragg peaks train`) and its decoding. */
export interface ModelMethod {
  /** The model bundle's folder. */
  model: string;
  /** Smallest confidence kept (default: the model's, chosen on its validation scans). */
  threshold?: number;
  /** Mask IoU of the greedy NMS (default 0.5). */
  nmsIou?: number;
  /** U-Net: run the network only near pixels this many σ above background (`RunOptions`). */
  gate?: number;
}

export interface PredictOptions {
  scan: string;
  outDir: string;
  /** Frames [a, b) of the scan (default all). */
  frames?: [number, number];
  /** `classic`, or a trained model (`{ model: dir }`). */
  method: 'classic' | ModelMethod;
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
  /** `<scan>_projection_{frame_x,frame_y,y_x}.png`: the volume's max-projections (projections.ts). */
  projections?: string[];
  elapsedS: number;
}

/** A trained peaks model of either method, by the bundle's architecture (U-Net or SSLM). */
export async function loadPeaksPredictor(dir: string): Promise<PeaksPredictor> {
  const b = await loadBundle(dir);
  if (b.meta.workflow === 'peaks' && b.meta.architecture.name === PEAKS_SSLM) {
    try {
      return sslPredictor(b);
    } catch (err) {
      b.model.dispose();
      throw err;
    }
  }
  return unetModel(b);
}

export function checkMethod(m: string): Method {
  if (!(METHODS as readonly string[]).includes(m)) {
    throw new ValidationError(
      `method '${m}' is not one of ${METHODS.join(', ')} (model: give --model <dir>)`,
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
  const modelMethod = typeof o.method === 'object' ? o.method : undefined;
  if (modelMethod === undefined && o.method !== 'classic') checkMethod(String(o.method));
  if (modelMethod !== undefined) {
    if (typeof modelMethod.model !== 'string' || modelMethod.model === '')
      throw new ValidationError('method.model must be a model folder', 'model');
    checkDecodeOptions({ threshold: modelMethod.threshold, nmsIou: modelMethod.nmsIou });
  }
  checkClassicOptions(o.classic ?? {});
  const block = o.block ?? 32;
  if (!Number.isInteger(block) || block < 1 || block > 4096)
    throw new ValidationError(`block must be 1..4096 frames, got ${block}`, 'block');
  const nOverlays = o.overlays ?? 4;
  if (!Number.isInteger(nOverlays) || nOverlays < 0 || nOverlays > 1000)
    throw new ValidationError(`overlays must be 0..1000, got ${nOverlays}`, 'overlays');
  const net: PeaksPredictor | undefined = modelMethod
    ? await loadPeaksPredictor(modelMethod.model)
    : undefined;
  const scan = await openScan(o.scan, o.dataset !== undefined ? { dataset: o.dataset } : {}).catch(
    (err: unknown) => {
      net?.dispose();
      throw err;
    },
  );
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
    const decode = modelMethod
      ? { threshold: modelMethod.threshold, nmsIou: modelMethod.nmsIou }
      : undefined;
    const given = Object.fromEntries(Object.entries(decode ?? {}).filter(([, v]) => v !== undefined)); // prettier-ignore
    const rule =
      net === undefined
        ? `classic: ${JSON.stringify(o.classic ?? {})} (defaults for the rest; see classic/finder.ts)`
        : net.meta.architecture.name === PEAKS_SSLM
          ? `ssl model ${net.meta.id} (${net.dir}): peak clusters ${JSON.stringify((net.meta as { peaks?: { clusters?: unknown } }).peaks?.clusters)}, ${JSON.stringify({ threshold: (given.threshold as number | undefined) ?? net.decode.threshold, minPixels: net.decode.minPixels })} (ssl/clusters.ts)`
          : `model ${net.meta.id} (${net.dir}): ${JSON.stringify(checkDecodeOptions({ ...net.decode, ...given }))} (cnn/decode.ts)`;
    const masks = await MaskFileWriter.create(masksPath, {
      kind: 'prediction',
      source: basename(o.scan),
      maskRule: rule,
      frameIndex,
      height: h,
      width: w,
    });
    const volume = await VolumeWriter.create(volumePath, frameIndex, h, w, scan.info.scanAxis);
    const proj = new ProjectionAccumulator(b - a, h, w);
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
        const decoded = net?.predict(
          blk.data,
          blk.count,
          h,
          w,
          decode,
          modelMethod?.gate !== undefined ? { gate: modelMethod.gate } : {},
        );
        for (let k = 0; k < blk.count; k++) {
          const frame = blk.data.subarray(k * h * w, (k + 1) * h * w);
          let r: {
            mask: Uint16Array;
            peaks: { id: number; confidence: number }[];
            background?: Float32Array;
          };
          if (decoded) {
            const d = decoded[k]!;
            r = {
              mask: d.mask,
              peaks: d.confidence.map((c, i) => ({ id: i + 1, confidence: c })),
              ...(d.background ? { background: d.background } : {}),
            };
          } else r = findPeaksClassic(frame, h, w, o.classic ?? {}, scan.pixelMask);
          out.set(r.mask, k * h * w);
          // Counts above the local background, for the intensities (only where there are peaks).
          if (r.peaks.length > 0) {
            const bg =
              r.background ?? localBackground(frame, h, w, PEAKS_BACKGROUND, scan.pixelMask).mean;
            // (read only inside the masks: `peakRows`)
            const mk = r.mask;
            for (let i = 0; i < h * w; i++) if (mk[i] !== 0) signal[i] = frame[i]! - bg[i]!;
          }
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
        proj.add(f0 - a, blk.data, out);
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
    const projections = await proj.write(outDir, stem);
    return {
      scan: scan.info,
      frames: [a, b],
      peaks: rows.length,
      framesWithPeaks: withPeaks,
      masks: masksPath,
      table: tablePath,
      volume: volumePath,
      overlays,
      projections,
      elapsedS: (performance.now() - t0) / 1000,
    };
  } finally {
    await scan.close();
    net?.dispose();
  }
}
