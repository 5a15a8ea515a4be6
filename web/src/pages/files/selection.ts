/**
 * Which part of a dataset the viewer asks the server for: the JSON data route answers at most
 * `JSON_LIMIT` elements, so big images are cropped to their centre and stacks are read one
 * frame (or one index of each leading axis) at a time.
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
  /** A note for people when the view is cropped. */
  note?: string;
}

function crop(n: number, max: number): [number, number] {
  if (n <= max) return [0, n];
  const a = Math.floor((n - max) / 2);
  return [a, a + max];
}

/**
 * The request for viewing `shape` with `index` fixing the leading axes (all but the last two;
 * all but the last for 1D data). Frames use `frame=` for 3D data; deeper or cropped views a slice.
 */
export function viewRequest(shape: readonly number[], index: readonly number[]): ViewRequest {
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
  const [r0, r1] = big ? crop(rows, MAX_SIDE) : [0, rows];
  const [c0, c1] = big ? crop(cols, MAX_SIDE) : [0, cols];
  const out: ViewRequest = { shape: [r1 - r0, c1 - c0], starts: [r0, c0] };
  if (big) out.note = `centre ${r1 - r0} × ${c1 - c0} of ${rows} × ${cols}`;
  if (r === 2) {
    if (big) out.slice = `${r0}:${r1},${c0}:${c1}`;
  } else if (r === 3 && !big) {
    out.frame = lead[0];
  } else {
    out.slice = [...lead.map(String), `${r0}:${r1}`, `${c0}:${c1}`].join(',');
  }
  return out;
}
