import { f32at } from './common';

/**
 * Lays out the columns of a row-major [cols, rows] matrix as panels of `width` floats:
 * dst[p][r][j] = src[p·width + j][r], zero past `cols` (the transposed counterpart of
 * packPanels in conv-filter.ts). A matrix product with a transposed right operand streams its
 * rows through convFilterGrad's 8-channel tiles this way. Rows [r0, r1) of the result.
 */
export function packPanelsT(
  src: usize,
  dst: usize,
  rows: i32,
  cols: i32,
  width: i32,
  r0: i32,
  r1: i32,
): void {
  const panels = (cols + width - 1) / width;
  const panelBytes = <usize>rows * <usize>width * 4;
  for (let p = 0; p < panels; p++) {
    const c0 = p * width;
    const rest = min(width, cols - c0);
    // The `width` source rows of a panel stay in L1 while r walks along them.
    for (let r = r0; r < r1; r++) {
      const d = dst + <usize>p * panelBytes + <usize>r * <usize>width * 4;
      let j = 0;
      for (; j < rest; j++) {
        store<f32>(d + (<usize>j << 2), load<f32>(f32at(src, (c0 + j) * rows + r)));
      }
      for (; j < width; j++) store<f32>(d + (<usize>j << 2), 0);
    }
  }
}
