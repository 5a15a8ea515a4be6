/**
 * The three max-projections of a scan's predicted peak volume (issue 16 item 7): over the
 * (frame, y, x) voxels that belong to a peak, the largest count along the projected axis —
 * `frame × x` (max over y), `frame × y` (max over x) and `y × x` (max over the frames) — as
 * PNGs (log(1 + counts) normalised to the largest, viridis; pixels with no peak voxel are the
 * colormap's 0). The volume is accumulated block by block as predict streams it, so the memory
 * is the three images whatever the scan's length: scans of more than `MAX_ROWS` frames are
 * binned (a row holds the max of consecutive frames), short scans have their frame rows
 * repeated so that the images are at least `MIN_ROWS` rows high.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../../core/errors.js';
import { ndarray } from '../../../core/ndarray.js';
import { applyColormap } from '../../../formats/image/colormap.js';
import { encodePng } from '../../../formats/image/png.js';

/** Most frame rows of a projection image (longer scans are binned). */
export const MAX_ROWS = 4096;
/** Fewest rows of a projection image over the frames (short scans' rows are repeated, ≤ 8×). */
export const MIN_ROWS = 64;

/** The projections' names, as in the file names `<scan>_projection_<name>.png`. */
export const PROJECTIONS = ['frame_x', 'frame_y', 'y_x'] as const;
export type ProjectionName = (typeof PROJECTIONS)[number];

export interface Projection {
  name: ProjectionName;
  rows: number;
  cols: number;
  /** Max counts of the peak voxels along the projected axis (0 where none), rows × cols. */
  data: Float32Array;
}

export class ProjectionAccumulator {
  /** frame rows (binned) × x */
  private readonly fx: Float32Array;
  /** frame rows (binned) × y */
  private readonly fy: Float32Array;
  private readonly yx: Float32Array;
  readonly rows: number;

  /** A volume of `frames` frames (positions 0 … frames − 1 of the predicted range) of h × w. */
  constructor(
    readonly frames: number,
    readonly height: number,
    readonly width: number,
  ) {
    if (![frames, height, width].every((n) => Number.isInteger(n) && n > 0))
      throw new ValidationError(`projection of ${frames} × ${height} × ${width} voxels`, 'frames');
    this.rows = Math.min(frames, MAX_ROWS);
    this.fx = new Float32Array(this.rows * width);
    this.fy = new Float32Array(this.rows * height);
    this.yx = new Float32Array(height * width);
  }

  /**
   * Adds a block of frames: `counts` and `masks` (instance ids, 0 = background) hold `count`
   * frames of h × w; `first` is the block's first position in the range.
   */
  add(first: number, counts: Float32Array, masks: Uint16Array): void {
    const { height: h, width: w, fx, fy, yx } = this;
    const px = h * w;
    const count = masks.length / px;
    if (!Number.isInteger(count) || counts.length < masks.length || first < 0 || first + count > this.frames)
      throw new ValidationError(`a block of ${masks.length} voxels at frame ${first} does not fit the projection`, 'frames'); // prettier-ignore
    for (let k = 0; k < count; k++) {
      const row = Math.floor(((first + k) * this.rows) / this.frames);
      const o = k * px;
      for (let i = 0; i < px; i++) {
        if (masks[o + i] === 0) continue;
        const y = (i / w) | 0;
        const x = i - y * w;
        const v = Math.max(counts[o + i]!, Number.MIN_VALUE);
        if (v > fx[row * w + x]!) fx[row * w + x] = v;
        if (v > fy[row * h + y]!) fy[row * h + y] = v;
        if (v > yx[i]!) yx[i] = v;
      }
    }
  }

  projections(): Projection[] {
    const { rows, height: h, width: w } = this;
    return [
      { name: 'frame_x', rows, cols: w, data: this.fx },
      { name: 'frame_y', rows, cols: h, data: this.fy },
      { name: 'y_x', rows: h, cols: w, data: this.yx },
    ];
  }

  /** Writes `<stem>_projection_<name>.png` for the three; returns their paths. */
  async write(dir: string, stem: string): Promise<string[]> {
    const out: string[] = [];
    for (const p of this.projections()) {
      const path = join(dir, `${stem}_projection_${p.name}.png`);
      const repeat = p.name === 'y_x' ? 1 : Math.min(8, Math.ceil(MIN_ROWS / p.rows));
      await writeFile(path, projectionPng(p, repeat));
      out.push(path);
    }
    return out;
  }
}

/** PNG bytes of a projection: log(1 + counts) / its max, viridis; each row `repeat` times. */
export function projectionPng(p: Projection, repeat = 1): Uint8Array {
  let top = 0;
  const t = new Float32Array(p.data.length);
  for (let i = 0; i < t.length; i++) {
    t[i] = Math.log1p(Math.max(p.data[i]!, 0));
    if (t[i]! > top) top = t[i]!;
  }
  if (top > 0) for (let i = 0; i < t.length; i++) t[i] = t[i]! / top;
  const rgb = applyColormap(t, 'viridis');
  const line = 3 * p.cols;
  const img = new Uint8Array(p.rows * repeat * line);
  for (let r = 0; r < p.rows; r++)
    for (let k = 0; k < repeat; k++)
      img.set(rgb.subarray(r * line, (r + 1) * line), (r * repeat + k) * line);
  return encodePng(ndarray('rgb8', [p.rows * repeat, p.cols], img));
}
