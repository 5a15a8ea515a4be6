/**
 * bragg's peak label / mask file (contract `peaks-masks/1`), used for ground truth (synthetic
 * scans, imported Zooniverse labels) and for predictions alike, so that `evaluate` compares
 * like with like. HDF5:
 *
 * - `/masks` uint16 (n, h, w): instance ids per frame, 0 = background; chunked per frame;
 * - `/frame_index` int32 (n): the scan frame of each mask (labelled frames need not be contiguous);
 * - `/peaks/<column>`: the peak table (`PEAK_COLUMNS`), one 1-D dataset per column;
 * - root attributes `bragg_contract`, `source` (the scan), `mask_rule`, `kind` (`truth` | `prediction`).
 *
 * h5py: `f['masks'][i]` is frame `f['frame_index'][i]`.
 */
import { FormatError, NotFoundError } from '../../../core/errors.js';
import { toFloat64 } from '../../../core/ndarray.js';
import { openHdf5 } from '../../../formats/hdf5/index.js';
import type { OpenedFile } from '../../../formats/types.js';
import { attr, H5Builder } from '../io/h5-builder.js';
import { PEAK_COLUMNS, type PeakRow } from './peak-table.js';

export const MASK_CONTRACT = 'peaks-masks/1';

export interface MaskFileHeader {
  kind: 'truth' | 'prediction';
  /** The scan the masks belong to (file name). */
  source: string;
  /** How masks were made, in words (e.g. the 10 % rule, the consensus rule, the method). */
  maskRule: string;
  frameIndex: readonly number[];
  height: number;
  width: number;
}

/** Writes a mask file frame block by frame block; `finish` adds the peak table and closes. */
export class MaskFileWriter {
  private written = 0;
  private constructor(
    private readonly b: H5Builder,
    readonly header: MaskFileHeader,
  ) {}

  static async create(path: string, header: MaskFileHeader): Promise<MaskFileWriter> {
    const b = await H5Builder.create(path);
    const n = header.frameIndex.length;
    try {
      await b.stack('/masks', '<H', [n, header.height, header.width], (k) => new Uint16Array(k), [
        attr.str('long_name', 'instance id (0 = background)'),
      ]);
      await b.dataset('/frame_index', '<i', [n], Int32Array.from(header.frameIndex));
    } catch (err) {
      await b.close();
      throw err;
    }
    return new MaskFileWriter(b, header);
  }

  /** The next `masks.length / (h·w)` frames. */
  async write(masks: Uint16Array): Promise<void> {
    const { height: h, width: w } = this.header;
    await this.b.writeFrames('/masks', this.written, [h, w], masks);
    this.written += masks.length / (h * w);
  }

  async finish(rows: readonly PeakRow[]): Promise<void> {
    try {
      await writePeakTable(this.b, rows);
      await this.b.attrs('/', [
        attr.str('bragg_contract', MASK_CONTRACT),
        attr.str('kind', this.header.kind),
        attr.str('source', this.header.source),
        attr.str('mask_rule', this.header.maskRule),
      ]);
    } finally {
      await this.b.close();
    }
  }

  async abort(): Promise<void> {
    await this.b.close();
  }
}

async function writePeakTable(b: H5Builder, rows: readonly PeakRow[]): Promise<void> {
  await b.group('/peaks', [attr.str('NX_class', 'NXcollection'), attr.i32('rows', [rows.length])]);
  const n = rows.length;
  if (n === 0) return; // no zero-length datasets: the `rows` attribute says 0
  const ints = (f: (r: PeakRow) => number) => Int32Array.from(rows, f);
  const reals = (f: (r: PeakRow) => number) => Float64Array.from(rows, f);
  const cols: [string, Int32Array | Float64Array][] = [
    ['frame', ints((r) => r.frame)],
    ['id', ints((r) => r.id)],
    ['centroid_y', reals((r) => r.cy)],
    ['centroid_x', reals((r) => r.cx)],
    ['bbox_y0', ints((r) => r.y0)],
    ['bbox_x0', ints((r) => r.x0)],
    ['bbox_y1', ints((r) => r.y1)],
    ['bbox_x1', ints((r) => r.x1)],
    ['area', ints((r) => r.area)],
    ['intensity', reals((r) => r.intensity)],
    ['confidence', reals((r) => r.confidence)],
  ];
  for (const [name, v] of cols) {
    await b.dataset(`/peaks/${name}`, v instanceof Int32Array ? '<i' : '<d', [n], v);
  }
}

/** An opened mask file: header, peak table, and frame blocks read on demand. */
export interface MaskFile {
  readonly path: string;
  readonly kind: string;
  readonly source: string;
  readonly maskRule: string;
  readonly frameIndex: Int32Array;
  readonly height: number;
  readonly width: number;
  readonly peaks: PeakRow[];
  /** Masks i0..i1−1 (positions in the file, not scan frames). */
  read(i0: number, i1: number): Promise<Uint16Array>;
  close(): Promise<void>;
}

function bad(f: OpenedFile, what: string, found?: string): FormatError {
  return new FormatError('peaks mask file', what, {
    file: f.path,
    expected: `${MASK_CONTRACT}: /masks (n, h, w) uint16 and /frame_index (n)`,
    ...(found !== undefined ? { found } : {}),
  });
}

export async function openMaskFile(path: string): Promise<MaskFile> {
  const f = await openHdf5(path);
  try {
    const m = f.datasets.find((d) => d.name === '/masks');
    if (!m) throw bad(f, 'no /masks dataset');
    if (m.shape.length !== 3 || !/^u?int(8|16|32)$/.test(m.dtype)) {
      throw bad(
        f,
        '/masks is not an integer (n, h, w) stack',
        `${m.dtype} [${m.shape.join(', ')}]`,
      );
    }
    const [n, h, w] = m.shape as [number, number, number];
    let frameIndex = Int32Array.from({ length: n }, (_, i) => i);
    if (f.datasets.some((d) => d.name === '/frame_index')) {
      const fi = toFloat64((await f.read('/frame_index')).array);
      if (fi.length !== n)
        throw bad(f, '/frame_index does not have one entry per mask', `${fi.length}`);
      frameIndex = Int32Array.from(fi);
    }
    const peaks = await readPeakTable(f);
    const meta = f.metadata;
    const s = (k: string): string => (typeof meta[k] === 'string' ? (meta[k] as string) : '');
    return {
      path: f.path,
      kind: s('kind'),
      source: s('source'),
      maskRule: s('mask_rule'),
      frameIndex,
      height: h,
      width: w,
      peaks,
      async read(i0, i1) {
        const a = await f.read('/masks', { ranges: [[i0, i1]] });
        const d = a.array.data;
        return d instanceof Uint16Array ? d : Uint16Array.from(toFloat64(a.array));
      },
      close: () => f.close(),
    };
  } catch (err) {
    await f.close();
    if (err instanceof NotFoundError) throw bad(f, err.message);
    throw err;
  }
}

async function readPeakTable(f: OpenedFile): Promise<PeakRow[]> {
  const col = async (name: string): Promise<Float64Array | undefined> =>
    f.datasets.some((d) => d.name === `/peaks/${name}`)
      ? toFloat64((await f.read(`/peaks/${name}`)).array)
      : undefined;
  const frame = await col('frame');
  if (!frame) return [];
  const get: Record<string, Float64Array> = {};
  for (const c of PEAK_COLUMNS) {
    const v = await col(c);
    get[c] = v && v.length === frame.length ? v : new Float64Array(frame.length);
  }
  return Array.from(frame, (_, i) => ({
    frame: get.frame![i]!,
    id: get.id![i]!,
    cy: get.centroid_y![i]!,
    cx: get.centroid_x![i]!,
    y0: get.bbox_y0![i]!,
    x0: get.bbox_x0![i]!,
    y1: get.bbox_y1![i]!,
    x1: get.bbox_x1![i]!,
    area: get.area![i]!,
    intensity: get.intensity![i]!,
    confidence: get.confidence![i]!,
  }));
}
