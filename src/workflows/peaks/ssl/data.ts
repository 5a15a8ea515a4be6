/**
 * Training frames of the self-supervised model: frames of scans only — no label file is read.
 * `--data` is a `bragg peaks simulate` dataset (its `manifest.json` lists the scans; the label
 * files beside them are ignored) or any folder of scans (`.nxs`, `.h5`, `.hdf5`, `.npy`,
 * `.tif`, `.tiff`; bragg's own `_labels`, `_masks` and `_volume` files left out), up to
 * `maxFrames` frames spread evenly over them.
 *
 * Each frame is held as the network's input (the log scaling of `cnn/maps.ts`, quantised to
 * 16 bits) and its **reference pixels**: the pixels the classic peakfinder8-style finder
 * (`classic/finder.ts`, itself unsupervised: a local background, an SNR threshold) puts in a
 * peak. The reference is what the peak clusters are chosen by after training (`clusters.ts`)
 * and where half of the training crops are centred (peaks cover ~1 % of a frame; uniform crops
 * would show the network almost only background). It is not a label: no truth mask is read.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { FormatError, LimitError, NotFoundError, ValidationError } from '../../../core/errors.js';
import { interruptedError } from '../../command.js';
import { findPeaksClassic } from '../classic/finder.js';
import { logScale } from '../cnn/maps.js';
import { openScan } from '../scan/input.js';

export interface SslFrame {
  scan: string;
  frame: number;
  /** Log-scaled input × 65535, h × w. */
  input: Uint16Array;
  /** 1 where the classic finder puts a peak pixel, h × w. */
  reference: Uint8Array;
  /** Flat indices of the reference pixels. */
  referencePixels: Int32Array;
}

export interface SslTrainingData {
  datasetId: string | undefined;
  height: number;
  width: number;
  frames: SslFrame[];
  scans: string[];
}

const SCAN_EXTENSIONS = new Set(['.nxs', '.h5', '.hdf5', '.npy', '.tif', '.tiff']);

/** The scans of a dataset folder: the manifest's, else every scan file in it (sorted). */
export async function listScans(dir: string): Promise<{ datasetId?: string; scans: string[] }> {
  const root = resolve(dir);
  const manifest = join(root, 'manifest.json');
  let text: string | undefined;
  try {
    text = await readFile(manifest, 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let doc: { contract?: unknown; datasetId?: unknown; scans?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch (err) {
      throw new FormatError('peaks dataset manifest', 'not JSON', { file: manifest, cause: err });
    }
    if (doc.contract !== 'peaks-dataset/1' || !Array.isArray(doc.scans))
      throw new FormatError('peaks dataset manifest', 'not a peaks-dataset/1 manifest', {
        file: manifest,
        expected: '{ contract: "peaks-dataset/1", scans: [{ scan }] }',
      });
    const scans = (doc.scans as { scan?: unknown }[]).map((s) => {
      if (typeof s.scan !== 'string')
        throw new FormatError('peaks dataset manifest', 'a scan entry without scan', {
          file: manifest,
        });
      return join(root, s.scan);
    });
    if (scans.length === 0) throw new ValidationError(`${manifest} lists no scan`, 'data');
    return { ...(typeof doc.datasetId === 'string' ? { datasetId: doc.datasetId } : {}), scans };
  }
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    throw new NotFoundError(`${root}: no such folder of scans`);
  }
  const scans = names
    .filter(
      (n) =>
        SCAN_EXTENSIONS.has(extname(n).toLowerCase()) &&
        !/_(labels|masks|volume)\.(h5|nxs)$/.test(n),
    )
    .sort()
    .map((n) => join(root, n));
  if (scans.length === 0)
    throw new ValidationError(
      `${root} has no manifest.json and no scan (${[...SCAN_EXTENSIONS].join(', ')})`,
      'data',
    );
  return { scans };
}

export interface SslLoadOptions {
  /** Most frames held (default 200; spread evenly over the scans). */
  maxFrames?: number;
  signal?: AbortSignal;
}

export async function loadSslFrames(dir: string, o: SslLoadOptions = {}): Promise<SslTrainingData> {
  const maxFrames = o.maxFrames ?? 200;
  if (!(Number.isInteger(maxFrames) && maxFrames >= 1 && maxFrames <= 100_000))
    throw new ValidationError(
      `maxFrames must be an integer 1..100000, got ${maxFrames}`,
      'maxFrames',
    );
  const list = await listScans(dir);
  const counts: number[] = [];
  let h = 0;
  let w = 0;
  for (const [k, path] of list.scans.entries()) {
    const s = await openScan(path);
    await s.close();
    if (k === 0) {
      h = s.info.height;
      w = s.info.width;
    } else if (s.info.height !== h || s.info.width !== w)
      throw new FormatError('peaks dataset', 'scans of different frame sizes', {
        file: path,
        expected: `${h} × ${w}`,
        found: `${s.info.height} × ${s.info.width}`,
      });
    counts.push(s.info.frames);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < 1) throw new ValidationError(`${dir}: the scans have no frame`, 'data');
  const m = Math.min(total, maxFrames);
  if (m * h * w * 3 > 2 ** 31)
    throw new LimitError('training frames in memory', {
      field: 'maxFrames',
      value: m * h * w * 3,
      limit: 2 ** 31,
      unit: 'B',
      hint: 'give a smaller maxFrames',
    });
  const keep = (k: number): boolean =>
    Math.floor(((k + 1) * m) / total) > Math.floor((k * m) / total);
  const frames: SslFrame[] = [];
  const scaled = new Float32Array(h * w);
  let first = 0;
  for (const [k, path] of list.scans.entries()) {
    const s = await openScan(path);
    try {
      for (let f = 0; f < counts[k]!; f++) {
        if (!keep(first + f)) continue;
        if (o.signal?.aborted) throw interruptedError('interrupted while loading the scans');
        const fr = await s.read(f, f + 1);
        logScale(fr.data, scaled);
        const input = new Uint16Array(h * w);
        for (let p = 0; p < h * w; p++) input[p] = Math.round(Math.min(1, scaled[p]!) * 65535);
        const found = findPeaksClassic(fr.data, h, w, {}, s.pixelMask).mask;
        const reference = new Uint8Array(h * w);
        const px: number[] = [];
        for (let p = 0; p < h * w; p++)
          if (found[p] !== 0) {
            reference[p] = 1;
            px.push(p);
          }
        frames.push({
          scan: path,
          frame: f,
          input,
          reference,
          referencePixels: Int32Array.from(px),
        });
      }
    } finally {
      await s.close();
    }
    first += counts[k]!;
  }
  return { datasetId: list.datasetId, height: h, width: w, frames, scans: list.scans };
}
