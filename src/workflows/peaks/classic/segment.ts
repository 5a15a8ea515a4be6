/**
 * The classic finder's segmentation, given the local background and noise: seed pixels above
 * `snr`·σ (and `minCounts` above background); the 8-connected pixels above `growSnr`·σ around
 * them (a candidate component); in each, the pixels above `fraction` of the component's height
 * above background, split into their 8-connected regions; a region is a peak when it holds a
 * seed pixel and has `minPixels`..`maxPixels` pixels. Ids follow the raster order of each
 * peak's first pixel.
 *
 * Only the components that hold a seed can give a peak, so they are flood-filled from the seeds
 * rather than labelling the whole frame: the work beyond one pass over the pixels (the seed
 * test, with a square root only where a pixel is `minCounts` above background) is in
 * proportion to the peaks' pixels. The result is that of labelling every candidate component
 * (`labelComponents` twice), pixel for pixel (the test checks this).
 */

export interface SegmentOptions {
  snr: number;
  growSnr: number;
  fraction: number;
  minCounts: number;
  minPixels: number;
  maxPixels: number;
}

export interface SegmentPeak {
  /** Instance id in the mask (1, 2, …). */
  id: number;
  /** Largest signal-to-noise ratio in the peak. */
  snr: number;
}

/** The most instances a uint16 mask holds. */
export const MAX_PEAKS = 65535;

/**
 * Segment one frame (counts) given its background `bg` and noise `std` (counts); σ of a pixel
 * is max(std, √bg, 1) — the Poisson floor.
 */
export function segmentPeaks(
  frame: Float32Array,
  bg: Float32Array,
  std: Float32Array,
  height: number,
  width: number,
  o: SegmentOptions,
): { mask: Uint16Array; peaks: SegmentPeak[] } {
  const n = height * width;
  const sigma = (i: number): number => Math.max(std[i]!, Math.sqrt(Math.max(bg[i]!, 0)), 1);
  // The SNR as stored per pixel (float32), for the seed test and a peak's best SNR.
  const snr32 = (i: number): number => Math.fround((frame[i]! - bg[i]!) / sigma(i));
  const isCand = (i: number): boolean => (frame[i]! - bg[i]!) / sigma(i) > o.growSnr;
  const isSeed = (i: number): boolean => frame[i]! - bg[i]! >= o.minCounts && snr32(i) > o.snr;
  const seeds: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = frame[i]! - bg[i]!;
    // Cheap test first: most pixels are not `minCounts` above background.
    if (d >= o.minCounts && d > 0 && isSeed(i)) seeds.push(i);
  }
  const mask = new Uint16Array(n);
  if (seeds.length === 0) return { mask, peaks: [] };
  // 0 unvisited; c > 0 in candidate component c; −c once taken into a region of it.
  const comp = new Int32Array(n);
  const stack: number[] = [];
  const compPixels: number[] = [];
  const regions: { first: number; pixels: number[]; best: number }[] = [];
  let c = 0;
  for (const s of seeds) {
    if (comp[s] !== 0 || !isCand(s)) continue;
    c++;
    // The candidate component: flood fill over pixels above growSnr·σ.
    compPixels.length = 0;
    let amp = 0;
    comp[s] = c;
    stack.push(s);
    while (stack.length > 0) {
      const i = stack.pop()!;
      compPixels.push(i);
      const d = frame[i]! - bg[i]!;
      if (d > amp) amp = d;
      forNeighbours(i, height, width, (j) => {
        if (comp[j] === 0 && isCand(j)) {
          comp[j] = c;
          stack.push(j);
        }
      });
    }
    const level = o.fraction * Math.fround(amp);
    const inFin = (j: number): boolean => comp[j] === c && frame[j]! - bg[j]! > level;
    // Its regions above the mask level.
    for (const p of compPixels) {
      if (comp[p] !== c || !inFin(p)) continue;
      const pixels: number[] = [];
      let first = p;
      let best = 0;
      let seeded = false;
      comp[p] = -c;
      stack.push(p);
      while (stack.length > 0) {
        const i = stack.pop()!;
        pixels.push(i);
        if (i < first) first = i;
        const q = snr32(i);
        if (q > best) best = q;
        if (!seeded && isSeed(i)) seeded = true;
        forNeighbours(i, height, width, (j) => {
          if (inFin(j)) {
            comp[j] = -c;
            stack.push(j);
          }
        });
      }
      if (seeded && pixels.length >= o.minPixels && pixels.length <= o.maxPixels)
        regions.push({ first, pixels, best });
    }
  }
  regions.sort((a, b) => a.first - b.first);
  const peaks: SegmentPeak[] = [];
  for (const r of regions) {
    if (peaks.length >= MAX_PEAKS) break;
    const id = peaks.length + 1;
    for (const i of r.pixels) mask[i] = id;
    peaks.push({ id, snr: r.best });
  }
  return { mask, peaks };
}

/** Calls `f` on the 8 neighbours of pixel `i` inside the frame. */
function forNeighbours(i: number, height: number, width: number, f: (j: number) => void): void {
  const y = Math.floor(i / width);
  const x = i - y * width;
  const y0 = y > 0 ? -1 : 0;
  const y1 = y < height - 1 ? 1 : 0;
  const x0 = x > 0 ? -1 : 0;
  const x1 = x < width - 1 ? 1 : 0;
  for (let dy = y0; dy <= y1; dy++)
    for (let dx = x0; dx <= x1; dx++) if (dy !== 0 || dx !== 0) f(i + dy * width + dx);
}
