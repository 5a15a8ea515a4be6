/**
 * Frame preprocessing of the DiPID seed (STUDY §3.1): dead pixels (negative counts, e.g. the
 * Pilatus −2 marker) and pixels flagged by a NeXus `pixel_mask` are replaced by the mean of
 * their positive, unflagged 4-neighbours (0 when there is none); the seed's per-frame min–max
 * normalisation maps a frame onto [0, 1].
 */

/**
 * Replace bad pixels of one frame in place: negative values, and pixels where `mask` is
 * non-zero. Returns how many were replaced. Neighbours count only when positive and not
 * themselves flagged.
 */
export function fixDeadPixels(
  frame: Float32Array,
  height: number,
  width: number,
  mask?: Uint8Array,
): number {
  const bad = (i: number): boolean => frame[i]! < 0 || (mask !== undefined && mask[i] !== 0);
  const todo: number[] = [];
  for (let i = 0; i < frame.length; i++) if (bad(i)) todo.push(i);
  // Replacement values are computed from the original frame, then written.
  const values = todo.map((i) => {
    const y = Math.floor(i / width);
    const x = i - y * width;
    let s = 0;
    let n = 0;
    const take = (j: number): void => {
      const v = frame[j]!;
      if (v > 0 && !(mask !== undefined && mask[j] !== 0)) {
        s += v;
        n++;
      }
    };
    if (y > 0) take(i - width);
    if (y < height - 1) take(i + width);
    if (x > 0) take(i - 1);
    if (x < width - 1) take(i + 1);
    return n > 0 ? s / n : 0;
  });
  todo.forEach((i, k) => (frame[i] = values[k]!));
  return todo.length;
}

/** The seed's per-frame min–max normalisation, in place: (x − min)/(max − min); a constant frame → 0. */
export function minMaxNormalise(frame: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of frame) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  for (let i = 0; i < frame.length; i++) {
    const v = frame[i]!;
    frame[i] = span > 0 && Number.isFinite(v) ? (v - lo) / span : 0;
  }
  return frame;
}
