/**
 * A small streaming HDF5 writer for the peaks workflow's files (the I16 scan layout, label and
 * mask files, the NXdata volume) on the format layer's HDF5 worker: groups and attributes at
 * any path, small datasets in one call, and frame stacks created empty and written block by
 * block, so a 10,000-frame stack never sits in memory. Object times are fixed by the worker,
 * so the same calls give the same bytes.
 */
import { resolve } from 'node:path';
import { BraggError } from '../../../core/errors.js';
import { h5Client as h5 } from '../../../formats/hdf5/index.js';
import type { WorkerRequest, WriteAttr } from '../../../formats/hdf5/protocol.js';

export type { WriteAttr };

/** h5wasm type strings of the element types these files use. */
export type H5Dtype = '<B' | '<H' | '<i' | '<I' | '<f' | '<d' | '<q';

export class H5Builder {
  private closed = false;
  private constructor(
    readonly path: string,
    private readonly handle: number,
    private readonly generation: number,
  ) {}

  /** Create (overwrite) the file at `path`. */
  static async create(path: string): Promise<H5Builder> {
    const file = resolve(path);
    const r = await h5.call({ op: 'create', path: file }, file, 'creating');
    if (r.op !== 'create') throw new BraggError('INTERNAL', 'unexpected HDF5 worker answer');
    return new H5Builder(file, r.handle, h5.generation);
  }

  private async call(req: WorkerRequest, where: string, timeoutMs?: number): Promise<void> {
    if (this.closed) throw new BraggError('INTERNAL', `${this.path} is closed`);
    if (h5.generation !== this.generation) {
      throw new BraggError('WORKER', `the HDF5 worker restarted while writing ${this.path}`);
    }
    await h5.call(req, this.path, 'writing', timeoutMs, [], where);
  }

  async group(path: string, attrs: WriteAttr[] = []): Promise<void> {
    await this.call({ op: 'group', handle: this.handle, path, attrs }, path);
  }

  async attrs(path: string, attrs: WriteAttr[]): Promise<void> {
    await this.call({ op: 'attrs', handle: this.handle, path, attrs }, path);
  }

  /** A dataset written in one call (numbers, or strings with dtype `vlen-str`). */
  async dataset(
    path: string,
    dtype: H5Dtype | 'vlen-str',
    shape: number[],
    data: ArrayBufferView | string[],
    attrs: WriteAttr[] = [],
  ): Promise<void> {
    await this.call({ op: 'dataset', handle: this.handle, path, dtype, shape, data, attrs }, path);
  }

  /**
   * A stack `frames × height × width`, chunked one frame per chunk and deflated (level
   * `compression`, 0 = none); its frames are written with `writeFrames`.
   */
  async stack(
    path: string,
    dtype: H5Dtype,
    shape: [number, number, number],
    make: (n: number) => ArrayBufferView,
    attrs: WriteAttr[] = [],
    compression = 4,
  ): Promise<void> {
    const [frames, h, w] = shape;
    const req: WorkerRequest = {
      op: 'dataset',
      handle: this.handle,
      path,
      dtype,
      shape: [Math.min(1, frames), h, w],
      maxshape: [frames, h, w],
      chunks: [1, Math.max(1, h), Math.max(1, w)],
      data: make(Math.min(1, frames) * h * w),
      attrs,
    };
    if (compression > 0) req.compression = compression;
    await this.call(req, path);
    if (frames > 1) await this.call({ op: 'resize', handle: this.handle, path, shape }, path);
  }

  /** Write frames [start, start + n) of a stack from `data` (n × height × width elements). */
  async writeFrames(
    path: string,
    start: number,
    frameShape: [number, number],
    data: ArrayBufferView & { length: number },
  ): Promise<void> {
    const per = frameShape[0] * frameShape[1];
    const n = per > 0 ? data.length / per : 0;
    if (n === 0) return;
    await this.call(
      {
        op: 'writeSlice',
        handle: this.handle,
        path,
        start: [start, 0, 0],
        count: [n, ...frameShape],
        data,
      },
      path,
      30_000 + data.byteLength / 5000,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (h5.generation === this.generation) {
      await h5.call({ op: 'close', handle: this.handle }, this.path, 'closing');
    }
  }
}

/** Attribute helpers. */
export const attr = {
  str: (name: string, value: string | string[]): WriteAttr => ({ name, value }),
  i32: (name: string, values: number[]): WriteAttr => ({
    name,
    value: new Int32Array(values),
    dtype: '<i',
  }),
  f64: (name: string, values: number[]): WriteAttr => ({
    name,
    value: new Float64Array(values),
    dtype: '<d',
  }),
};
