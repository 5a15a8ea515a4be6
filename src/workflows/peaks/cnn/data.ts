/**
 * Training data of the peaks network: the frames and truth masks of a `bragg peaks simulate`
 * dataset (manifest.json + scans + label files), held compactly in memory — the log-scaled input
 * quantised to 16 bits and the targets as one class byte per pixel (0 background, 1 peak
 * border, 2 peak interior; `maps.ts`) — and random crops of them as a trainer `DataSource`.
 *
 * Crops: each sample is a frame drawn at random from its part; with probability
 * `peakFraction` (0.7) the crop is placed around a random peak pixel of the frame (peaks cover
 * ~1 % of a frame: uniform crops would teach mostly background), else anywhere; then flipped
 * at random along either axis. A batch is a pure function of (seed, part, epoch, batch), so a
 * resumed training sees the same crops. Validation crops are the same every epoch.
 *
 * Split: by scan (the last ⌈valSplit · scans⌉ scans) when there are ≥ 2 scans, else the last
 * frames of the one scan.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FormatError, LimitError, NotFoundError, ValidationError } from '../../../core/errors.js';
import { createRng, deriveSeed } from '../../../core/rng.js';
import type { DataSource } from '../../../ml/train/data.js';
import { interruptedError } from '../../command.js';
import { openMaskFile } from '../labels/label-file.js';
import { openScan } from '../scan/input.js';
import { CHANNEL_RANGE, inputChannels, networkInput, targetMaps, type PeaksInput } from './maps.js';

/** Stored input value q of channel j → its value. */
function dequantise(q: number, j: number): number {
  const [lo, hi] = CHANNEL_RANGE[j]!;
  return lo + (q / 65535) * (hi - lo);
}

/** A frame's network input as float32 (h × w × channels). */
export function frameInput(f: PeaksFrame, out = new Float32Array(f.input.length)): Float32Array {
  const c = f.channels;
  for (let p = 0; p < f.input.length; p++) out[p] = dequantise(f.input[p]!, p % c);
  return out;
}

export interface PeaksFrame {
  scan: string;
  frame: number;
  /**
   * The network input (`networkInput`), h × w × channels, each channel quantised to 16 bits
   * over its `CHANNEL_RANGE`.
   */
  input: Uint16Array;
  channels: number;
  /** 0 background, 1 border, 2 interior; h × w. */
  cls: Uint8Array;
  /** Flat indices of the peak pixels (cls > 0). */
  peakPixels: Int32Array;
  /** The truth instance ids (validation frames only: the decoding is tuned on them). */
  ids?: Uint16Array;
}

/** The truth ids of a validation frame. */
export function truthIds(f: PeaksFrame): Uint16Array {
  if (f.ids === undefined)
    throw new ValidationError(`frame ${f.frame} of ${f.scan} keeps no truth ids`, 'data');
  return f.ids;
}

export interface PeaksTrainingData {
  datasetId: string | undefined;
  height: number;
  width: number;
  train: PeaksFrame[];
  validation: PeaksFrame[];
  scans: { train: string[]; validation: string[] };
}

export interface LoadOptions {
  valSplit: number;
  /** Most frames held (default 400; spread evenly over the dataset). */
  maxFrames?: number;
  /** What the network is given (default `log`). */
  input?: PeaksInput;
  signal?: AbortSignal;
}

interface ManifestScan {
  scan: string;
  labels: string;
}

async function readManifest(dir: string): Promise<{ datasetId?: string; scans: ManifestScan[] }> {
  const path = join(resolve(dir), 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new NotFoundError(
      `${path}: no peaks dataset manifest (write one with bragg peaks simulate)`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FormatError('peaks dataset manifest', 'not JSON', { file: path, cause: err });
  }
  const d = doc as { contract?: unknown; datasetId?: unknown; scans?: unknown };
  if (d.contract !== 'peaks-dataset/1' || !Array.isArray(d.scans))
    throw new FormatError('peaks dataset manifest', 'not a peaks-dataset/1 manifest', {
      file: path,
      expected: '{ contract: "peaks-dataset/1", scans: [{ scan, labels }] }',
    });
  const scans: ManifestScan[] = [];
  for (const s of d.scans as unknown[]) {
    const e = s as { scan?: unknown; labels?: unknown };
    if (typeof e.scan !== 'string' || typeof e.labels !== 'string')
      throw new FormatError('peaks dataset manifest', 'a scan entry without scan and labels', {
        file: path,
      });
    scans.push({ scan: join(dirname(path), e.scan), labels: join(dirname(path), e.labels) });
  }
  if (scans.length === 0) throw new ValidationError(`${path} lists no finished scan`, 'data');
  return { ...(typeof d.datasetId === 'string' ? { datasetId: d.datasetId } : {}), scans };
}

/** Frames of one scan with their masks, compacted. */
async function loadScan(
  s: ManifestScan,
  keep: (k: number) => boolean,
  first: number,
  keepIds: boolean,
  kind: PeaksInput,
): Promise<{ frames: PeaksFrame[]; h: number; w: number }> {
  const scan = await openScan(s.scan);
  const masks = await openMaskFile(s.labels).catch(async (err: unknown) => {
    await scan.close();
    throw err;
  });
  try {
    const { height: h, width: w, frames: n } = scan.info;
    if (masks.height !== h || masks.width !== w)
      throw new FormatError('peaks label file', 'masks do not have the scan’s frame size', {
        file: masks.path,
        expected: `${h} × ${w}`,
        found: `${masks.height} × ${masks.width}`,
      });
    const out: PeaksFrame[] = [];
    const c = inputChannels(kind);
    const tmp = new Float32Array(h * w * c);
    const ranges = CHANNEL_RANGE.slice(0, c);
    const BLOCK = 16;
    for (let i0 = 0; i0 < masks.frameIndex.length; i0 += BLOCK) {
      const i1 = Math.min(masks.frameIndex.length, i0 + BLOCK);
      const wanted = [];
      for (let i = i0; i < i1; i++) if (keep(first + i)) wanted.push(i);
      if (wanted.length === 0) continue;
      const m = await masks.read(i0, i1);
      for (const i of wanted) {
        const f = masks.frameIndex[i]!;
        if (!(f >= 0 && f < n))
          throw new FormatError('peaks label file', `frame_index ${f} outside the scan`, {
            file: masks.path,
          });
        const fr = await scan.read(f, f + 1);
        networkInput(fr.data, h, w, kind, tmp);
        const input = new Uint16Array(h * w * c);
        for (let p = 0; p < h * w * c; p++) {
          const [lo, hi] = ranges[p % c]!;
          const u = (tmp[p]! - lo) / (hi - lo);
          input[p] = Math.round(Math.min(1, Math.max(0, u)) * 65535);
        }
        const ids = m.subarray((i - i0) * h * w, (i - i0 + 1) * h * w);
        const t = targetMaps(ids, h, w);
        const cls = new Uint8Array(h * w);
        const peaks: number[] = [];
        for (let p = 0; p < h * w; p++) {
          if (t[2 * p] === 0) continue;
          cls[p] = t[2 * p + 1] === 1 ? 2 : 1;
          peaks.push(p);
        }
        out.push({
          scan: s.scan,
          frame: f,
          input,
          channels: c,
          cls,
          peakPixels: Int32Array.from(peaks),
          ...(keepIds ? { ids: ids.slice() } : {}),
        });
      }
    }
    return { frames: out, h, w };
  } finally {
    await masks.close();
    await scan.close();
  }
}

export async function loadPeaksData(dir: string, o: LoadOptions): Promise<PeaksTrainingData> {
  const man = await readManifest(dir);
  const maxFrames = o.maxFrames ?? 400;
  if (!(Number.isInteger(maxFrames) && maxFrames >= 2 && maxFrames <= 100_000))
    throw new ValidationError(
      `maxFrames must be an integer 2..100000, got ${maxFrames}`,
      'maxFrames',
    );
  // Frame counts first (label files are small to open), to spread maxFrames evenly.
  const counts: number[] = [];
  for (const s of man.scans) {
    const m = await openMaskFile(s.labels);
    counts.push(m.frameIndex.length);
    await m.close();
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < 2) throw new ValidationError(`${dir}: ${total} labelled frame(s); need ≥ 2`, 'data');
  const m = Math.min(total, maxFrames);
  const keep = (k: number): boolean =>
    Math.floor(((k + 1) * m) / total) > Math.floor((k * m) / total);
  const nVal = man.scans.length >= 2 ? Math.max(1, Math.ceil(o.valSplit * man.scans.length)) : 0;
  if (nVal >= man.scans.length)
    throw new ValidationError(
      `valSplit ${o.valSplit} leaves no training scan of ${man.scans.length}`,
      'valSplit',
    );
  const train: PeaksFrame[] = [];
  const validation: PeaksFrame[] = [];
  let h = 0;
  let w = 0;
  let first = 0;
  for (let k = 0; k < man.scans.length; k++) {
    if (o.signal?.aborted) throw interruptedError('interrupted while loading the dataset');
    const s = man.scans[k]!;
    // with one scan its last frames validate: every frame keeps its ids then
    const r = await loadScan(
      s,
      keep,
      first,
      nVal === 0 || k >= man.scans.length - nVal,
      o.input ?? 'log',
    );
    first += counts[k]!;
    if (k === 0) {
      h = r.h;
      w = r.w;
    } else if (r.h !== h || r.w !== w)
      throw new FormatError('peaks dataset', 'scans of different frame sizes', {
        file: s.scan,
        expected: `${h} × ${w}`,
        found: `${r.h} × ${r.w}`,
      });
    (k >= man.scans.length - nVal ? validation : train).push(...r.frames);
  }
  if (nVal === 0) {
    const v = Math.max(1, Math.round(o.valSplit * train.length));
    validation.push(...train.splice(train.length - v, v));
  }
  if (train.length === 0)
    throw new ValidationError('no training frame left after the validation split', 'valSplit');
  const bytes =
    (train.length + validation.length) * h * w * (1 + 2 * inputChannels(o.input ?? 'log'));
  if (bytes > 2 ** 31)
    throw new LimitError('training frames in memory', {
      field: 'maxFrames',
      value: bytes,
      limit: 2 ** 31,
      unit: 'B',
      hint: 'give a smaller maxFrames',
    });
  const names = (fs: PeaksFrame[]): string[] => [...new Set(fs.map((f) => f.scan))];
  return {
    datasetId: man.datasetId,
    height: h,
    width: w,
    train,
    validation,
    scans: { train: names(train), validation: names(validation) },
  };
}

export interface CropSourceOptions {
  frames: readonly PeaksFrame[];
  height: number;
  width: number;
  crop: number;
  batchSize: number;
  batches: number;
  seed: number;
  part: 'train' | 'validation';
  /** Share of crops placed around a peak pixel (default 0.7). */
  peakFraction?: number;
}

/** One crop (input c × c × channels, targets c × c × 2) written at offset k of the batch arrays. */
function cropInto(
  f: PeaksFrame,
  w: number,
  c: number,
  y0: number,
  x0: number,
  flipY: boolean,
  flipX: boolean,
  x: Float32Array,
  y: Float32Array,
  k: number,
): void {
  const base = k * c * c;
  const nc = f.channels;
  for (let r = 0; r < c; r++) {
    const sy = y0 + (flipY ? c - 1 - r : r);
    for (let q = 0; q < c; q++) {
      const sx = x0 + (flipX ? c - 1 - q : q);
      const p = sy * w + sx;
      const o = base + r * c + q;
      for (let j = 0; j < nc; j++) x[o * nc + j] = dequantise(f.input[p * nc + j]!, j);
      const cl = f.cls[p]!;
      y[2 * o] = cl > 0 ? 1 : 0;
      y[2 * o + 1] = cl === 2 ? 1 : 0;
    }
  }
}

export function cropSource(o: CropSourceOptions): DataSource {
  const c = o.crop;
  if (c > o.height || c > o.width)
    throw new ValidationError(
      `crop ${c} is larger than the ${o.height} × ${o.width} frames`,
      'crop',
    );
  if (o.frames.length === 0) throw new ValidationError(`no ${o.part} frames`, 'data');
  const frac = o.peakFraction ?? 0.7;
  const nc = o.frames[0]!.channels;
  return (epoch: number) => ({
    async *[Symbol.asyncIterator]() {
      const e = o.part === 'validation' ? 0 : epoch;
      for (let b = 0; b < o.batches; b++) {
        const rng = createRng(deriveSeed(o.seed, 'peaks-crops', o.part, e, b));
        const x = new Float32Array(o.batchSize * c * c * nc);
        const y = new Float32Array(o.batchSize * c * c * 2);
        for (let k = 0; k < o.batchSize; k++) {
          const f = o.frames[rng.int(o.frames.length)]!;
          let y0: number;
          let x0: number;
          if (f.peakPixels.length > 0 && rng.next() < frac) {
            const p = f.peakPixels[rng.int(f.peakPixels.length)]!;
            const py = Math.floor(p / o.width);
            const px = p - py * o.width;
            y0 = py - rng.int(c);
            x0 = px - rng.int(c);
          } else {
            y0 = rng.int(o.height - c + 1);
            x0 = rng.int(o.width - c + 1);
          }
          y0 = Math.max(0, Math.min(o.height - c, y0));
          x0 = Math.max(0, Math.min(o.width - c, x0));
          cropInto(f, o.width, c, y0, x0, rng.next() < 0.5, rng.next() < 0.5, x, y, k);
        }
        yield {
          x: tf.tensor4d(x, [o.batchSize, c, c, nc]),
          y: tf.tensor4d(y, [o.batchSize, c, c, 2]),
        };
      }
    },
  });
}
