/**
 * The predicted peak volume of a scan (`<scan>_volume.nxs`): the (frame, y, x) voxels that
 * belong to a peak — the OR of a frame's instance masks, as the seed's `generate_3d_plot`
 * builds it — as NeXus NXdata `/entry/volume` (`@signal="data"`, uint8), with the axes
 * `frame` (scan frame index), `y` and `x` (pixels), and the scan's own axis (e.g. `eta`) on
 * the first dimension when the scan has one. Written frame block by frame block.
 */
import { attr, H5Builder } from '../io/h5-builder.js';

export class VolumeWriter {
  private written = 0;
  private constructor(
    private readonly b: H5Builder,
    private readonly h: number,
    private readonly w: number,
  ) {}

  static async create(
    path: string,
    frameIndex: readonly number[],
    height: number,
    width: number,
    scanAxis?: { name: string; units: string; values: ArrayLike<number> },
  ): Promise<VolumeWriter> {
    const b = await H5Builder.create(path);
    try {
      const axis =
        scanAxis &&
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(scanAxis.name) &&
        !['frame', 'x', 'y', 'data'].includes(scanAxis.name)
          ? scanAxis
          : undefined;
      await b.attrs('/', [attr.str('NX_class', 'NXroot'), attr.str('default', 'entry')]);
      await b.group('/entry', [attr.str('NX_class', 'NXentry'), attr.str('default', 'volume')]);
      const axes = [axis ? axis.name : 'frame', 'y', 'x'];
      const attrs = [
        attr.str('NX_class', 'NXdata'),
        attr.str('signal', 'data'),
        attr.str('axes', axes),
        attr.i32('frame_indices', [0]),
        attr.i32('y_indices', [1]),
        attr.i32('x_indices', [2]),
      ];
      if (axis) attrs.push(attr.i32(`${axis.name}_indices`, [0]));
      await b.group('/entry/volume', attrs);
      const n = frameIndex.length;
      await b.stack('/entry/volume/data', '<B', [n, height, width], (k) => new Uint8Array(k), [
        attr.str('long_name', 'peak voxel (1) or background (0)'),
      ]);
      await b.dataset('/entry/volume/frame', '<i', [n], Int32Array.from(frameIndex), [
        attr.str('units', ''),
      ]);
      await b.dataset(
        '/entry/volume/y',
        '<d',
        [height],
        Float64Array.from({ length: height }, (_, i) => i),
        [attr.str('units', 'pixel')],
      );
      await b.dataset(
        '/entry/volume/x',
        '<d',
        [width],
        Float64Array.from({ length: width }, (_, i) => i),
        [attr.str('units', 'pixel')],
      );
      if (axis) {
        await b.dataset(
          `/entry/volume/${axis.name}`,
          '<d',
          [n],
          Float64Array.from(frameIndex, (f) => axis.values[f] ?? NaN),
          [attr.str('units', axis.units)],
        );
      }
    } catch (err) {
      await b.close();
      throw err;
    }
    return new VolumeWriter(b, height, width);
  }

  async write(masks: Uint16Array): Promise<void> {
    const v = new Uint8Array(masks.length);
    for (let i = 0; i < masks.length; i++) v[i] = masks[i] ? 1 : 0;
    await this.b.writeFrames('/entry/volume/data', this.written, [this.h, this.w], v);
    this.written += masks.length / (this.h * this.w);
  }

  close(): Promise<void> {
    return this.b.close();
  }
}
