/**
 * The images of a DM file (`ImageList` entries): pixel type, shape, calibrated axes,
 * intensity calibration, role (thumbnail or image) and where the pixels are in the file.
 *
 * Conventions (MANIFEST §1): `ImageData.Dimensions` lists the fastest axis first (x, y, z),
 * bragg arrays are C order, so shape and axes are reversed. A DM calibration maps pixel i to
 * (i − Origin) · Scale, so an Axis gets offset = −Origin · Scale; the same convention is used
 * for the intensity (`Brightness`): calibrated = (raw − Origin) · Scale.
 */
import type { Axis, IntensityCalibration } from '../../core/axes.js';
import type { Metadata } from '../../core/data-array.js';
import { FormatError } from '../../core/errors.js';
import { keyMetadata } from './metadata.js';
import { DM_FORMAT } from './source.js';
import type { ArrayRef, DmTree, TagGroup } from './tags.js';
import { pixelType, SUPPORTED_DATA_TYPES, type PixelType } from './tagtypes.js';
import { getGroup, getNode, getNumber, getString, getValue } from './tree.js';

/** Most dimensions accepted for one image (DM itself writes at most 4). */
export const MAX_DIMS = 8;

export interface DmImage {
  /** Position in `ImageList`. */
  index: number;
  /** DataArray name: `image <index>`. */
  name: string;
  role: 'image' | 'thumbnail';
  pixel: PixelType;
  /** DM Dimensions, fastest first. */
  dims: number[];
  /** C-order shape (slowest first) of the decoded array. */
  shape: number[];
  data: ArrayRef;
  axes: Axis[];
  intensity: IntensityCalibration;
  metadata: Metadata;
}

function finiteOr(v: number | undefined, d: number): number {
  return v !== undefined && Number.isFinite(v) ? v : d;
}

/** Indices of `ImageList` entries that the root `Thumbnails` list names as thumbnails. */
function thumbnailIndices(root: TagGroup): Set<number> {
  const out = new Set<number>();
  const t = getGroup(root, 'Thumbnails');
  for (const e of t?.entries ?? []) {
    if (e.node.kind !== 'group') continue;
    const i = getNumber(e.node, 'ImageIndex');
    if (i !== undefined) out.add(i);
  }
  return out;
}

function axisName(dmIndex: number, units: string, signal: string | undefined): string {
  if (signal === 'EELS' && units === 'eV') return 'energy loss';
  if (signal === 'EDS' && units === 'keV') return 'energy';
  if (signal === 'CL' && units === 'nm') return 'wavelength';
  return ['x', 'y', 'z'][dmIndex] ?? `dim${dmIndex}`;
}

export function describeImages(tree: DmTree, file: string): DmImage[] {
  const list = getGroup(tree.root, 'ImageList');
  if (list === undefined) return [];
  const thumbs = thumbnailIndices(tree.root);
  const images: DmImage[] = [];
  list.entries.forEach((entry, index) => {
    if (entry.node.kind !== 'group') return;
    const im = describeImage(entry.node, index, thumbs.has(index), file);
    if (im !== undefined) images.push(im);
  });
  return images;
}

function describeImage(
  g: TagGroup,
  index: number,
  thumbnail: boolean,
  file: string,
): DmImage | undefined {
  const path = `ImageList[${index}].ImageData`;
  const err = (what: string, expected: string, found: string, offset?: number): FormatError =>
    new FormatError(DM_FORMAT, what, { file, path, offset, expected, found });
  const id = getGroup(g, 'ImageData');
  const data = getValue(id, 'Data');
  if (id === undefined || data === undefined) return undefined;
  const dataNode = getNode(id, 'Data');
  const at = dataNode?.offset;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw err('image data is not a numeric array', 'an array tag', typeof data, at);
  }
  const code = getNumber(id, 'DataType');
  const pixel = code === undefined ? undefined : pixelType(code);
  if (pixel === undefined) {
    throw err(
      'unsupported image DataType',
      `one of ${SUPPORTED_DATA_TYPES.join(', ')}`,
      String(code),
      at,
    );
  }
  const dimsGroup = getGroup(id, 'Dimensions');
  const dims: number[] = [];
  for (const e of dimsGroup?.entries ?? []) {
    const v = e.node.kind === 'data' ? e.node.value : undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw err('bad image dimension', 'a non-negative integer', String(v), e.node.offset);
    }
    dims.push(v);
  }
  if (dims.length < 1 || dims.length > MAX_DIMS) {
    throw err(
      'bad number of image dimensions',
      `1..${MAX_DIMS}`,
      String(dims.length),
      dimsGroup?.offset,
    );
  }
  // Pixels the data must hold; packed complex keeps width/2 + 1 columns of each row.
  let stored = 1;
  dims.forEach((d, i) => {
    stored *= i === 0 && pixel.layout === 'packedHalf' ? Math.floor(d / 2) + 1 : d;
  });
  if (pixel.layout === 'packedHalf' && dims.length !== 2) {
    throw err('packed-complex FFT data must be 2-D', '2 dimensions', String(dims.length), at);
  }
  if (
    pixel.layout === 'packed5' &&
    (dims.length !== 2 || dims[0] !== dims[1] || dims[0]! % 2 !== 0)
  ) {
    throw err(
      'old packed-complex data must be square with even size',
      'N × N, N even',
      dims.join(' × '),
      at,
    );
  }
  const have = data.length * data.elemBytes;
  if (stored * pixel.bytes !== have) {
    throw err(
      'image data size does not match its dimensions',
      `${stored} pixels × ${pixel.bytes} bytes = ${stored * pixel.bytes} bytes`,
      `${have} bytes`,
      at,
    );
  }

  const tags = getGroup(g, 'ImageTags');
  const metadata = keyMetadata(tags);
  const signal = typeof metadata.signalType === 'string' ? metadata.signalType : undefined;
  const cal = getGroup(id, 'Calibrations');
  const dimCal = getGroup(cal, 'Dimension');
  const dmAxes: Axis[] = dims.map((size, i) => {
    const c = getGroup(dimCal, i);
    const scale = finiteOr(getNumber(c, 'Scale'), 1);
    const origin = finiteOr(getNumber(c, 'Origin'), 0);
    const units = getString(c, 'Units') ?? '';
    // −0 · scale would print as -0; keep offsets of uncalibrated axes at +0.
    return {
      name: axisName(i, units, signal),
      size,
      scale,
      offset: origin === 0 ? 0 : -origin * scale,
      units,
    };
  });
  const bScale = finiteOr(getNumber(cal, 'Brightness', 'Scale'), 1);
  const bOrigin = finiteOr(getNumber(cal, 'Brightness', 'Origin'), 0);
  const intensity: IntensityCalibration = {
    scale: bScale,
    offset: bOrigin === 0 ? 0 : -bOrigin * bScale,
    units: getString(cal, 'Brightness', 'Units') ?? '',
  };
  const title = getString(g, 'Name');
  const md: Metadata = { ...(title ? { title } : {}), dataType: pixel.code, ...metadata };
  if (bOrigin !== 0) md.intensityOrigin = bOrigin;
  return {
    index,
    name: `image ${index}`,
    role: thumbnail ? 'thumbnail' : 'image',
    pixel,
    dims,
    shape: [...dims].reverse(),
    data,
    axes: dmAxes.reverse(),
    intensity,
    metadata: md,
  };
}
