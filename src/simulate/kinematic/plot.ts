/** Quick-look rendering of 1D profiles as images (for `bragg simulate profile -o x.png`). */

/** A line plot of y(q) as an 8-bit gray image (white background, black curve). */
export function plotProfile(
  q: Float64Array,
  y: Float64Array,
  width = 640,
  height = 320,
): Uint8Array {
  const img = new Uint8Array(width * height).fill(255);
  const m = 10;
  let ymax = 0;
  for (const v of y) ymax = Math.max(ymax, v);
  const px = (i: number) => m + ((q[i]! - q[0]!) / (q[q.length - 1]! - q[0]!)) * (width - 2 * m);
  const py = (i: number) => height - m - (ymax > 0 ? y[i]! / ymax : 0) * (height - 2 * m);
  for (let i = 1; i < q.length; i++) {
    const steps = Math.ceil(Math.max(Math.abs(px(i) - px(i - 1)), Math.abs(py(i) - py(i - 1)), 1));
    for (let s = 0; s <= steps; s++) {
      const x = Math.round(px(i - 1) + ((px(i) - px(i - 1)) * s) / steps);
      const yy = Math.round(py(i - 1) + ((py(i) - py(i - 1)) * s) / steps);
      if (x >= 0 && x < width && yy >= 0 && yy < height) img[yy * width + x] = 0;
    }
  }
  return img;
}
