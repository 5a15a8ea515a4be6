/**
 * Which part of a dataset the viewer asks the server for: the JSON data route answers at most
 * `JSON_LIMIT` elements, so an image bigger than that is shown as an overview of the whole of it
 * (the server's `bin` × `bin` block means) or, zoomed, as a full-resolution region of at most
 * `MAX_SIDE` a side around a chosen centre; stacks are read one frame (or one index of each
 * leading axis) at a time.
 */

/** The server's limit on elements per JSON answer (api.md: 1 M). */
export const JSON_LIMIT = 1 << 20;
/** Largest side of a cropped image. */
export const MAX_SIDE = 1024;

export interface ViewRequest {
  /** `frame=` for a 3D stack (index of axis 0). */
  frame?: number;
  /** numpy-like slice (`i,j,a:b,c:d`), when a frame or index alone is not enough. */
  slice?: string;
  /** The shape of the answer. */
  shape: number[];
  /** Per answer dimension: the first index taken from the full axis (for calibrated axes). */
  starts: number[];
  /** `bin=`: the server's block means of `bin` × `bin` pixels (an overview). */
  bin?: number;
  /** The image is bigger than one answer: the view is an overview or a zoomed region. */
  big?: { rows: number; cols: number };
  /** A note for people when the view is binned or cropped. */
  note?: string;
}

/** The centre of a full-resolution region of a big image [row, col] (a zoomed view). */
export interface Zoom {
  row: number;
  col: number;
}

/** `[a, a + max)` around `centre` (default the middle), inside `[0, n)`. */
export function crop(n: number, max: number, centre = n / 2): [number, number] {
  if (n <= max) return [0, n];
  const a = Math.min(n - max, Math.max(0, Math.round(centre - max / 2)));
  return [a, a + max];
}

/** The smallest bin whose block means of a rows × cols image fit in `limit` elements. */
export function overviewBin(rows: number, cols: number, limit = JSON_LIMIT): number {
  let b = Math.max(1, Math.floor(Math.sqrt((rows * cols) / limit)));
  while (Math.ceil(rows / b) * Math.ceil(cols / b) > limit) b++;
  return b;
}

/**
 * The request for viewing `shape` with `index` fixing the leading axes (all but the last two;
 * all but the last for 1D data). Frames use `frame=` for 3D data; deeper or zoomed views a slice.
 * An image bigger than one answer is an overview (`bin`) unless `zoom` names a region centre.
 */
export function viewRequest(
  shape: readonly number[],
  index: readonly number[],
  zoom?: Zoom,
): ViewRequest {
  const r = shape.length;
  if (r === 0) return { shape: [], starts: [] };
  if (r === 1) {
    const n = shape[0]!;
    if (n <= JSON_LIMIT) return { shape: [n], starts: [0] };
    return {
      slice: `0:${JSON_LIMIT}`,
      shape: [JSON_LIMIT],
      starts: [0],
      note: `first ${JSON_LIMIT} of ${n} values`,
    };
  }
  const rows = shape[r - 2]!;
  const cols = shape[r - 1]!;
  const lead = shape.slice(0, r - 2).map((n, i) => Math.min(Math.max(0, index[i] ?? 0), n - 1));
  const big = rows * cols > JSON_LIMIT;
  const frameOrLead = (rowPart: string, colPart: string, whole: boolean): Partial<ViewRequest> => {
    if (r === 2) return whole ? {} : { slice: `${rowPart},${colPart}` };
    if (r === 3 && whole) return { frame: lead[0] };
    return { slice: [...lead.map(String), rowPart, colPart].join(',') };
  };
  if (!big) {
    return { shape: [rows, cols], starts: [0, 0], ...frameOrLead(`0:${rows}`, `0:${cols}`, true) };
  }
  if (zoom === undefined) {
    const bin = overviewBin(rows, cols);
    return {
      shape: [Math.ceil(rows / bin), Math.ceil(cols / bin)],
      starts: [0, 0],
      bin,
      big: { rows, cols },
      note: `whole ${rows} × ${cols} image as ${bin} × ${bin} block means`,
      ...frameOrLead(`0:${rows}`, `0:${cols}`, true),
    };
  }
  const [r0, r1] = crop(rows, MAX_SIDE, zoom.row);
  const [c0, c1] = crop(cols, MAX_SIDE, zoom.col);
  return {
    shape: [r1 - r0, c1 - c0],
    starts: [r0, c0],
    big: { rows, cols },
    note: `full-resolution rows ${r0}…${r1 - 1}, columns ${c0}…${c1 - 1} of ${rows} × ${cols}`,
    ...frameOrLead(`${r0}:${r1}`, `${c0}:${c1}`, false),
  };
}
