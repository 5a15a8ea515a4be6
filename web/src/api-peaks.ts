/**
 * Client of the peaks routes (`/api/peaks/scan`, `/api/peaks/predict`, `/api/peaks/overlay`).
 * Failures throw the shared `ApiError` with the server's message, code and field.
 */
import { request } from './api';
import type { FileRef } from './api-types';

export interface PeaksScan {
  input: FileRef;
  dataset: string;
  frames: number;
  height: number;
  width: number;
  pixelMask?: string;
  scanAxis?: { name: string; units: string; values: number[] };
}

export interface PeaksPeak {
  id: number;
  /** [y, x] px */
  centroid: [number, number];
  /** [y0, x0, y1, x1) px */
  bbox: [number, number, number, number];
  area: number;
  intensity: number;
  confidence: number;
}

export interface PeaksFrame {
  frame: number;
  peaks: PeaksPeak[];
  /** Triples (start, length, id) over the row-major frame. */
  rle: number[];
}

export interface PeaksPrediction {
  input: FileRef;
  dataset: string;
  /** [frames, height, width] of the scan */
  shape: [number, number, number];
  /** [a, b) */
  frames: [number, number];
  method: string;
  peaks: number;
  results: PeaksFrame[];
  elapsedS: number;
}

export interface PeaksRequest {
  input: FileRef;
  dataset?: string;
  model?: string;
}

/** Most frames of one predict request (the server's MAX_PREDICT_FRAMES). */
export const PEAKS_WINDOW = 64;

function post(path: string, body: unknown): Promise<Response> {
  return request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export const peaksApi = {
  scan: async (r: PeaksRequest) =>
    (await (await post('/api/peaks/scan', { input: r.input, ...(r.dataset ? { dataset: r.dataset } : {}) })).json()) as PeaksScan, // prettier-ignore
  predict: async (r: PeaksRequest, frames: [number, number]) =>
    (await (await post('/api/peaks/predict', { ...clean(r), frames })).json()) as PeaksPrediction,
  /** The frame's log image with its masks at α 0.25, as a PNG blob. */
  overlay: async (r: PeaksRequest, frame: number) =>
    (await post('/api/peaks/overlay', { ...clean(r), frame })).blob(),
};

function clean(r: PeaksRequest): PeaksRequest {
  return {
    input: r.input,
    ...(r.dataset ? { dataset: r.dataset } : {}),
    ...(r.model ? { model: r.model } : {}),
  };
}

/** The instance mask of `pixels` pixels from its run lengths. */
export function decodeRle(rle: readonly number[], pixels: number): Uint16Array {
  const m = new Uint16Array(pixels);
  for (let k = 0; k + 2 < rle.length; k += 3) m.fill(rle[k + 2]!, rle[k]!, rle[k]! + rle[k + 1]!);
  return m;
}
